"""The gRPC surface against an in-process server with a fake engine: results, errors, health, streams."""

from __future__ import annotations

from dataclasses import replace

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc

from .conftest import ServerThread, fake_engine

TEXT = "Yesterday Blinken met Wang in Beijing."


def stub(server: ServerThread) -> pb_grpc.EventExtractionServiceStub:
    return pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(server.target))


def request(text: str = TEXT, **document: object) -> pb.ExtractEventsRequest:
    return pb.ExtractEventsRequest(document=pb.Document(id="doc-1", text=text, **document))


def error_of(call) -> tuple[grpc.StatusCode, str, dict[str, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call()
    status = rpc_status.from_call(caught.value)
    info = error_details_pb2.ErrorInfo()
    assert status is not None and status.details[0].Unpack(info)
    return caught.value.code(), info.reason, dict(info.metadata)


def test_extract_returns_typed_events_and_echoes_id(fake_server: ServerThread) -> None:
    response = stub(fake_server).ExtractEvents(request(), timeout=10)
    assert response.document_id == "doc-1"
    assert [e.type for e in response.events] == [pb.EVENT_TYPE_MEETING]
    event = response.events[0]
    assert TEXT[event.trigger.begin : event.trigger.end] == event.trigger.text == "met"
    assert event.WhichOneof("details") == "meeting"
    assert response.reference_date_source == pb.REFERENCE_DATE_SOURCE_NONE


def test_event_type_filter(fake_server: ServerThread) -> None:
    r = request()
    r.event_types.append(pb.EVENT_TYPE_SANCTION)
    assert list(stub(fake_server).ExtractEvents(r, timeout=10).events) == []


BAD_REQUESTS = [
    ("empty", request(""), "EMPTY_TEXT", "document.text"),
    ("whitespace", request(" \n\t "), "EMPTY_TEXT", "document.text"),
    ("too long", request("x" * 2001), "TEXT_TOO_LONG", "document.text"),
    ("language", request(language_code="de"), "UNSUPPORTED_LANGUAGE", "document.language_code"),
    (
        "month 13",
        request(publication_date={"year": 2023, "month": 13, "day": 1}),
        "INVALID_PUBLICATION_DATE",
        "document.publication_date",
    ),
    (
        "day 0",
        request(publication_date={"year": 2023, "month": 8, "day": 0}),
        "INVALID_PUBLICATION_DATE",
        "document.publication_date",
    ),
    (
        "confidence NaN",
        pb.ExtractEventsRequest(document=request().document, min_confidence=float("nan")),
        "INVALID_MIN_CONFIDENCE",
        "min_confidence",
    ),
    (
        "confidence > 1",
        pb.ExtractEventsRequest(document=request().document, min_confidence=1.5),
        "INVALID_MIN_CONFIDENCE",
        "min_confidence",
    ),
    (
        "unknown type",
        pb.ExtractEventsRequest(document=request().document, event_types=[99]),
        "INVALID_EVENT_TYPE",
        "event_types",
    ),
    (
        "unspecified type",
        pb.ExtractEventsRequest(document=request().document, event_types=[0]),
        "INVALID_EVENT_TYPE",
        "event_types",
    ),
]


@pytest.mark.parametrize(("name", "bad", "reason", "field"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_input_gets_invalid_argument_and_server_keeps_serving(
    start_server,
    name: str,
    bad: pb.ExtractEventsRequest,
    reason: str,
    field: str,  # type: ignore[no-untyped-def]
) -> None:
    server = start_server(max_text_length=2000)
    code, got_reason, metadata = error_of(lambda: stub(server).ExtractEvents(bad, timeout=10))
    assert (code, got_reason, metadata["field"]) == (grpc.StatusCode.INVALID_ARGUMENT, reason, field)
    assert stub(server).ExtractEvents(request(), timeout=10).events


def test_english_variants_accepted(fake_server: ServerThread) -> None:
    for code in ("en", "EN-gb", ""):
        assert stub(fake_server).ExtractEvents(request(language_code=code), timeout=10).events


def test_message_over_grpc_limit_is_resource_exhausted(start_server) -> None:  # type: ignore[no-untyped-def]
    server = start_server(max_message_bytes=10_000)
    with pytest.raises(grpc.RpcError) as caught:
        stub(server).ExtractEvents(request("word " * 5000), timeout=10)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert stub(server).ExtractEvents(request(), timeout=10).events


def test_stream_answers_in_order_with_per_document_errors(fake_server: ServerThread) -> None:
    texts = ["A met B.", "   ", "C met D.", "", "no event here"]
    requests = [pb.ExtractEventsRequest(document=pb.Document(id=f"d{i}", text=t)) for i, t in enumerate(texts)]
    responses = list(stub(fake_server).StreamExtractEvents(iter(requests), timeout=10))
    assert [r.document_id for r in responses] == ["d0", "d1", "d2", "d3", "d4"]
    assert [r.error.reason for r in responses] == ["", "EMPTY_TEXT", "", "EMPTY_TEXT", ""]
    assert responses[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert [len(r.events) for r in responses] == [1, 0, 1, 0, 0]


def test_not_ready_is_unavailable_and_health_not_serving(start_server) -> None:  # type: ignore[no-untyped-def]
    import threading

    gate = threading.Event()

    def slow_factory(config):  # type: ignore[no-untyped-def]
        gate.wait(30)
        return fake_engine()(config)

    server = start_server(slow_factory, ready=False)
    try:
        code, reason, _ = error_of(lambda: stub(server).ExtractEvents(request(), timeout=10))
        assert (code, reason) == (grpc.StatusCode.UNAVAILABLE, "MODEL_NOT_READY")
        health = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.target))
        assert (
            health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
            == health_pb2.HealthCheckResponse.NOT_SERVING
        )
    finally:
        gate.set()
    server.wait_ready()
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.target))
    for service in ("", "newsevents.v1.EventExtractionService"):
        status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
        assert status == health_pb2.HealthCheckResponse.SERVING


def test_overload_is_resource_exhausted_at_once(start_server) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    server = start_server(fake_engine(delay=0.5), max_pending=1, max_batch=1)
    client = stub(server)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(lambda: client.ExtractEvents.with_call(request(), timeout=20)) for _ in range(8)]
        codes = []
        for f in futures:
            try:
                f.result()
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as error:
                codes.append(error.code())
    assert grpc.StatusCode.RESOURCE_EXHAUSTED in codes
    assert grpc.StatusCode.OK in codes
    assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}


