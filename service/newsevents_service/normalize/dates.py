"""Date expressions: find them in text and resolve them to ISO 8601 at the text's precision.

Relative expressions ("Monday", "last week", "in June") need a reference date; without one only
expressions that name their year resolve. Future tense looks forward, past tense back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum


class Granularity(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"
    INTERVAL = "INTERVAL"


@dataclass(frozen=True)
class DateExpression:
    begin: int
    end: int
    value: str
    granularity: Granularity


_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_DAY2 = r"(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?"
_SHIFT = r"(?P<shift>last|next|this|earlier this|later this|past)"

# Ordered from most to least specific; the first match at a position wins.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(rf"\b{_YEAR}-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")),
    ("range", re.compile(rf"\b{_MONTH}\s+{_DAY}\s*(?:-|–|to)\s*{_DAY2}(?:,?\s+{_YEAR})?\b")),
    ("mdy", re.compile(rf"\b(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b(?!\s*(?:%|percent))")),
    ("dmy", re.compile(rf"\b(?:{_WEEKDAY},?\s+)?{_DAY}\s+{_MONTH}(?:,?\s+{_YEAR})?\b")),
    ("dmy", re.compile(rf"\bthe\s+{_DAY}\s+of\s+{_MONTH}(?:,?\s+{_YEAR})?\b")),  # "the 16th of February"
    ("month_year", re.compile(rf"\b{_MONTH}(?:\s+of)?\s+{_YEAR}\b")),
    ("shift_month", re.compile(rf"\b{_SHIFT}\s+{_MONTH}\b", re.IGNORECASE)),
    ("in_month", re.compile(rf"(?<=\b[Ii]n\s){_MONTH}\b(?!\s+\d)")),
    ("in_month", re.compile(rf"\b(?:[Ee]arly|[Mm]id|[Ll]ate)[- ]{_MONTH}\b(?!\s+\d)")),  # "mid-March"
    (
        "ago",
        re.compile(
            r"\b(?P<count>an?|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+"
            r"(?P<unit>day|week|month|year)s?\s+ago\b",
            re.IGNORECASE,
        ),
    ),
    ("shift_unit", re.compile(rf"\b{_SHIFT}\s+(?P<unit>week|month|year)\b", re.IGNORECASE)),
    ("shift_unit", re.compile(r"\b(?P<shift>earlier|later)\s+in\s+the\s+(?P<unit>week|month|year)\b", re.IGNORECASE)),
    ("shift_weekday", re.compile(rf"\b(?P<shift>last|next|this)\s+{_WEEKDAY}\b", re.IGNORECASE)),
    ("weekend", re.compile(r"\b(?:(?P<shift>last|next|this|over the|on the|at the)\s+)weekend\b", re.IGNORECASE)),
    ("weekday", re.compile(rf"\b{_WEEKDAY}\b")),
    ("deictic", re.compile(r"\bthe\s+day\s+(?P<word>before\s+yesterday|after\s+tomorrow)\b", re.IGNORECASE)),
    ("deictic", re.compile(r"\b(?P<word>last\s+night|this\s+(?:morning|afternoon|evening))\b", re.IGNORECASE)),
    ("deictic", re.compile(r"\b(?P<word>today|yesterday|tomorrow|tonight)\b", re.IGNORECASE)),
    (
        "year",
        re.compile(
            # not the year in a law's or treaty's name ("the Foreign Assistance Act of 1961")
            rf"(?<!Act )(?<!Treaty )(?<!Law )(?<!Convention )(?<!Protocol )"
            rf"\b(?:[Ii]n|[Ss]ince|[Bb]y|[Dd]uring|[Uu]ntil|[Ff]rom|[Oo]f|[Ii]n early|[Ii]n late)\s+{_YEAR}\b(?![-–]\d)"
        ),
    ),
]

# What every match of a kind contains: a sentence without it skips the kind's patterns. Assembly
# runs find_dates on the sentence of every event mention, and trying all 19 patterns on each was
# a third of its time. A cue is a pattern, or words to find in the case-folded text (cheaper than
# an IGNORECASE pattern; "ı" counts as "i", as it does for IGNORECASE).
_MONTH_PREFIXES = tuple(key for key in _MONTHS if len(key) == 3)  # every spelling of _MONTH starts so
_CUES: dict[str, re.Pattern[str] | tuple[str, ...]] = {
    "digit": re.compile(r"\d"),
    "year": re.compile(_YEAR),
    "Month": re.compile(r"\b(?:" + "|".join(prefix.title() for prefix in _MONTH_PREFIXES) + ")"),
    "month": _MONTH_PREFIXES,
    "shift": ("last", "next", "this", "past"),
    "ago": ("ago",),
    "unit": ("week", "month", "year"),
    "day": ("day",),
    "weekend": ("weekend",),
    "daypart": ("day", "night", "morning", "afternoon", "evening", "tomorrow"),
}
_CUES_OF_KIND: dict[str, frozenset[str]] = {
    "iso": frozenset({"year"}),
    "range": frozenset({"digit", "Month"}),
    "mdy": frozenset({"digit", "Month"}),
    "dmy": frozenset({"digit", "Month"}),
    "month_year": frozenset({"year", "Month"}),
    "shift_month": frozenset({"month", "shift"}),
    "in_month": frozenset({"Month"}),
    "ago": frozenset({"ago"}),
    "shift_unit": frozenset({"unit"}),
    "shift_weekday": frozenset({"day"}),
    "weekend": frozenset({"weekend"}),
    "weekday": frozenset({"day"}),
    "deictic": frozenset({"daypart"}),
    "year": frozenset({"year"}),
}


_FUTURE = re.compile(
    r"\b(will|would|shall|'ll|plans? to|planned|planning|due to|set to|expected to|scheduled|"
    r"to meet|to visit|to travel|to sign|is to|are to|upcoming|next)\b",
    re.IGNORECASE,
)


# A past-tense verb right before the expression ("said on Thursday", "approved Tuesday", "met
# on July 6") dates a past act even in a sentence about plans; not a passive future ("will be
# signed on Monday") or a plan ("expected on", "scheduled for").
_PAST_VERB_BEFORE = re.compile(
    r"\b(?!(?:expected|scheduled|planned|slated|intended|needed)\b)"
    r"(?:said|met|held|spoke|told|made|gave|took|sent|sold|struck|began|won|[a-z]{2,}ed)\s+(?:on\s+)?$",
    re.IGNORECASE,
)


def _past_verb_before(text: str, begin: int) -> bool:
    """Whether a past-tense verb stands right before the expression with no future cue before it."""
    before = text[max(0, begin - 40) : begin]
    verb = _PAST_VERB_BEFORE.search(before)
    return verb is not None and not _FUTURE.search(before[: verb.start()][-20:])


def _month(raw: str) -> int:
    return _MONTHS[raw.lower().rstrip(".")[:4].rstrip("t") if raw.lower().startswith("sept") else raw.lower()[:3]]


def is_future(context: str) -> bool:
    return bool(_FUTURE.search(context))


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _shifted_month(day: dt.date, step: int) -> str:
    """The month `step` months from `day`'s, as YYYY-MM."""
    total = day.year * 12 + day.month - 1 + step
    return f"{total // 12}-{total % 12 + 1:02d}"


