"""OpenTelemetry tracing: off by default; when on, one server span per call, with status, never article text."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.api import tracing
from newsevents_service.api.config import parse_config
from newsevents_service.api.server import NewsEventsServer

from .conftest import LOOPBACK, ServerThread, fake_engine

pytest.importorskip("opentelemetry.sdk.trace", reason="the tracing extra (in dev) is not installed")

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

SERVICE = "/newsevents.v1.EventExtractionService/"
SECRET = "Zanzibarian Okonkwo-Villeneuve"  # stands for article text: must never reach a span
TEXT = f"{SECRET} said on Monday that Blinken met Wang in Beijing."


@pytest.fixture
def traced_server() -> Iterator[Callable[..., tuple[ServerThread, InMemorySpanExporter]]]:
    started: list[ServerThread] = []

    def start(delay: float = 0.0, **settings: object) -> tuple[ServerThread, InMemorySpanExporter]:
        exporter = InMemorySpanExporter()
        provider = tracing.tracer_provider(LOOPBACK, exporter=exporter)
        server = ServerThread(replace(LOOPBACK, **settings), fake_engine(delay), tracer_provider=provider)
        started.append(server)
        return server.wait_ready(), exporter

    yield start
    for server in started:
        server.stop()


def finished(exporter: InMemorySpanExporter, count: int) -> tuple[ReadableSpan, ...]:
    """The spans once `count` have ended (a span ends as the handler returns, maybe after the client saw it)."""
    deadline = time.monotonic() + 10
    while len(spans := exporter.get_finished_spans()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return tuple(spans)


def request(text: str = TEXT, **document: object) -> pb.ExtractEventsRequest:
    return pb.ExtractEventsRequest(document=pb.Document(id="doc-1", text=text, **document))


def test_calls_get_server_spans_with_rpc_attributes_and_status_never_text(traced_server) -> None:  # type: ignore[no-untyped-def]
    server, exporter = traced_server()
    channel = grpc.insecure_channel(server.target)
    stub = pb_grpc.EventExtractionServiceStub(channel)
    assert stub.ExtractEvents(request(), timeout=10).events
    with pytest.raises(grpc.RpcError) as refused:
        stub.ExtractEvents(request(language_code="de"), timeout=10)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(list(stub.StreamExtractEvents(iter([request(), request("")]), timeout=10))) == 2
    health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert health.status == health_pb2.HealthCheckResponse.SERVING

    spans = finished(exporter, 3)
    time.sleep(0.2)  # a health-check span, if any, would show up now
    assert [s.name for s in exporter.get_finished_spans()] == [
        SERVICE + "ExtractEvents",
        SERVICE + "ExtractEvents",
        SERVICE + "StreamExtractEvents",
    ]  # health checks and reflection are not traced
    ok, failed, stream = spans
    for span, method in ((ok, "ExtractEvents"), (failed, "ExtractEvents"), (stream, "StreamExtractEvents")):
        assert span.kind == trace.SpanKind.SERVER
        assert span.resource.attributes["service.name"] == "newsevents"
        assert span.attributes is not None
        assert span.attributes["rpc.system"] == "grpc"
        assert span.attributes["rpc.service"] == "newsevents.v1.EventExtractionService"
        assert span.attributes["rpc.method"] == method
    assert ok.attributes is not None and failed.attributes is not None and stream.attributes is not None
    assert ok.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert ok.attributes["newsevents.document.chars"] == len(TEXT)
    assert ok.attributes["newsevents.events"] == 1
    assert ok.status.status_code != trace.StatusCode.ERROR
    assert failed.attributes["rpc.grpc.status_code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert failed.status.status_code != trace.StatusCode.ERROR  # a caller's mistake is no server error
    assert stream.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    for span in spans:
        dump = span.to_json()
        assert SECRET not in dump and "Blinken met Wang" not in dump


def test_failed_authentication_is_traced(traced_server) -> None:  # type: ignore[no-untyped-def]
    server, exporter = traced_server(auth_tokens="s3cret")
    stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(server.target))
    with pytest.raises(grpc.RpcError) as refused:
        stub.ExtractEvents(request(), timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert stub.ExtractEvents(request(), timeout=10, metadata=[("authorization", "Bearer s3cret")]).events
    denied, allowed = finished(exporter, 2)
    assert denied.attributes is not None and allowed.attributes is not None
    assert denied.attributes["rpc.grpc.status_code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]
    assert allowed.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert "s3cret" not in denied.to_json() + allowed.to_json()


def test_a_passed_deadline_is_traced_as_an_error(traced_server) -> None:  # type: ignore[no-untyped-def]
    server, exporter = traced_server(delay=2.0)
    channel = grpc.insecure_channel(server.target)
    # Connected first, and a deadline well above a busy machine's hand-off time: a call whose
    # deadline passes before its handler starts is never handled, so never traced.
    grpc.channel_ready_future(channel).result(timeout=10)
    stub = pb_grpc.EventExtractionServiceStub(channel)
    with pytest.raises(grpc.RpcError) as late:
        stub.ExtractEvents(request(), timeout=1.0)
    assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    (span,) = finished(exporter, 1)
    assert span.attributes is not None
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.DEADLINE_EXCEEDED.value[0]
    assert span.status.status_code == trace.StatusCode.ERROR


def test_tracing_is_off_unless_configured(fake_server: ServerThread) -> None:
    assert tracing.exporter_kind(LOOPBACK) == "off"
    assert tracing.tracer_provider(LOOPBACK) is None and tracing.interceptors(None) == []
    assert fake_server.server.tracer_provider is None
    stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(fake_server.target))
    assert stub.ExtractEvents(request(), timeout=10).events
    # Nothing was installed globally either: the API's default provider makes no recording spans.
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
    assert not trace.get_tracer("probe").start_span("probe").is_recording()


def test_settings_turn_tracing_on() -> None:
    assert tracing.exporter_kind(parse_config([], {})) == "off"
    assert tracing.exporter_kind(parse_config(["--otlp-endpoint", "http://collector:4317"], {})) == "otlp"
    assert tracing.exporter_kind(parse_config([], {"NEWSEVENTS_OTLP_ENDPOINT": "http://collector:4317"})) == "otlp"
    assert tracing.exporter_kind(parse_config([], {"NEWSEVENTS_TRACE_EXPORTER": "console"})) == "console"
    assert tracing.exporter_kind(parse_config(["--trace-exporter", "otlp"], {})) == "otlp"
    off = parse_config(["--trace-exporter", "off", "--otlp-endpoint", "http://collector:4317"], {})
    assert tracing.exporter_kind(off) == "off"
    with pytest.raises(tracing.TracingError, match="expected one of off, otlp, console"):
        NewsEventsServer(replace(LOOPBACK, trace_exporter="jaeger"), fake_engine())
    for config in (replace(LOOPBACK, otlp_endpoint="http://127.0.0.1:9"), replace(LOOPBACK, trace_exporter="console")):
        provider = tracing.tracer_provider(config)
        assert isinstance(provider, TracerProvider)
        assert provider.resource.attributes["service.name"] == "newsevents"
        provider.shutdown()


def test_otlp_export_reaches_a_collector_on_loopback() -> None:
    """The production path: --otlp-endpoint, batch export over OTLP/gRPC, flushed when the server stops."""
    from concurrent import futures

    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

    received: list[trace_service_pb2.ExportTraceServiceRequest] = []

    class Collector(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request, context):  # type: ignore[no-untyped-def]
            received.append(request)
            return trace_service_pb2.ExportTraceServiceResponse()

    collector = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Collector(), collector)
    port = collector.add_insecure_port("127.0.0.1:0")
    collector.start()
    try:
        server = ServerThread(replace(LOOPBACK, otlp_endpoint=f"http://127.0.0.1:{port}"), fake_engine()).wait_ready()
        stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(server.target))
        assert stub.ExtractEvents(request(), timeout=10).events
        server.stop()  # shuts the provider down, which exports what is buffered
    finally:
        collector.stop(0)
    names = [
        (resource.resource, span.name)
        for export in received
        for resource in export.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert [name for _, name in names] == [SERVICE + "ExtractEvents"]
    attributes = {a.key: a.value.string_value for a in names[0][0].attributes}
    assert attributes["service.name"] == "newsevents"
    assert SECRET not in str(received)


def test_configured_without_the_extra_fails_at_start_with_a_clear_message(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from newsevents_service.api import server

    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # as if the tracing extra were missing
    monkeypatch.setattr(server, "configure_logging", lambda level: None)  # keep the test run's logging
    with caplog.at_level("ERROR", logger="newsevents.server"):
        status = server.main(["--port", "0", "--metrics-port", "-1", "--otlp-endpoint", "http://127.0.0.1:4317"])
    assert status == 2
    assert "pip install 'newsevents-service[tracing]'" in caplog.text
