"""`newsevents-eval GOLD.jsonl [--predictions OUT.jsonl] [--json] [--backend onnx]`: run the engine over gold
documents and print the figures of ANNOTATION.md section 4."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from newsevents_service.api import convert
from newsevents_service.engine.extractor import Extractor, Request
from newsevents_service.model.artifacts import DEFAULT_ARTIFACT
from newsevents_service.model.backends import BACKENDS, DEFAULT_BACKEND

from .scoring import format_report, score


def load_gold(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def gold_request(doc: dict[str, Any]) -> Request:
    """The engine request for a gold document: its text and publication date, if any."""
    date = doc.get("publication_date")
    return Request(doc["text"], dt.date.fromisoformat(date) if date else None)


def predict(extractor: Extractor, gold: list[dict], batch: int = 8) -> dict[str, dict[str, Any]]:
    """Responses in the protobuf JSON mapping, keyed by document id."""
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(gold), batch):
        docs = gold[start : start + batch]
        requests = [gold_request(d) for d in docs]
        for doc, result in zip(docs, extractor.extract_many(requests), strict=False):
            message = convert.response(doc["id"], result)
            out[doc["id"]] = json_format.MessageToDict(message)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsevents-eval", description=__doc__)
    parser.add_argument("gold", type=Path, help="gold JSONL (ANNOTATION.md section 3)")
    parser.add_argument("--predictions", type=Path, help="write the responses here, one JSON per line")
    parser.add_argument("--model", type=Path, default=DEFAULT_ARTIFACT, help="model artifact folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND, help="runtime of the encoder")
    args = parser.parse_args(argv)
    gold = load_gold(args.gold)
    predictions = predict(Extractor(args.model, backend=args.backend), gold)
    if args.predictions:
        with args.predictions.open("w", encoding="utf-8") as f:
            for doc in gold:
                f.write(json.dumps(predictions[doc["id"]], ensure_ascii=False) + "\n")
    result = score(gold, predictions)
    print(json.dumps(result, indent=1) if args.json else format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
