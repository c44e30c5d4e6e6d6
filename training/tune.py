"""Pick the trigger decision threshold on the corpus's own dev split (never on the gold dev set).

usage: python -m training.tune [MODEL_DIR]   (updates model.json in place)
"""

from __future__ import annotations

import sys
from pathlib import Path

from newsevents_service.engine.extractor import Extractor
from newsevents_service.evaluation.cli import predict
from newsevents_service.evaluation.scoring import score
from newsevents_service.model.artifacts import DEFAULT_ARTIFACT, read_meta, write_meta

from .corpus import dev_documents

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def tune_threshold(extractor: Extractor, docs: list[dict]) -> tuple[float, dict[float, float]]:
    """The P(O) threshold with the best event F1 (ties: the lower one), and every F1 tried."""
    figures = {}
    for threshold in THRESHOLDS:
        extractor.predictor.trigger_threshold = threshold
        figures[threshold] = score(docs, predict(extractor, docs))["events"]["f1"]
    best = max(THRESHOLDS, key=lambda t: (figures[t], -t))
    extractor.predictor.trigger_threshold = best
    return best, figures


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else DEFAULT_ARTIFACT
    docs = dev_documents()
    best, figures = tune_threshold(Extractor(directory), docs)
    meta = read_meta(directory)
    meta["trigger_o_threshold"] = best
    meta["threshold_search"] = {str(k): v for k, v in figures.items()}
    write_meta(directory, meta)
    print(f"trigger threshold {best} (event F1 on corpus dev by threshold: {figures})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
