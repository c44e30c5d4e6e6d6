"""The training corpus: valid per data/FORMAT.md, big enough, no dev gold text in it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from training import corpus_check
from training.corpus import build_example, load_documents
from training.corpus_stats import corpus_stats

from .conftest import GOLD_DEV, ROOT


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    return load_documents()


def test_corpus_files_pass_the_checker() -> None:
    files = sorted(str(p) for p in (ROOT / "data" / "corpus").glob("*.jsonl"))
    run = subprocess.run(
        [sys.executable, str(ROOT / "training" / "corpus_check.py"), *files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    if GOLD_DEV.exists():
        assert "overlaps the dev gold set" not in run.stdout


@pytest.mark.skipif(not GOLD_DEV.exists(), reason="needs the shared dev gold set")
def test_another_window_of_a_gold_article_is_refused() -> None:
    gold = json.loads(GOLD_DEV.read_text(encoding="utf-8").splitlines()[1])
    url = corpus_check.URL_RE.findall(gold["source"])[0]
    doc = {
        "id": "x",
        "source": f"RAMS 1.0 dev ({url})",
        "license": "l",
        "origin": "real",
        "text": "Nothing.",
        "entities": [],
        "events": [],
    }
    assert any("same article" in e for e in corpus_check.check_document(doc, set(), corpus_check.gold_articles()))
    other = {**doc, "source": "RAMS 1.0 dev (http://example.org/another-article)"}
    assert corpus_check.check_document(other, set(), corpus_check.gold_articles()) == []


def test_the_held_out_rule_check_set_is_valid_and_not_trained_on(documents: list[dict]) -> None:
    files = sorted((ROOT / "data" / "heldout").glob("*.jsonl"))
    assert files
    run = subprocess.run(
        [sys.executable, str(ROOT / "training" / "corpus_check.py"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    held_out = load_documents(files)
    trained = {d["id"] for d in documents} | {d["text"][:200] for d in documents}
    assert not any(d["id"] in trained or d["text"][:200] in trained for d in held_out)


def test_corpus_sizes(documents: list[dict]) -> None:
    stats = corpus_stats(documents)
    assert stats["mentions"] >= 2400
    for kind in ("MEETING", "SANCTION", "ARMS_SALE", "AGREEMENT"):
        assert stats[f"mentions:{kind}"] >= 400, kind
    assert stats["event_free_sentences"] >= 3000
    assert stats["mentions:real"] >= 600
    assert stats["documents:template"] <= stats["documents"] / 4


def test_ids_unique_and_no_gold_document(documents: list[dict]) -> None:
    ids = [d["id"] for d in documents]
    assert len(ids) == len(set(ids))
    if GOLD_DEV.exists():
        gold = [json.loads(line) for line in GOLD_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
        gold_ids = {g["id"] for g in gold}
        gold_texts = {g["text"][:200] for g in gold}
        assert not gold_ids & set(ids)
        assert not any(d["text"][:200] in gold_texts for d in documents)


def test_every_source_has_licence_and_attribution(documents: list[dict]) -> None:
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for doc in documents:
        assert doc["license"] and doc["source"], doc["id"]
    for licence in {d["license"] for d in documents}:
        assert licence in readme, licence


def test_character_targets_cover_triggers_and_participants(documents: list[dict]) -> None:
    doc = next(d for d in documents if d["events"] and d["entities"])
    example = build_example(doc)
    assert example.triggers and example.entities
    for trig in example.triggers:
        assert doc["text"][trig.span.begin : trig.span.end] in " ".join(doc["events"][trig.event]["triggers"])
    assert any(role != "NONE" for role in example.roles.values())


def test_corpus_dir_is_where_training_reads() -> None:
    assert (ROOT / "data" / "corpus").is_dir() and Path(ROOT / "data" / "FORMAT.md").exists()


def test_triggers_pair_with_the_sentence_before_only_when_asked() -> None:
    doc = {
        "id": "t1",
        "text": "Australia and Britain met in Canberra. The participants agreed to share data. Japan waited.",
        "entities": [
            {"name": "Australia", "type": "COUNTRY", "country": "AUS", "aliases": []},
            {"name": "Britain", "type": "COUNTRY", "country": "GBR", "aliases": []},
            {"name": "Japan", "type": "COUNTRY", "country": "JPN", "aliases": []},
        ],
        "events": [
            {
                "type": "AGREEMENT",
                "evidence": ["The participants agreed to share data"],
                "triggers": ["agreed"],
                "participants": [{"name": "Australia", "role": "PARTY"}, {"name": "Britain", "role": "PARTY"}],
            }
        ],
    }
    assert build_example(doc, context_sentences=False).roles == {}
    assert build_example(doc).roles == {(0, 0): "PARTY", (0, 1): "PARTY"}
