"""Counts the corpus requirements are stated in: event mentions by type and origin, sentences
with no event of the four types, and the share of template-generated documents."""

from __future__ import annotations

import json
import sys
from collections import Counter

from newsevents_service.engine.sentences import split_sentences

from .corpus import load_documents


def event_free_sentences(doc: dict) -> int:
    """Sentences that hold no evidence of any event (optional ones included)."""
    text = doc["text"]
    starts = [text.find(e) for ev in doc["events"] for e in ev["evidence"]]
    return sum(
        1
        for b, end in split_sentences(text)
        if len(text[b:end].split()) >= 4 and not any(b <= s < end for s in starts if s >= 0)
    )


def corpus_stats(docs: list[dict]) -> Counter[str]:
    stats: Counter[str] = Counter()
    for doc in docs:
        stats["documents"] += 1
        stats[f"documents:{doc['origin']}"] += 1
        stats["event_free_sentences"] += event_free_sentences(doc)
        for ev in doc["events"]:
            n = len(ev["evidence"])
            stats["mentions"] += n
            stats[f"mentions:{ev['type']}"] += n
            stats[f"mentions:{doc['origin']}"] += n
    return stats


def main() -> int:
    docs = load_documents()
    print(json.dumps(dict(sorted(corpus_stats(docs).items())), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
