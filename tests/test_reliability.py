"""Bad input, fuzzing and overload: the server keeps answering with clear statuses."""

from __future__ import annotations

import asyncio
import math
import random
import socket
from collections import Counter

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc

from .conftest import ServerThread, fake_engine, open_loop, rss_mb

DOCUMENTED = {
    grpc.StatusCode.INVALID_ARGUMENT: {
        "EMPTY_TEXT",
        "TEXT_TOO_LONG",
        "UNSUPPORTED_LANGUAGE",
        "INVALID_PUBLICATION_DATE",
        "INVALID_MIN_CONFIDENCE",
        "INVALID_EVENT_TYPE",
    },
}


def spans_of(response: pb.ExtractEventsResponse) -> list[pb.TextSpan]:
    spans = []
    for e in response.events:
        spans += [e.trigger, *[m.trigger for m in e.mentions], *[m.sentence for m in e.mentions]]
        detail = getattr(e, e.WhichOneof("details") or "meeting")
        for field in ("participants", "imposers", "targets", "sellers", "buyers", "parties"):
            spans += [p.mention for p in getattr(detail, field, [])]
    for entity in response.entities:
        spans += list(entity.mentions)
    return spans


@pytest.fixture(scope="module")
def module_server():  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from .conftest import LOOPBACK

    server = ServerThread(replace(LOOPBACK, max_text_length=5000), fake_engine()).wait_ready()
    yield server
    server.stop()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=300),
    year=st.integers(0, 10000),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    confidence=st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.just(0.5)),
    types=st.lists(st.integers(-3, 6), max_size=3),
    language=st.sampled_from(["", "en", "en-US", "de", "zh", "x"]),
)
def test_servicer_answers_every_request_with_a_documented_status(  # type: ignore[no-untyped-def]
    module_server, text, year, month, day, confidence, types, language
) -> None:
    stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(module_server.target))
    document = pb.Document(id="h", text=text, language_code=language)
    if year or month or day:
        document.publication_date.year, document.publication_date.month, document.publication_date.day = (
            year,
            month,
            day,
        )
    request = pb.ExtractEventsRequest(document=document, event_types=types, min_confidence=confidence)
    try:
        response = stub.ExtractEvents(request, timeout=10)
    except grpc.RpcError as error:
        from grpc_status import rpc_status

        assert error.code() in DOCUMENTED, error
        status = rpc_status.from_call(error)
        assert status is not None and status.details, error.details()
        from google.rpc import error_details_pb2

        info = error_details_pb2.ErrorInfo()
        status.details[0].Unpack(info)
        assert info.reason in DOCUMENTED[error.code()]
        return
    assert not math.isnan(confidence) and 0 <= confidence <= 1
    for span in spans_of(response):
        assert text[span.begin : span.end] == span.text


@settings(max_examples=25, deadline=None)
@given(text=st.text(min_size=1, max_size=400))
def test_engine_never_fails_on_random_unicode(extractor, text: str) -> None:  # type: ignore[no-untyped-def]
    from newsevents_service.api import convert

    result = extractor.extract(text)
    for span in spans_of(convert.response("x", result)):
        assert text[span.begin : span.end] == span.text


def test_random_bytes_at_the_port_do_not_hurt_the_server(fake_server: ServerThread) -> None:
    rng = random.Random(7)
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    for i in range(150):
        payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2048)))
        with socket.create_connection(("127.0.0.1", fake_server.port), timeout=2) as s:
            try:
                s.sendall((preface if i % 2 else b"") + payload)
                s.settimeout(0.2)
                s.recv(1024)
            except OSError:
                pass
    stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(fake_server.target))
    response = stub.ExtractEvents(pb.ExtractEventsRequest(document=pb.Document(text="Blinken met Wang.")), timeout=10)
    assert response.events


@pytest.mark.slow
def test_sixty_seconds_at_twice_the_sustainable_rate(start_server) -> None:  # type: ignore[no-untyped-def]
    """Fake engine with a fixed cost per batch: capacity is known, so the offered load is 2x it."""
    batch, cost = 4, 0.05
    capacity = batch / cost  # documents per second the server can sustain (one inference worker)
    server = start_server(fake_engine(delay=cost), max_batch=batch, max_pending=32, inference_workers=1)
    text = "Blinken met Wang in Beijing on Monday."
    baseline = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(server.target)).ExtractEvents(
        pb.ExtractEventsRequest(document=pb.Document(id="b", text=text)), timeout=10
    )
    rss_before = rss_mb()
    requests = [pb.ExtractEventsRequest(document=pb.Document(id=str(i), text=text)) for i in range(100)]
    outcomes = asyncio.run(open_loop(server.target, requests, rate=2 * capacity, seconds=60, timeout=1.0))
    codes = Counter(code for code, _ in outcomes)
    total = sum(codes.values())
    assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED}
    assert codes.get(grpc.StatusCode.OK, 0) >= 0.3 * total  # about half the offered load is served
    assert codes.get(grpc.StatusCode.RESOURCE_EXHAUSTED, 0) > 0  # the rest is turned away at once
    assert rss_mb() - rss_before < 300
    after = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(server.target)).ExtractEvents(
        pb.ExtractEventsRequest(document=pb.Document(id="b", text=text)), timeout=10
    )
    assert after == baseline
