"""Read the annotated corpus (data/FORMAT.md) into character-level training targets."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from newsevents_service.engine.sentences import sentence_index, split_sentences

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "corpus"


@dataclass
class Span:
    begin: int
    end: int
    label: str  # entity type, event type, ITEM or LOCATION
    key: str = ""  # entity name, or event index as text


@dataclass
class TriggerTarget:
    span: Span
    event: int
    modality: str
    action: str | None
    optional: bool


@dataclass
class Example:
    doc_id: str
    text: str
    sentences: list[tuple[int, int]]
    entities: list[Span] = field(default_factory=list)
    triggers: list[TriggerTarget] = field(default_factory=list)
    aux: list[Span] = field(default_factory=list)
    # (trigger index, entity mention index) -> role
    roles: dict[tuple[int, int], str] = field(default_factory=dict)


def load_documents(paths: list[Path] | None = None) -> list[dict]:
    """Corpus documents; a repeated text (RAMS has overlapping windows of one article) counts once."""
    docs, seen = [], set()
    for path in paths or sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            doc = json.loads(line)
            if doc["text"] not in seen:
                seen.add(doc["text"])
                docs.append(doc)
    return docs


def is_dev(doc_id: str, percent: int = 10) -> bool:
    """Stable train/dev split of the corpus by id."""
    return int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 100 < percent


def dev_documents() -> list[dict]:
    """The corpus's dev split, where models and assembly rules are chosen."""
    return [d for d in load_documents() if is_dev(d["id"])]


def _occurrences(text: str, needle: str) -> list[int]:
    if not needle:
        return []
    return [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text)]


def entity_spans(doc: dict) -> list[Span]:
    """Every whole-word occurrence of each entity's name and aliases; longer spans win overlaps."""
    candidates = []
    for ent in doc.get("entities", []):
        for string in {ent["name"], *ent.get("aliases", [])}:
            for begin in _occurrences(doc["text"], string):
                candidates.append(Span(begin, begin + len(string), ent["type"], ent["name"]))
    candidates.sort(key=lambda s: (-(s.end - s.begin), s.begin))
    chosen: list[Span] = []
    for span in candidates:
        if all(span.end <= c.begin or span.begin >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.begin)


def _trigger_span(text: str, evidence: str, trigger: str, label: str, event: int) -> Span | None:
    start = text.find(evidence)
    if start < 0 or trigger not in evidence:
        return None
    begin = start + evidence.index(trigger)
    return Span(begin, begin + len(trigger), label, str(event))


def _within(text: str, needle: str, begin: int, end: int) -> int:
    position = text.find(needle, begin, end) if needle else -1
    return position


def build_example(doc: dict, context_sentences: bool = True) -> Example:
    text = doc["text"]
    example = Example(doc["id"], text, split_sentences(text))
    example.entities = entity_spans(doc)
    for index, ev in enumerate(doc.get("events", [])):
        for evidence, trigger in zip(ev.get("evidence", []), ev.get("triggers", []), strict=False):
            span = _trigger_span(text, evidence, trigger, ev["type"], index)
            if span is None:
                continue
            example.triggers.append(
                TriggerTarget(span, index, ev.get("modality") or "ASSERTED", ev.get("action"), bool(ev.get("optional")))
            )
            sentence = example.sentences[sentence_index(example.sentences, span.begin)]
            for item in ev.get("items") or []:
                position = _within(text, item, *sentence)
                if position >= 0:
                    example.aux.append(Span(position, position + len(item), "ITEM"))
            location = ev.get("location")
            position = _within(text, location or "", *sentence)
            if position >= 0:
                example.aux.append(Span(position, position + len(location or ""), "LOCATION"))
    _dedupe_aux(example)
    _assign_roles(doc, example, context_sentences)
    return example


def _dedupe_aux(example: Example) -> None:
    unique = {(s.begin, s.end): s for s in example.aux}
    chosen: list[Span] = []
    for span in sorted(unique.values(), key=lambda s: -(s.end - s.begin)):
        if all(span.end <= c.begin or span.begin >= c.end for c in chosen):
            chosen.append(span)
    example.aux = sorted(chosen, key=lambda s: s.begin)


def _assign_roles(doc: dict, example: Example, context_sentences: bool) -> None:
    """Pair every trigger with every entity mention of its sentence (and, with `context_sentences`,
    of the sentence before: "The participants decided ..." after the sentence naming them): the
    role, or NONE."""
    events = doc.get("events", [])
    mention_sentence = [sentence_index(example.sentences, m.begin) for m in example.entities]
    for t_index, trig in enumerate(example.triggers):
        s = sentence_index(example.sentences, trig.span.begin)
        paired = {s, s - 1} if context_sentences else {s}
        roles = {p["name"]: p["role"] for p in events[trig.event].get("participants", [])}
        for m_index, mention in enumerate(example.entities):
            if mention_sentence[m_index] in paired:
                example.roles[(t_index, m_index)] = roles.get(mention.key, "NONE")


def build_examples(docs: list[dict], context_sentences: bool = True) -> list[Example]:
    return [build_example(doc, context_sentences) for doc in docs]