def _pick_year(month: int, day: int, ref: dt.date, future: bool) -> int:
    candidate = dt.date(ref.year, month, min(day, 28))
    if future and candidate < ref - dt.timedelta(days=1):
        return ref.year + 1
    if not future and candidate > ref + dt.timedelta(days=1):
        return ref.year - 1
    return ref.year


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _resolve(kind: str, m: re.Match[str], ref: dt.date | None, future: bool) -> tuple[str, Granularity] | None:
    g = m.groupdict()
    year = int(g["year"]) if g.get("year") else None
    if kind == "iso":
        d = _safe_date(int(g["year"]), int(g["m"]), int(g["d"]))
        return (d.isoformat(), Granularity.DAY) if d else None
    if kind == "year":
        return g["year"], Granularity.YEAR
    if kind == "month_year":
        return f"{year}-{_month(g['month']):02d}", Granularity.MONTH
    if kind in ("mdy", "dmy", "range"):
        month, day = _month(g["month"]), int(g["day"])
        if year is None:
            if ref is None:
                return None
            year = _pick_year(month, day, ref, future)
        start = _safe_date(year, month, day)
        if start is None:
            return None
        if kind == "range":
            end = _safe_date(year, month, int(g["day2"]))
            if end is None or end <= start:
                return None
            return f"{start.isoformat()}/{end.isoformat()}", Granularity.INTERVAL
        return start.isoformat(), Granularity.DAY
    if ref is None:
        return None
    return _resolve_relative(kind, g, ref, future)


