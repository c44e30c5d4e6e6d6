"""Accuracy on the dev gold set (a regression breaks CI) and agreement with the reference scorer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from newsevents_service.engine.extractor import Extractor
from newsevents_service.evaluation.cli import predict
from newsevents_service.evaluation.scoring import score

from .conftest import SHARED

# The engine issue's targets; the shipped model meets them all with either runtime `auto` picks
# (int8 on AMD EPYC: events 0.797, arguments 0.596, dates 0.875, amounts 1.000; bf16 on an Intel
# Xeon with AMX: 0.800 / 0.595 / 0.861 / 1.000), so any regression of the model or of the engine
# code breaks CI.
FLOORS = {"events": 0.75, "arguments": 0.55, "dates": 0.85, "amounts": 0.90}


@pytest.fixture(scope="module")
def dev_predictions(extractor: Extractor, gold_dev: list[dict]) -> dict[str, dict]:
    return predict(extractor, gold_dev)


def test_dev_figures_meet_their_floors(gold_dev: list[dict], dev_predictions: dict[str, dict]) -> None:
    result = score(gold_dev, dev_predictions)
    low = {k: result[k]["f1"] for k, floor in FLOORS.items() if result[k]["f1"] < floor}
    assert not low, f"below floor {FLOORS}: {low}"


def test_same_numbers_as_the_reference_scorer(gold_dev: list[dict], dev_predictions: dict[str, dict], tmp_path) -> None:  # type: ignore[no-untyped-def]
    docs = [d for d in gold_dev if d["events"]][:12]
    gold_path, pred_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold_path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    pred_path.write_text("".join(json.dumps(dev_predictions[d["id"]]) + "\n" for d in docs), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "score.py"), str(gold_path), str(pred_path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    reference = json.loads(run.stdout)
    ours = score(docs, {d["id"]: dev_predictions[d["id"]] for d in docs})
    assert ours == reference
    assert reference["events"]["predicted"] > 0


def test_eval_command_writes_protobuf_json(gold_dev: list[dict], tmp_path) -> None:  # type: ignore[no-untyped-def]
    docs = [d for d in gold_dev if d["id"].startswith("wh-")][:2]
    gold_path, out = tmp_path / "gold.jsonl", tmp_path / "out.jsonl"
    gold_path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "newsevents_service.evaluation.cli", str(gold_path), "--predictions", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert "events" in run.stdout and "F1" in run.stdout
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["documentId"] for line in lines] == [d["id"] for d in docs]
