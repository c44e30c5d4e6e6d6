"""Engine throughput on the AP sample article (about 1,100 tokens), one process, no gRPC.

usage: python -m bench.engine_throughput [--repeat N] [--gold PATH] [--backend torch|onnx]

Prints tokens, windows, latency percentiles and throughput for the whole engine
(windows + forward passes + assembly) and for the forward passes alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

import torch

from bench.machine import cpu_model, percentile
from newsevents_service.engine.extractor import Extractor
from newsevents_service.engine.sentences import split_sentences
from newsevents_service.model.artifacts import read_meta, write_meta
from newsevents_service.model.backends import BACKENDS, DEFAULT_BACKEND
from training.model_card import write_card

GOLD = Path(__file__).resolve().parents[2] / "shared" / "data" / "gold" / "dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--record", action="store_true", help="store the figures in the model card")
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND, help="runtime of the encoder")
    args = parser.parse_args()
    docs = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    text = next(d for d in docs if d["id"] == "seed-raimondo-beijing")["text"]
    started = time.perf_counter()
    extractor = Extractor(backend=args.backend)
    load_s = time.perf_counter() - started
    extractor.extract(text, publication_date=dt.date(2023, 8, 28))  # warm-up
    whole, forward = [], []
    result = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = extractor.extract(text, publication_date=dt.date(2023, 8, 28))
        whole.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        extractor.predictor.predict([(text, split_sentences(text))])
        forward.append(time.perf_counter() - t0)
    assert result is not None
    tokens = result.stats["tokens"]
    report = {
        "cpu": cpu_model(),
        "cores_available": len(os.sched_getaffinity(0)),
        "backend": args.backend,
        "torch_threads": torch.get_num_threads(),
        "model_load_s": round(load_s, 2),
        "tokens": tokens,
        "windows": result.stats["windows"],
        "engine_p50_ms": round(statistics.median(whole) * 1000, 1),
        "engine_p95_ms": round(percentile(whole, 0.95) * 1000, 1),
        "engine_tokens_per_s": round(tokens / statistics.median(whole)),
        "model_only_p50_ms": round(statistics.median(forward) * 1000, 1),
        "events": len(result.events),
    }
    print(json.dumps(report, indent=1))
    if args.record:
        meta = read_meta(extractor.model.directory)
        meta["speed"] = report
        write_meta(extractor.model.directory, meta)
        write_card(extractor.model.directory, meta)


if __name__ == "__main__":
    main()
