"""The real engine on the shipped model: whole articles, odd input, offsets, batching."""

from __future__ import annotations

import datetime as dt

import pytest

from newsevents_service.engine.extractor import Extractor
from newsevents_service.engine.types import EventType, ReferenceDateSource
from newsevents_service.evaluation.cli import gold_request
from newsevents_service.evaluation.scoring import match_events
from newsevents_service.model.artifacts import torch_threads
from newsevents_service.model.windows import make_windows, owners

from .test_normalize import all_spans


def _proto_like(result) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        {
            "type": e.type.value,
            "trigger": {"begin": e.trigger.begin},
            "mentions": [{"trigger": {"begin": m.trigger.begin}} for m in e.mentions],
        }
        for e in result.events
    ]


def test_sample_article_non_optional_events(extractor: Extractor, sample_article: dict) -> None:
    """Every non-optional event of the AP sample article is found (the engine issue's target)."""
    result = extractor.extract(sample_article["text"], publication_date=dt.date(2023, 8, 28))
    gold = sample_article["events"]
    matched = set(match_events(sample_article["text"], gold, _proto_like(result)).values())
    missing = [g["evidence"][0] for i, g in enumerate(gold) if not g["optional"] and i not in matched]
    assert not missing, missing
    assert result.reference_date_source == ReferenceDateSource.REQUEST


def test_dateline_is_the_reference_without_publication_date(extractor: Extractor, sample_article: dict) -> None:
    result = extractor.extract(sample_article["text"])
    assert result.reference_date == dt.date(2023, 8, 28)
    assert result.reference_date_source == ReferenceDateSource.DATELINE


def test_spans_are_exact_code_point_slices(extractor: Extractor, sample_article: dict) -> None:
    text = "🌍 Ünïcode — " + sample_article["text"]
    result = extractor.extract(text)
    spans = list(all_spans(result))
    assert spans
    for span in spans:
        assert text[span.begin : span.end] == span.text


def test_long_article_is_read_whole(extractor: Extractor, sample_article: dict) -> None:
    filler = "The weather in the region stayed mild and markets were calm. " * 2500
    text = filler + sample_article["text"] + " " + filler
    assert 300_000 < len(text) < 1_000_000
    result = extractor.extract(text, publication_date=dt.date(2023, 8, 28))
    assert result.stats["windows"] > 50
    assert any(e.trigger.begin > len(filler) for e in result.events), "events at the middle of the text were lost"


def test_no_events_and_non_news_text(extractor: Extractor) -> None:
    for text in (
        "Quarterly smartphone sales beat expectations, and the company's shares rose 4% on Tuesday.",
        "def main():\n    return 42\n\n# TODO: refactor\x00\x07",
        "1 2 3 4 5 6 7 8 9 10 ........ !!!!",
        "Лондон — це столиця. 北京是首都。",
        "<html><body><p>Blinken <b>met</b> Wang in <a href='https://x.org/a?b=1'>Beijing</a>.</p></body></html>",
    ):
        result = extractor.extract(text)
        assert all(e.confidence >= 0 for e in result.events)
    quiet = extractor.extract("The committee will meet expectations, analysts agreed.")
    assert quiet.events == () or all(e.type != EventType.ARMS_SALE for e in quiet.events)


@pytest.fixture(scope="module")
def int8_extractor(extractor: Extractor) -> Extractor:
    """The int8 runtime, also where `auto` runs bf16 (a CPU with AMX)."""
    return extractor if extractor.runtime == "int8" else Extractor(backend="int8")


def test_batched_and_unbatched_give_the_same_events(extractor: Extractor, gold_dev: list[dict]) -> None:
    """Identical results, confidences included, with the runtime `auto` picks here: a window's
    padding does not depend on its batch, nor do its int8 or bf16 products."""
    _assert_batching_changes_nothing(extractor, gold_dev)


def test_batched_and_unbatched_give_the_same_events_with_int8(int8_extractor: Extractor, gold_dev: list[dict]) -> None:
    assert int8_extractor.runtime == "int8"
    _assert_batching_changes_nothing(int8_extractor, gold_dev)


def test_a_documents_result_does_not_depend_on_the_number_of_torch_threads(
    extractor: Extractor, gold_dev: list[dict]
) -> None:
    """The server runs a lone call on every torch thread and calls under load on one each."""
    requests = [gold_request(d) for d in gold_dev[:20]]
    with torch_threads(2):
        on_two = [extractor.extract_many([r])[0] for r in requests]
    with torch_threads(1):
        on_one = [extractor.extract_many([r])[0] for r in requests]
    assert on_one == on_two
    assert sum(len(r.events) for r in on_one) >= 10


def _assert_batching_changes_nothing(extractor: Extractor, gold_dev: list[dict]) -> None:
    docs = [gold_dev[0], *[d for d in gold_dev if d["id"].startswith(("sd-", "wh-"))][:6]]
    requests = [gold_request(d) for d in docs]
    batched = extractor.extract_many(requests)
    one_by_one = [extractor.extract_many([r])[0] for r in requests]
    assert batched == one_by_one
    assert sum(len(r.events) for r in batched) >= 6


def test_windows_cover_every_token_once_as_owner() -> None:
    for n in (1, 100, 254, 255, 1000, 5003):
        windows = make_windows(n, 254, 192)
        assert windows[0].start == 0 and windows[-1].end == n
        assert all(len(w) <= 254 for w in windows)
        owner = owners(windows, n)
        assert all(windows[owner[t]].start <= t < windows[owner[t]].end for t in range(n))


def test_length_buckets_pad_each_window_by_its_own_length_only() -> None:
    from newsevents_service.model.inference import PADDING_STEP, length_buckets, padded_width

    windows = make_windows(1099, 254, 192)  # the sample article: five full windows and a short last one
    items = [("doc", w) for w in windows]
    buckets = length_buckets(items, batch_size=16)  # type: ignore[arg-type]
    assert sorted(w.start for bucket in buckets for _, w in bucket) == [w.start for w in windows]
    assert [len(b) for b in buckets] == [1, 5]
    for bucket in buckets:
        assert len({padded_width(w) for _, w in bucket}) == 1
        assert all(0 <= padded_width(w) - (len(w) + 2) < PADDING_STEP for _, w in bucket)
    many = [("doc", w) for w in make_windows(20_000, 254, 192)]
    assert max(len(b) for b in length_buckets(many, batch_size=16)) == 16  # type: ignore[arg-type]
