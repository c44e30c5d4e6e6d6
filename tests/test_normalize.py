"""Rule-based normalisation: dates, amounts, countries, sentences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsevents_service.engine.sentences import split_sentences
from newsevents_service.engine.types import ExtractionResult, TextSpan
from newsevents_service.normalize import dates
from newsevents_service.normalize.amounts import find_amounts
from newsevents_service.normalize.countries import country_code, country_name, demonym_country
from newsevents_service.normalize.dates import find_dateline, find_dates

REF = dt.date(2023, 8, 28)  # a Monday


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Raimondo agreed Monday to exchange information", "2023-08-28"),
        ("In June, the two met", "2023-06"),
        ("talks held last November", "2022-11"),
        ("they met last week", "2023-W34"),
        ("a deal signed in 2009", "2009"),
        ("they will meet in June", "2024-06"),
        ("the July 25-28 talks", "2023-07-25/2023-07-28"),
        ("on Aug. 3, 2021 the two met", "2021-08-03"),
        ("the exchange will hold its first meeting today", "2023-08-28"),
        ("they met yesterday", "2023-08-27"),
        ("talks next month", "2023-09"),
        ("the March 2022 summit", "2022-03"),
    ],
)
def test_dates_resolve_against_publication_date(text: str, value: str) -> None:
    future = " will " in f" {text} "
    found = find_dates(text, REF, context_future=future)
    assert [d.value for d in found] == [value]
    assert text[found[0].begin : found[0].end].strip()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("we just met on the 16th of August", "2023-08-16"),
        ("diplomats had travelled to Ankara earlier in the week", "2023-W35"),
        ("they met the day before yesterday", "2023-08-26"),
        ("they talked by phone last night", "2023-08-27"),
        ("she spoke with him this morning", "2023-08-28"),
        ("they met two days ago", "2023-08-26"),
        ("the two met three weeks ago", "2023-W32"),
        ("sanctions imposed six months ago", "2023-02"),
        ("a deal signed a year ago", "2022"),
        ("a summit in mid-July", "2023-07"),
        ("talks held in early August", "2023-08"),
    ],
)
def test_more_relative_expressions_resolve(text: str, value: str) -> None:
    found = find_dates(text, REF, context_future=False)
    assert [d.value for d in found] == [value]
    assert "yesterday" not in text or text[found[0].begin :].startswith("the day before")


def test_a_vague_count_is_no_date() -> None:
    assert find_dates("they met a few weeks ago", REF) == []


def test_the_year_in_a_laws_name_is_no_date() -> None:
    assert find_dates("under section 621 of the Foreign Assistance Act of 1961", REF) == []
    assert [d.value for d in find_dates("the tally of 1961 shows", REF)] == ["1961"]


def test_relative_dates_need_a_reference() -> None:
    assert find_dates("they met on Monday last week", None) == []
    assert [d.value for d in find_dates("signed on Dec. 31, 2011", None)] == ["2011-12-31"]


def _every_pattern_tried(text: str) -> set[str]:
    return set(dates._CUES)


def test_every_match_of_a_date_pattern_holds_the_cues_that_let_it_run(gold_dev: list[dict]) -> None:
    """find_dates skips a pattern on a text without its cues; no match may lack them."""
    texts = [doc["text"] for doc in gold_dev] + [
        "LAST MAY, NEXT WEEK, TONIGHT, THIS EVENING, TWO YEARS AGO, Over The Weekend, On Tuesday",
        "the 3rd of Sept. 2019, Sept 3-5, 2019, 2019-09-03, mid-Oct., in Nov. since 1999, later in the month",
    ]
    matches = 0
    for text in texts:
        for kind, pattern in dates._PATTERNS:
            for m in pattern.finditer(text):
                matches += 1
                assert dates._CUES_OF_KIND[kind] <= dates._cues_in(m.group(0)), (kind, m.group(0))
    assert matches > 100


_DATE_PHRASES = (
    "Jan. 5|May 3, 2019|the 16th of August|Sept. 3-5|2019-09-03|March 2022|last May|in June|mid-July|"
    "two days ago|a year ago|next week|earlier in the month|last Monday|over the weekend|on Friday|"
    "the day before yesterday|last night|this morning|tonight|tomorrow|in 1999|said|met|will|the|and|,"
).split("|")
_CASE = st.sampled_from([str, str.upper, str.lower, str.title])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_DATE_PHRASES), _CASE), min_size=1, max_size=8), st.booleans())
def test_skipping_patterns_by_cues_finds_what_trying_every_pattern_finds(
    phrases: list[tuple[str, Callable[[str], str]]], future: bool
) -> None:
    text = " ".join(case(phrase) for phrase, case in phrases)
    with patch.object(dates, "_cues_in", _every_pattern_tried):
        expected = find_dates(text, REF, context_future=future)
    assert find_dates(text, REF, context_future=future) == expected


def test_future_weekday_looks_forward() -> None:
    assert [d.value for d in find_dates("will hold talks on Thursday", REF, context_future=True)] == ["2023-08-31"]
    assert [d.value for d in find_dates("held talks on Thursday", REF, context_future=False)] == ["2023-08-24"]


def test_a_past_tense_verb_dates_back_even_in_a_sentence_about_plans() -> None:
    # "has approved a possible sale ..., the agency said on Wednesday": the sale is planned, the saying past
    assert [d.value for d in find_dates("the agency said on Thursday", REF, context_future=True)] == ["2023-08-24"]
    assert [d.value for d in find_dates("a plan unveiled Thursday", REF, context_future=True)] == ["2023-08-24"]
    assert [d.value for d in find_dates("it will be signed on Thursday", REF, context_future=True)] == ["2023-08-31"]
    assert [d.value for d in find_dates("talks expected on Thursday", REF, context_future=True)] == ["2023-08-31"]


@pytest.mark.parametrize(
    ("text", "reference", "value"),
    [
        ("he had spoken with Li over the weekend", REF, "2023-08-26/2023-08-27"),
        ("they will meet over the weekend", REF, "2023-09-02/2023-09-03"),
        ("talks next weekend", REF, "2023-09-02/2023-09-03"),
        ("they met this weekend", dt.date(2023, 8, 27), "2023-08-26/2023-08-27"),
        ("they met last weekend", dt.date(2023, 8, 26), "2023-08-19/2023-08-20"),
    ],
)
def test_weekend_is_an_interval_of_two_days(text: str, reference: dt.date, value: str) -> None:
    future = " will " in f" {text} "
    assert [d.value for d in find_dates(text, reference, context_future=future)] == [value]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Albanese will visit China from Nov. 4 to Nov. 7", ["2023-11-04/2023-11-07"]),
        ("talks between Aug. 14 and Aug. 17", ["2023-08-14/2023-08-17"]),
        ("the ministers met on Wednesday and Thursday", ["2023-08-23/2023-08-24"]),
        ("held talks over Thursday and Friday", ["2023-08-24/2023-08-25"]),
        ("the envoys met Tuesday through Thursday", ["2023-08-22/2023-08-24"]),
        ("the envoys met Monday through Wednesday", ["2023-08-21/2023-08-23"]),  # said on a Monday
        # two days that bound no span: two dates
        ("they met on Aug. 4 and Aug. 9", ["2023-08-04", "2023-08-09"]),
        ("they met on Tuesday and Thursday", ["2023-08-22", "2023-08-24"]),
        ("the talks moved to Thursday", ["2023-08-24"]),
    ],
)
def test_two_days_bounding_a_span_are_one_interval(text: str, values: list[str]) -> None:
    future = " will " in f" {text} "
    assert [d.value for d in find_dates(text, REF, context_future=future)] == values


def test_dateline() -> None:
    assert find_dateline("BEIJING (AP) — Monday, Aug. 28, 2023 — Commerce Secretary") == REF
    assert find_dateline("no date here at all") is None


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("a $500 million arms sale", 500e6, "USD"),
        ("a €1.2bn contract", 1.2e9, "EUR"),
        ("loans of 5 billion yuan", 5e9, "CNY"),
        ("a £40m order", 40e6, "GBP"),
        ("worth Rs 1,000 crore", 1e10, "INR"),
        ("US$1.5 billion", 1.5e9, "USD"),
        ("A$3.5 billion", 3.5e9, "AUD"),
        ("300 euros each", 300, "EUR"),
    ],
)
def test_amounts(text: str, value: float, currency: str) -> None:
    [amount] = find_amounts(text)
    assert (amount.value, amount.currency) == (value, currency)


def test_amount_range_returns_upper_bound_and_low() -> None:
    [amount] = find_amounts("a $2-3 billion package")
    assert (amount.value, amount.low, amount.currency) == (3e9, 2e9, "USD")


def test_dates_are_never_amounts_and_amounts_never_dates() -> None:
    assert find_amounts("On Aug. 28, 2023, in 2009, 45 people") == []
    assert find_dates("a $2009 million deal", REF) == []


def test_countries() -> None:
    assert country_code("Washington") == "USA" and country_code("U.S.") == "USA"
    assert country_code("Beijing") == "CHN" and country_code("Taiwan") == "TWN"
    assert country_code("Soviet Union") is None
    assert country_name("USA") == "United States"
    assert demonym_country("her Chinese counterpart") == "CHN"


def test_sentences_keep_abbreviations() -> None:
    text = "U.S. Commerce Secretary Gina Raimondo met Mr. Wang on Aug. 28. They agreed.\n\nNew paragraph"
    assert [text[b:e] for b, e in split_sentences(text)] == [
        "U.S. Commerce Secretary Gina Raimondo met Mr. Wang on Aug. 28.",
        "They agreed.",
        "New paragraph",
    ]


def all_spans(result: ExtractionResult) -> Iterator[TextSpan]:
    for event in result.events:
        yield event.trigger
        for m in event.mentions:
            yield m.trigger
            yield m.sentence
        if event.date:
            yield event.date.span
        for a in event.amounts:
            yield a.span
    for entity in result.entities:
        yield from entity.mentions
