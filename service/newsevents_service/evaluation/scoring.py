"""Scoring of ANNOTATION.md section 4: gold documents vs. responses in the protobuf JSON mapping.

Kept rule-for-rule equal to the reference scorer (`shared/eval/score.py`); a test checks both
give the same numbers on the same predictions.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

ROLE_FIELDS = {
    "meeting": {"participants": "PARTICIPANT"},
    "sanction": {"imposers": "IMPOSER", "targets": "TARGET"},
    "armsSale": {"sellers": "SELLER", "buyers": "BUYER"},
    "agreement": {"parties": "PARTY"},
}
METRICS = ("events", "arguments", "dates", "amounts")


def normalize_name(name: str | None) -> str:
    s = re.sub(r"[^\w\s]", " ", (name or "").lower())
    s = re.sub(r"\s+", " ", s).strip()
    return s[4:] if s.startswith("the ") else s


def _type(pred: dict) -> str:
    return (pred.get("type") or "").replace("EVENT_TYPE_", "")


def _anchors(pred: dict) -> list[int]:
    spans = [pred.get("trigger") or {}] + [m.get("trigger") or {} for m in pred.get("mentions", [])]
    return [s.get("begin", 0) for s in spans if s]


def _participants(pred: dict) -> list[tuple[str, set[str]]]:
    out = []
    for detail_field, roles in ROLE_FIELDS.items():
        detail = pred.get(detail_field) or {}
        for list_name, role in roles.items():
            for p in detail.get(list_name, []):
                names = {normalize_name(p.get("name")), normalize_name((p.get("mention") or {}).get("text"))} - {""}
                out.append((role, names))
    return out


def _evidence_spans(text: str, gold_event: dict) -> list[tuple[int, int]]:
    spans = []
    for ev in gold_event["evidence"]:
        start = text.find(ev)
        while start >= 0:
            spans.append((start, start + len(ev)))
            start = text.find(ev, start + 1)
    return spans


class Tally:
    def __init__(self) -> None:
        self.tp = self.pred = self.gold = 0

    def add(self, tp: int, pred: int, gold: int) -> None:
        self.tp += tp
        self.pred += pred
        self.gold += gold

    def prf(self) -> dict[str, float]:
        p = self.tp / self.pred if self.pred else 0.0
        r = self.tp / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "tp": self.tp,
            "predicted": self.pred,
            "gold": self.gold,
        }


def match_events(text: str, gold_events: list[dict], preds: list[dict]) -> dict[int, int]:
    """One-to-one: same type, a predicted trigger inside a gold evidence span; best overlap wins."""
    spans = [_evidence_spans(text, g) for g in gold_events]
    pairs = []
    for i, g in enumerate(gold_events):
        for j, p in enumerate(preds):
            if _type(p) == g["type"]:
                score = sum(1 for a in _anchors(p) for (b, e) in spans[i] if b <= a < e)
                if score:
                    pairs.append((score, i, j))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g, used_p, matched = set(), set(), {}
    for _, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            matched[j] = i
    return matched


def _score_args(gold_event: dict, pred: dict) -> tuple[int, int]:
    gold_parts = gold_event["participants"]
    names = [
        ({normalize_name(gp["name"])} | {normalize_name(a) for a in gp.get("aliases", [])}) - {""} for gp in gold_parts
    ]
    used: set[int] = set()
    tp = predicted = 0
    for role, pnames in _participants(pred):
        hit = next(
            (k for k, gp in enumerate(gold_parts) if k not in used and gp["role"] == role and pnames & names[k]), None
        )
        if hit is None:
            predicted += 1
        else:
            used.add(hit)
            if not gold_parts[hit].get("optional"):
                tp += 1
                predicted += 1
    return tp, predicted


def _amount_ok(pred_amount: dict, gold_amount: dict) -> bool:
    try:
        value = float(pred_amount.get("value", 0))
    except (TypeError, ValueError):
        return False
    gv = float(gold_amount["value"])
    return pred_amount.get("currencyCode") == gold_amount["currency"] and abs(value - gv) <= 0.005 * abs(gv)


def _score_matched(t: dict[str, Tally], g: dict, p: dict) -> None:
    tp, n_pred = _score_args(g, p)
    t["arguments"].add(tp, n_pred, 0)
    value = (p.get("date") or {}).get("value")
    if value:
        good = g["date"] is not None and value in [g["date"], *g.get("date_alternatives", [])]
        t["dates"].add(int(good), 1, 0)
    used: set[int] = set()
    for a in p.get("amounts", []):
        hit = next((k for k, ga in enumerate(g["amounts"]) if k not in used and _amount_ok(a, ga)), None)
        if hit is not None:
            used.add(hit)
        t["amounts"].add(int(hit is not None), 1, 0)


def score(gold_docs: list[dict], predictions: dict[str, dict]) -> dict[str, Any]:
    t = {k: Tally() for k in METRICS}
    per_type: dict[str, Tally] = defaultdict(Tally)
    for doc in gold_docs:
        gold_events = doc["events"]
        preds = (predictions.get(doc["id"]) or {}).get("events", [])
        matched = match_events(doc["text"], gold_events, preds)
        for j, p in enumerate(preds):
            i = matched.get(j)
            if i is not None and gold_events[i].get("optional"):
                continue
            t["events"].add(int(i is not None), 1, 0)
            per_type[_type(p)].add(int(i is not None), 1, 0)
            if i is not None:
                _score_matched(t, gold_events[i], p)
            else:
                t["arguments"].add(0, len(_participants(p)), 0)
        for g in gold_events:
            if g.get("optional"):
                continue
            t["events"].add(0, 0, 1)
            per_type[g["type"]].add(0, 0, 1)
            t["arguments"].add(0, 0, sum(1 for gp in g["participants"] if not gp.get("optional")))
            t["dates"].add(0, 0, int(g["date"] is not None))
            t["amounts"].add(0, 0, len(g["amounts"]))
    result: dict[str, Any] = {k: v.prf() for k, v in t.items()}
    result["per_type"] = {k: v.prf() for k, v in sorted(per_type.items())}
    result["documents"] = len(gold_docs)
    return result


def format_report(result: dict[str, Any]) -> str:
    lines = []
    for k in METRICS:
        r = result[k]
        lines.append(
            f"{k:10s} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}"
            f"  (tp {r['tp']}, predicted {r['predicted']}, gold {r['gold']})"
        )
    for k, r in result["per_type"].items():
        lines.append(f"  {k:10s} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}")
    return "\n".join(lines)
