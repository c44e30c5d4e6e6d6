"""Validate corpus files against data/FORMAT.md and print their counts.

usage: python3 training/corpus_check.py data/corpus/FILE.jsonl [...]

Standard library only, so annotators can run it before anything is installed.
Exits 1 when any document has an error.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROLES = {
    "MEETING": {"PARTICIPANT"},
    "SANCTION": {"IMPOSER", "TARGET"},
    "ARMS_SALE": {"SELLER", "BUYER"},
    "AGREEMENT": {"PARTY"},
}
ENTITY_TYPES = {"PERSON", "ORGANIZATION", "COUNTRY", "GROUP"}
MODALITIES = {"ASSERTED", "PLANNED", "HYPOTHETICAL"}
ORIGINS = {"real", "authored", "template"}
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$|^\d{4}-W\d{2}$|^\d{4}-\d{2}(-\d{2})?/\d{4}-\d{2}(-\d{2})?$")
SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)]*|\n|$)")
GOLD_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gold" / "dev.jsonl"
SHINGLE = 8


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def gold_shingles() -> set[tuple[str, ...]]:
    if not GOLD_PATH.exists():
        return set()
    out: set[tuple[str, ...]] = set()
    for line in GOLD_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out |= shingles(json.loads(line)["text"])
    return out


URL_RE = re.compile(r"https?://[^\s)]+")


def source_urls(source: str) -> set[str]:
    return {url.rstrip("/") for url in URL_RE.findall(source)}


def gold_articles() -> frozenset[str]:
    """Source URLs of the dev gold documents: other windows of those articles report the same events."""
    if not GOLD_PATH.exists():
        return frozenset()
    lines = GOLD_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(url for line in lines if line.strip() for url in source_urls(json.loads(line)["source"]))


def count_sentences(text: str) -> int:
    return sum(1 for m in SENTENCE_RE.finditer(text) if len(m.group().split()) >= 4)


def find_word(text: str, needle: str) -> int:
    m = re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text)
    return m.start() if m else -1


def check_entities(doc: dict, errors: list[str]) -> set[str]:
    names = set()
    for ent in doc.get("entities", []):
        name = ent.get("name", "")
        names.add(name)
        if ent.get("type") not in ENTITY_TYPES:
            errors.append(f"entity {name!r}: bad type {ent.get('type')!r}")
        country = ent.get("country")
        if country is not None and not re.fullmatch(r"[A-Z]{3}", country):
            errors.append(f"entity {name!r}: country must be ISO alpha-3 or null")
        strings = [name, *list(ent.get("aliases", []))]
        if all(find_word(doc["text"], s) < 0 for s in strings if s):
            errors.append(f"entity {name!r}: neither name nor any alias occurs in text")
    return names


def check_event(doc: dict, ev: dict, entity_names: set[str], errors: list[str]) -> None:
    text = doc["text"]
    etype = ev.get("type")
    where = f"event {etype} {ev.get('evidence', [''])[:1]}"
    if etype not in ROLES:
        errors.append(f"{where}: bad type")
        return
    evidence, triggers = ev.get("evidence", []), ev.get("triggers", [])
    if not evidence or len(evidence) != len(triggers):
        errors.append(f"{where}: needs evidence and one trigger per evidence")
    for e, t in zip(evidence, triggers, strict=False):
        if e not in text:
            errors.append(f"{where}: evidence not verbatim in text: {e!r}")
        elif "\n" in e.strip():
            errors.append(f"{where}: evidence crosses a line break: {e!r}")
        if t not in e:
            errors.append(f"{where}: trigger {t!r} not inside evidence {e!r}")
    if ev.get("modality") not in MODALITIES:
        errors.append(f"{where}: bad modality {ev.get('modality')!r}")
    for p in ev.get("participants", []):
        if p.get("name") not in entity_names:
            errors.append(f"{where}: participant {p.get('name')!r} not in entities")
        if p.get("role") not in ROLES[etype]:
            errors.append(f"{where}: role {p.get('role')!r} not allowed for {etype}")
    date = ev.get("date")
    for d in [date, *list(ev.get("date_alternatives", []))]:
        if d is not None and not DATE_RE.match(d):
            errors.append(f"{where}: bad date {d!r}")
    for a in ev.get("amounts", []):
        if not isinstance(a.get("value"), (int, float)) or not re.fullmatch(r"[A-Z]{3}", a.get("currency", "")):
            errors.append(f"{where}: bad amount {a!r}")
    if etype == "SANCTION" and ev.get("action") not in {"IMPOSE", "LIFT", "THREATEN"}:
        errors.append(f"{where}: SANCTION needs action IMPOSE/LIFT/THREATEN")


def check_document(doc: dict, gold: set[tuple[str, ...]], articles: frozenset[str] = frozenset()) -> list[str]:
    errors: list[str] = []
    for key in ("id", "source", "license", "origin", "text", "entities", "events"):
        if key not in doc:
            errors.append(f"missing key {key!r}")
    if errors:
        return errors
    if doc["origin"] not in ORIGINS:
        errors.append(f"bad origin {doc['origin']!r}")
    pub = doc.get("publication_date")
    if pub is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", pub):
        errors.append(f"bad publication_date {pub!r}")
    if gold and len(shingles(doc["text"]) & gold) > 2:
        errors.append("text overlaps the dev gold set: not allowed in training data")
    if source_urls(doc["source"]) & articles:
        errors.append("from the same article as a dev gold document: not allowed in training data")
    names = check_entities(doc, errors)
    for ev in doc["events"]:
        check_event(doc, ev, names, errors)
    return errors


def main(paths: list[str]) -> int:
    gold = gold_shingles()
    articles = gold_articles()
    bad = 0
    ids: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{path}:{n}: invalid JSON: {exc}")
                bad += 1
                continue
            ids[doc.get("id", "")] += 1
            for err in check_document(doc, gold, articles):
                print(f"{path}:{n} {doc.get('id')}: {err}")
                bad += 1
            totals["documents"] += 1
            totals["sentences"] += count_sentences(doc.get("text", ""))
            totals[f"origin:{doc.get('origin')}"] += 1
            for ev in doc.get("events", []):
                totals[f"mentions:{ev.get('type')}"] += len(ev.get("evidence", []))
                totals["events"] += 1
            if not doc.get("events"):
                totals["negative_doc_sentences"] += count_sentences(doc.get("text", ""))
    for dup, k in ids.items():
        if k > 1:
            print(f"duplicate id {dup!r} ({k} times)")
            bad += 1
    for key in sorted(totals):
        print(f"{key:28s} {totals[key]}")
    print("OK" if not bad else f"{bad} error(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