def _resolve_relative(kind: str, g: dict[str, str], ref: dt.date, future: bool) -> tuple[str, Granularity] | None:
    shift = (g.get("shift") or "").lower()
    if kind in ("shift_month", "in_month"):
        month = _month(g["month"])
        if shift == "last" or (shift != "next" and not future and month > ref.month):
            year = ref.year - 1 if month >= ref.month else ref.year
        elif shift == "next" or (future and month < ref.month):
            year = ref.year + 1 if month <= ref.month else ref.year
        else:
            year = ref.year
        return f"{year}-{month:02d}", Granularity.MONTH
    if kind == "shift_unit":
        step = {"last": -1, "past": -1, "next": 1}.get(shift, 0)
        unit = g["unit"].lower()
        if unit == "week":
            return _week(ref + dt.timedelta(weeks=step)), Granularity.WEEK
        if unit == "month":
            return _shifted_month(ref, step), Granularity.MONTH
        return str(ref.year + step), Granularity.YEAR
    if kind == "weekend":  # Saturday/Sunday: the one under way, else the last, or the next in future tense
        ahead = shift == "next" or (shift != "last" and future)
        weekday = ref.weekday()
        if weekday >= 5:
            step = {"next": 7, "last": -7}.get(shift, 0)
            saturday = ref - dt.timedelta(days=weekday - 5 - step)
        else:
            saturday = ref + dt.timedelta(days=5 - weekday if ahead else -(weekday + 2))
        return f"{saturday.isoformat()}/{(saturday + dt.timedelta(days=1)).isoformat()}", Granularity.INTERVAL
    if kind in ("weekday", "shift_weekday"):
        target = _WEEKDAYS.index(g["weekday"].lower())
        delta = target - ref.weekday()
        if shift == "next" or (shift != "last" and future):
            delta = delta % 7 if shift != "next" else (delta % 7 or 7)
        else:
            delta = -((-delta) % 7) if shift != "last" else -((-delta) % 7 or 7)
        return (ref + dt.timedelta(days=delta)).isoformat(), Granularity.DAY
    if kind == "ago":
        return _ago(g, ref)
    word = " ".join(g["word"].lower().split())
    offset = {"yesterday": -1, "tomorrow": 1, "last night": -1, "before yesterday": -2, "after tomorrow": 2}.get(
        word, 0
    )
    return (ref + dt.timedelta(days=offset)).isoformat(), Granularity.DAY


NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


def _ago(g: dict[str, str], ref: dt.date) -> tuple[str, Granularity]:
    """ "two days ago" -> that day; "three weeks ago" -> that week; months and years likewise."""
    count = g["count"].lower()
    n = NUMBER_WORDS[count] if count in NUMBER_WORDS else int(count)
    unit = g["unit"].lower()
    if unit == "day":
        return (ref - dt.timedelta(days=n)).isoformat(), Granularity.DAY
    if unit == "week":
        return _week(ref - dt.timedelta(weeks=n)), Granularity.WEEK
    if unit == "month":
        return _shifted_month(ref, -n), Granularity.MONTH
    return str(ref.year - n), Granularity.YEAR


def find_dates(text: str, reference: dt.date | None, context_future: bool | None = None) -> list[DateExpression]:
    """Date expressions in `text`, resolved against `reference`, non-overlapping, in order.

    Tense comes from `context_future` when given, else from the text around each expression.
    """
    taken: list[tuple[int, int]] = []
    found: list[DateExpression] = []
    tense = context_future if context_future is not None else is_future(text)
    cues = _cues_in(text)
    for kind, pattern in _PATTERNS:
        if not _CUES_OF_KIND[kind] <= cues:
            continue
        for m in pattern.finditer(text):
            if any(m.start() < e and b < m.end() for b, e in taken):
                continue
            future = tense and not _past_verb_before(text, m.start())
            resolved = _resolve(kind, m, reference, future)
            taken.append((m.start(), m.end()))
            if resolved:
                found.append(DateExpression(m.start(), m.end(), resolved[0], resolved[1]))
    return _join_spans_of_days(text, sorted(found, key=lambda d: d.begin))