def test_expired_deadline_is_dropped_not_computed(start_server) -> None:  # type: ignore[no-untyped-def]
    import threading

    busy = threading.Event()
    slow = fake_engine(delay=0.3)

    def factory(config):  # type: ignore[no-untyped-def]
        engine = slow(config)

        def extract_many(requests):  # type: ignore[no-untyped-def]
            busy.set()
            return engine.extract_many(requests)

        return replace(engine, extract_many=extract_many)

    server = start_server(factory, max_batch=1, inference_workers=1)
    client = stub(server)
    first = client.ExtractEvents.future(request(), timeout=10)
    assert busy.wait(10)  # the first document holds the only worker; the next one has to queue
    with pytest.raises(grpc.RpcError) as caught:
        client.ExtractEvents(request(), timeout=0.05)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    first.result()
    stats = server.server.batcher.stats  # type: ignore[union-attr]
    assert stub(server).ExtractEvents(request(), timeout=10).events
    assert stats.dropped >= 1


def test_model_info(fake_server: ServerThread) -> None:
    info = stub(fake_server).GetModelInfo(pb.GetModelInfoRequest(), timeout=10)
    assert (info.name, info.version) == ("fake", "fake-0")


def test_graceful_stop_finishes_in_flight_call_then_refuses(start_server) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import time

    server = start_server(fake_engine(delay=0.5))
    client = stub(server)
    watch = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.target)).Watch(
        health_pb2.HealthCheckRequest(), timeout=10
    )
    assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
    in_flight = client.ExtractEvents.future(request(), timeout=10)
    time.sleep(0.1)
    stopping = asyncio.run_coroutine_threadsafe(server.server.stop(5), server.loop)
    assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING  # draining
    assert in_flight.result().events
    stopping.result(timeout=10)
    with pytest.raises(grpc.RpcError) as caught:
        client.ExtractEvents(request(), timeout=2)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_logs_hold_ids_and_sizes_never_text(fake_server: ServerThread, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    secret = "Zyxwvut met Qponmlk at the confidential venue."
    with caplog.at_level(logging.DEBUG, logger="newsevents"):
        stub(fake_server).ExtractEvents(request(secret), timeout=10)
        list(stub(fake_server).StreamExtractEvents(iter([request(secret), request("")]), timeout=10))
    calls = [r for r in caplog.records if hasattr(r, "call")]
    assert len(calls) == 3 and {c.call["status"] for c in calls} == {"OK", "EMPTY_TEXT"}  # type: ignore[attr-defined]
    assert all(c.call["document_id"] == "doc-1" and "chars" in c.call for c in calls)  # type: ignore[attr-defined]
    assert not any("Zyxwvut" in r.getMessage() or "Zyxwvut" in str(getattr(r, "call", "")) for r in caplog.records)


def test_metrics_are_scraped(fake_server: ServerThread) -> None:
    import urllib.request

    client = stub(fake_server)
    client.ExtractEvents(request(), timeout=10)
    with pytest.raises(grpc.RpcError):
        client.ExtractEvents(request(""), timeout=10)
    list(client.StreamExtractEvents(iter([request(), request("A met B.")]), timeout=10))
    url = f"http://127.0.0.1:{fake_server.server.metrics_port}/metrics"
    body = urllib.request.urlopen(url, timeout=10).read().decode()
    assert 'newsevents_requests_total{code="OK",method="ExtractEvents"} 1.0' in body
    assert 'newsevents_requests_total{code="INVALID_ARGUMENT",method="ExtractEvents"} 1.0' in body
    assert 'newsevents_requests_total{code="OK",method="StreamExtractEvents"} 2.0' in body
    assert 'newsevents_events_total{type="MEETING"} 3.0' in body
    assert "newsevents_documents_total 3.0" in body
    assert "newsevents_request_latency_seconds_bucket" in body and "newsevents_batch_size_count" in body
    assert "newsevents_queue_depth 0.0" in body and "newsevents_model_load_seconds" in body


def test_no_article_text_is_written_to_disk(start_server, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Temporary files and the working folder stay free of the text the server was given."""
    import tempfile

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    server = start_server()
    secret = "Qwertzuiop met Asdfghjkl to sign the Zxcvbnm accord."
    stub(server).ExtractEvents(request(secret), timeout=10)
    list(stub(server).StreamExtractEvents(iter([request(secret)]), timeout=10))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not any("Qwertzuiop" in p.read_text(errors="ignore") for p in written)
