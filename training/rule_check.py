"""Score the engine with and without two assembly rules that were found on the gold dev set.

usage: python -m training.rule_check [GOLD.jsonl ...]   (default: data/heldout/*.jsonl and the gold dev set)

The rules: a clause set off by dashes or brackets with a verb of its own names no party of an
event outside it (`assemble._clause_asides`, shipped), and an undated group led by the headline
joins the first dated body event of its type (removed on 2026-11-29; re-applied here as it was,
except that it no longer asks whether a reference date was found). Both were found by reading
gold-dev errors, so gold dev alone cannot say whether they generalise; the held-out set
(data/heldout/) was annotated blind on releases where they change the output.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsevents_service.engine import assemble
from newsevents_service.engine.assemble import _announced_body_event as _shipped_body_event
from newsevents_service.engine.extractor import Extractor
from newsevents_service.evaluation.cli import load_gold, predict
from newsevents_service.evaluation.scoring import METRICS, score

from .train import GOLD_DEV

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"


def _no_aside(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    return []


def _headline_led(group: list[Any], groups: list[list[Any]]) -> list[Any] | None:
    """The shipped `_announced_body_event` plus the removed branch: an undated group led by the
    headline joins the first dated body event of its type."""
    if all(m.headline for m in group):
        return _shipped_body_event(group, groups)
    if group[0].headline and not any(m.date for m in group):
        same_type = (g for g in groups if g is not group and g[0].type == group[0].type)
        return next((g for g in same_type if any(m.date for m in g)), None)
    return None


VARIANTS: dict[str, dict[str, Callable[..., Any]]] = {
    "shipped": {},
    "without dash aside": {"_clause_asides": _no_aside},
    "with headline-led fold": {"_announced_body_event": _headline_led},
    "with fold, without aside": {"_announced_body_event": _headline_led, "_clause_asides": _no_aside},
}


@contextmanager
def variant(replaced: dict[str, Callable[..., Any]]) -> Iterator[None]:
    saved = {name: getattr(assemble, name) for name in replaced}
    for name, function in replaced.items():
        setattr(assemble, name, function)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(assemble, name, function)


def with_participant_aliases(doc: dict) -> dict:
    """A corpus document in the gold format: each participant carries its entity's aliases, so
    "President Biden" scores against an entity named "Joe Biden" as it would in the gold set."""
    aliases = {e["name"]: e.get("aliases", []) for e in doc.get("entities", [])}
    events = [
        {
            **event,
            "participants": [
                {**p, "aliases": [*p.get("aliases", []), *aliases.get(p["name"], [])]} for p in event["participants"]
            ],
        }
        for event in doc["events"]
    ]
    return {**doc, "events": events}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.rule_check", description=__doc__)
    parser.add_argument("gold", type=Path, nargs="*", default=[*sorted(HELDOUT.glob("*.jsonl")), GOLD_DEV])
    args = parser.parse_args(argv)
    extractor = Extractor()
    for path in args.gold:
        gold = [with_participant_aliases(d) for d in load_gold(path)]
        print(f"\n{path.name} ({len(gold)} documents): F1 (tp/predicted/gold)")
        for name, replaced in VARIANTS.items():
            with variant(replaced):
                result = score(gold, predict(extractor, gold))
            cells = [
                f"{m} {result[m]['f1']:.3f} ({result[m]['tp']}/{result[m]['predicted']}/{result[m]['gold']})"
                for m in METRICS
            ]
            print(f"  {name:27s} " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
