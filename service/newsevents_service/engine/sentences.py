"""Sentence splitting with character offsets, aware of the abbreviations wire copy uses."""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "sgt",
    "capt",
    "rep",
    "sen",
    "gov",
    "st",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "adm",
    "maj",
    "prof",
    "rev",
    "dept",
    "est",
    "approx",
    "p.m",
    "a.m",
    "d.c",
    "u.s.a",
    "s.a",
    "plc",
    "etc",
    "fig",
    "cmdr",
    "pres",
    "amb",
}
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n\s*")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(begin, end) of each sentence, stripped of surrounding whitespace, covering all text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if "\n" not in m.group() and _is_abbreviation(text, m.start()):
            continue
        if "\n" not in m.group() and end < len(text) and text[end].islower():
            continue
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, len(text))
    return spans


_LAST_WORD = re.compile(r"([\w.]+)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    word = _LAST_WORD.search(text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).lower().strip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _append(spans: list[tuple[int, int]], text: str, begin: int, end: int) -> None:
    chunk = text[begin:end]
    stripped = chunk.strip()
    if stripped:
        offset = begin + len(chunk) - len(chunk.lstrip())
        spans.append((offset, offset + len(stripped)))


def sentence_index(spans: list[tuple[int, int]], position: int) -> int:
    """Index of the sentence containing `position` (the nearest before it between sentences)."""
    lo, hi = 0, len(spans) - 1
    best = 0
    while lo <= hi:
        mid = (lo + hi) // 2
        if spans[mid][0] <= position:
            best = mid
            lo = mid + 1
        else:
            hi = mid - 1
    return best
