"""The shipped model card: rendered from the artifact's model.json, notes included."""

from __future__ import annotations

from newsevents_service.model.artifacts import CARD_FILE, DEFAULT_ARTIFACT, read_meta
from training.model_card import render


def test_the_shipped_card_is_its_model_json_rendered() -> None:
    assert (DEFAULT_ARTIFACT / CARD_FILE).read_text(encoding="utf-8") == render(read_meta(DEFAULT_ARTIFACT))


def test_notes_come_from_the_artifact_not_from_the_code() -> None:
    meta = read_meta(DEFAULT_ARTIFACT)
    assert "How this model was chosen" in render(meta)
    del meta["card_notes"]
    card = render(meta)
    assert "How this model was chosen" not in card
    assert "## Known limits" in card and "| dates |" in card