def _cues_in(text: str) -> set[str]:
    folded = text.casefold().replace("ı", "i")
    return {
        name
        for name, test in _CUES.items()
        if (test.search(text) is not None if isinstance(test, re.Pattern) else any(w in folded for w in test))
    }


# "from Nov. 4 to Nov. 7", "Monday through Wednesday", "between Nov. 4 and Nov. 7", "on Wednesday and
# Thursday": two days that bound one span of days, an interval. "on Nov. 4 and Nov. 9" are two days.
_SPAN_JOIN = re.compile(r"\s*(?:through|thru|-|–|—)\s*", re.IGNORECASE)
_FROM_JOIN = re.compile(r"\s*(?:to|until|till)\s*", re.IGNORECASE)
_AND_JOIN = re.compile(r"\s*(?:and|&)\s*", re.IGNORECASE)
_FROM_BEFORE = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+$", re.IGNORECASE)
_LONGEST_SPAN = dt.timedelta(days=31)
_WEEKDAY_ONLY = re.compile(_WEEKDAY, re.IGNORECASE)


def _join_spans_of_days(text: str, found: list[DateExpression]) -> list[DateExpression]:
    joined: list[DateExpression] = []
    for date in found:
        span = _span_of_days(text, joined[-1], date) if joined else None
        if span is not None:
            joined[-1] = DateExpression(joined[-1].begin, date.end, span, Granularity.INTERVAL)
        else:
            joined.append(date)
    return joined


def _span_of_days(text: str, first: DateExpression, last: DateExpression) -> str | None:
    """The interval the two days bound, if the words between them say they bound one."""
    if first.granularity != Granularity.DAY or last.granularity != Granularity.DAY:
        return None
    start, end = dt.date.fromisoformat(first.value), dt.date.fromisoformat(last.value)
    if start > end and _WEEKDAY_ONLY.fullmatch(text, first.begin, first.end):
        start -= dt.timedelta(days=7)  # "met Monday through Wednesday" said on a Monday: last week's
    if not start < end <= start + _LONGEST_SPAN:
        return None
    between, before = text[first.end : last.begin], text[max(0, first.begin - 10) : first.begin]
    bounds = (
        _SPAN_JOIN.fullmatch(between)
        or (_FROM_JOIN.fullmatch(between) and _FROM_BEFORE.search(before))
        or (_AND_JOIN.fullmatch(between) and (_BETWEEN_BEFORE.search(before) or end == start + dt.timedelta(days=1)))
    )
    return f"{start.isoformat()}/{end.isoformat()}" if bounds else None


_DATELINE = re.compile(rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}")
_NOT_DATELINE = re.compile(r"\b(through|until|till|since|before|after|from|by|to|between|and)\s*$", re.IGNORECASE)


def find_dateline(text: str, window: int = 400) -> dt.date | None:
    """The first full date ("Aug. 28, 2023") at the head of an article (dateline, caption), if any.

    A date that ends a phrase like "through Aug. 5, 2016" is about an event, not the article.
    """
    for m in _DATELINE.finditer(text[:window]):
        if _NOT_DATELINE.search(text[max(0, m.start() - 20) : m.start()]):
            continue
        d = _dateline_date(m)
        if d:
            return d
    return None


def _dateline_date(m: re.Match[str]) -> dt.date | None:
    return _safe_date(int(m.group("year")), _month(m.group("month")), int(m.group("day")))


# An embedded tweet ends with its author and date: "... next week — Faisal Islam (@faisalislam)
# June 24, 2016". That date is when the tweet was written, the tweet's own dateline.
_TWEET_STAMP = re.compile(rf"\(@\w{{1,15}}\)\s*(?P<stamp>{_DATELINE.pattern})")


def find_tweet_stamp(text: str) -> DateExpression | None:
    """The date stamp of an embedded tweet in `text`, if any."""
    m = _TWEET_STAMP.search(text)
    if m is None:
        return None
    d = _dateline_date(m)
    return DateExpression(m.start("stamp"), m.end("stamp"), d.isoformat(), Granularity.DAY) if d else None
