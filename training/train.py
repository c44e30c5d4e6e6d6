"""Rebuild the shipped model from the pretrained MiniLM and the corpus in data/.

usage: python -m training.train [--epochs N] [--seed S] [--out DIR] [--gold PATH]

Seeded and repeatable on CPU. After every epoch it prints the loss, and the figures of
ANNOTATION.md section 4 on the gold development set (measuring only; never trained on).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

import torch
from torch import nn

from newsevents_service.engine.extractor import Extractor
from newsevents_service.evaluation.cli import load_gold, predict
from newsevents_service.evaluation.scoring import format_report, score
from newsevents_service.model.artifacts import (
    BASE_MODEL_NAME,
    DEFAULT_ARTIFACT,
    FROZEN_PREFIX,
    LoadedModel,
    load_base_network,
    load_tokenizer,
    save_model,
    set_threads,
)
from newsevents_service.model.labels import EVENT_TYPES, ROLES_BY_TYPE
from newsevents_service.model.network import EventModel

from .corpus import build_examples, is_dev, load_documents
from .features import IGNORE, Batch, WindowFeatures, batches, collate, window_features
from .model_card import write_card
from .tune import tune_threshold

GOLD_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "gold" / "dev.jsonl"
VERSION = "1.3.0"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m training.train", description=__doc__)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--window", type=int, default=254)
    p.add_argument("--stride", type=int, default=192)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument(
        "--context-sentences",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also pair each trigger with the entities of the sentence before it",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_ARTIFACT)
    p.add_argument("--gold", type=Path, default=GOLD_DEV, help="gold dev set for per-epoch figures")
    return p.parse_args(argv)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def losses(network: EventModel, batch: Batch) -> torch.Tensor:
    ce = nn.CrossEntropyLoss(ignore_index=IGNORE)
    hidden = network.encode(batch.ids, batch.mask)
    ent, trig, aux = network.tag(hidden)
    total = ce(ent.flatten(0, 1), batch.entity_labels.flatten())
    total = total + ce(trig.flatten(0, 1), batch.trigger_labels.flatten())
    total = total + 0.5 * ce(aux.flatten(0, 1), batch.aux_labels.flatten())
    if batch.roles.numel():
        total = total + network_roles_loss(network, hidden, batch, ce)
    if batch.triggers.numel():
        modality, action = network.attributes(hidden, batch.triggers)
        total = total + 0.5 * ce(modality, batch.modality)
        if (batch.action != IGNORE).any():
            total = total + 0.5 * ce(action, batch.action)
    return total


def network_roles_loss(network: EventModel, hidden: torch.Tensor, batch: Batch, ce: nn.Module) -> torch.Tensor:
    logits = network.roles(hidden, batch.pair_triggers, batch.pair_entities)
    return ce(logits, batch.roles)


def build_optimizer(
    network: EventModel, args: argparse.Namespace, steps: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    for name, param in network.named_parameters():
        if name.startswith(FROZEN_PREFIX):
            param.requires_grad = False
    encoder = [p for n, p in network.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    heads = [p for n, p in network.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(
        [{"params": encoder, "lr": args.lr}, {"params": heads, "lr": args.head_lr}], weight_decay=0.01
    )
    warmup = max(1, steps // 16)

    def schedule(step: int) -> float:
        return min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup)))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def evaluate(network: EventModel, tokenizer, gold: list[dict], meta: dict) -> dict:  # type: ignore[no-untyped-def]
    network.eval()
    extractor = Extractor.from_loaded(LoadedModel(network, tokenizer, meta, "", Path(".")))
    result = score(gold, predict(extractor, gold))
    network.train()
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = set_threads(args.threads)
    seed_everything(args.seed)
    started = time.time()
    docs = load_documents()
    train_docs = [d for d in docs if not is_dev(d["id"])]
    tokenizer = load_tokenizer()
    windows: list[WindowFeatures] = []
    for example in build_examples(train_docs, args.context_sentences):
        windows.extend(window_features(tokenizer, example, args.window, args.stride))
    print(
        f"corpus: {len(docs)} documents, {len(train_docs)} for training, {len(windows)} windows; {threads} threads",
        flush=True,
    )
    gold = load_gold(args.gold) if args.gold.exists() else []
    network = load_base_network()
    network.train()
    rng = random.Random(args.seed)
    steps = args.epochs * ((len(windows) + args.batch_size - 1) // args.batch_size)
    optimizer, scheduler = build_optimizer(network, args, steps)
    meta = model_meta(args, docs, train_docs)
    history = []
    for epoch in range(1, args.epochs + 1):
        total, count = 0.0, 0
        for group in batches(windows, args.batch_size, rng):
            loss = losses(network, collate(group))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total, count = total + loss.item(), count + 1
        line = f"epoch {epoch}/{args.epochs}  loss {total / max(1, count):.4f}  {time.time() - started:.0f}s"
        print(line, flush=True)
        if gold:
            result = evaluate(network, tokenizer, gold, meta)
            history.append(
                {"epoch": epoch, **{k: result[k]["f1"] for k in ("events", "arguments", "dates", "amounts")}}
            )
            print(format_report(result), flush=True)
    network.eval()
    dev_docs = [d for d in docs if is_dev(d["id"])]
    extractor = Extractor.from_loaded(LoadedModel(network, tokenizer, meta, "", Path(".")))
    meta["trigger_o_threshold"], search = tune_threshold(extractor, dev_docs)
    meta["threshold_search"] = {str(k): v for k, v in search.items()}
    print(f"trigger threshold {meta['trigger_o_threshold']} (corpus dev event F1: {search})", flush=True)
    meta["training_seconds"] = round(time.time() - started)
    meta["history"] = history
    if gold:
        meta["evaluation"] = {"dataset": "shared/data/gold/dev.jsonl", **evaluate(network, tokenizer, gold, meta)}
    save_model(network, args.out, meta)
    write_card(args.out, meta)
    print(f"saved {args.out} in {meta['training_seconds']}s", flush=True)
    return 0


def model_meta(args: argparse.Namespace, docs: list[dict], train_docs: list[dict]) -> dict:
    mentions = {
        t: sum(len(e["evidence"]) for d in train_docs for e in d["events"] if e["type"] == t) for t in EVENT_TYPES
    }
    return {
        "name": "newsevents-minilm",
        "version": VERSION,
        "base_model": BASE_MODEL_NAME,
        "trained_on": dt.date.today().isoformat(),
        "event_types": EVENT_TYPES,
        "roles": ROLES_BY_TYPE,
        "window": args.window,
        "stride": args.stride,
        "context_sentences": args.context_sentences,
        "training": {
            "epochs": args.epochs,
            "seed": args.seed,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "head_lr": args.head_lr,
        },
        "corpus": {"documents": len(docs), "train_documents": len(train_docs), "train_mentions": mentions},
    }


if __name__ == "__main__":
    sys.exit(main())
