"""Figures of models on the corpus's own dev split, where models and assembly rules are chosen.

usage: python -m training.dev_figures [MODEL_DIR ...] [--backend auto|int8|bf16|torch|onnx]

The rules of ANNOTATION.md section 4 over the dev documents of `data/corpus/` (`corpus.is_dev`),
each run with its publication date, as `newsevents-eval` runs the gold set. Default: the shipped
model with the default runtime.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsevents_service.engine.extractor import Extractor
from newsevents_service.evaluation.cli import predict
from newsevents_service.evaluation.scoring import format_report, score
from newsevents_service.model.artifacts import DEFAULT_ARTIFACT
from newsevents_service.model.backends import BACKENDS, DEFAULT_BACKEND

from .corpus import dev_documents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.dev_figures", description=__doc__)
    parser.add_argument("models", type=Path, nargs="*", default=[DEFAULT_ARTIFACT])
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND)
    args = parser.parse_args(argv)
    docs = dev_documents()
    for directory in args.models:
        print(f"{directory} ({args.backend}) on the corpus dev split, {len(docs)} documents:")
        print(format_report(score(docs, predict(Extractor(directory, backend=args.backend), docs))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
