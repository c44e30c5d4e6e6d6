"""Re-measure a model artifact on the gold dev set with the current engine code and rewrite its card.

usage: python -m training.refresh_card [MODEL_DIR] [--gold PATH]

Training writes the card at the end of a run; this refreshes `evaluation` in model.json and
MODEL_CARD.md when only engine code (assembly, normalisation) changed after training.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsevents_service.engine.extractor import Extractor
from newsevents_service.evaluation.cli import load_gold, predict
from newsevents_service.evaluation.scoring import format_report, score
from newsevents_service.model.artifacts import DEFAULT_ARTIFACT, read_meta, write_meta

from .model_card import write_card
from .train import GOLD_DEV


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.refresh_card", description=__doc__)
    parser.add_argument("directory", type=Path, nargs="?", default=DEFAULT_ARTIFACT)
    parser.add_argument("--gold", type=Path, default=GOLD_DEV)
    args = parser.parse_args(argv)
    gold = load_gold(args.gold)
    result = score(gold, predict(Extractor(args.directory), gold))
    meta = read_meta(args.directory)
    meta["evaluation"] = {"dataset": "shared/data/gold/dev.jsonl", **result}
    write_meta(args.directory, meta)
    write_card(args.directory, meta)
    print(format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
