"""Optional OpenTelemetry tracing: one server span per call from the standard gRPC instrumentation.

Off unless configured (`--otlp-endpoint` or `--trace-exporter`); needs the `tracing` extra. The
provider is handed to the interceptor rather than installed globally. Spans carry the method,
status code, peer, document size and event count, never article text. Health checks and
reflection are not traced.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import grpc

from .config import ServerConfig
from .security import OPEN_PREFIXES

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

SERVICE_NAME = "newsevents"
EXPORTERS = ("off", "otlp", "console")
# The server's deadline counts from the call's arrival, so the client's passes a moment earlier
# and its cancel can reach the handler with a little time still "remaining" here.
DEADLINE_SLACK_SECONDS = 0.25


class TracingError(RuntimeError):
    """Tracing is configured but cannot be set up."""


def exporter_kind(config: ServerConfig) -> str:
    """'off', 'otlp' or 'console': an explicit --trace-exporter wins; else an --otlp-endpoint means otlp."""
    kind = config.trace_exporter.strip().lower() or ("otlp" if config.otlp_endpoint else "off")
    if kind not in EXPORTERS:
        raise TracingError(f"--trace-exporter {config.trace_exporter!r}: expected one of {', '.join(EXPORTERS)}")
    return kind


def tracer_provider(config: ServerConfig, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """None when tracing is off; else a provider exporting to `exporter` (tests) or the configured one."""
    kind = exporter_kind(config)
    if kind == "off" and exporter is None:
        return None
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
    except ImportError as error:
        raise TracingError(
            f"tracing is configured (exporter {kind}) but OpenTelemetry is not installed: "
            "pip install 'newsevents-service[tracing]'"
        ) from error
    name = os.environ.get("OTEL_SERVICE_NAME") or SERVICE_NAME  # other OTEL_* settings apply as usual
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif kind == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    else:  # no endpoint: the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, else http://localhost:4317
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=config.otlp_endpoint or None)))
    return provider


def interceptors(provider: TracerProvider | None) -> list[grpc.aio.ServerInterceptor]:
    """The tracing interceptors, outermost first (none when tracing is off)."""
    if provider is None:
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    return [aio_server_interceptor(tracer_provider=provider, filter_=_traced), _StatusRecorder()]


def _traced(details: grpc.HandlerCallDetails) -> bool:
    return not (details.method or "").startswith(OPEN_PREFIXES)  # type: ignore[attr-defined]


class _Context:
    """Routes abort_with_status through abort(): grpc.aio's own abort_with_status bypasses the
    instrumentation's context wrapper, which would leave every failed call recorded as OK."""

    def __init__(self, context: grpc.aio.ServicerContext) -> None:
        self._context = context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    async def abort_with_status(self, status: grpc.Status) -> None:
        await self._context.abort(status.code, status.details, status.trailing_metadata)


def _on_cancel(context: grpc.aio.ServicerContext) -> None:
    from opentelemetry import trace

    remaining = context.time_remaining()
    late = remaining is not None and remaining <= DEADLINE_SLACK_SECONDS
    code = grpc.StatusCode.DEADLINE_EXCEEDED if late else grpc.StatusCode.CANCELLED
    span = trace.get_current_span()
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        span.set_status(trace.Status(trace.StatusCode.ERROR, code.name))


def _record(request: object, response: object) -> None:
    from opentelemetry import trace

    document = getattr(request, "document", None)
    if document is not None:
        span = trace.get_current_span()
        span.set_attribute("newsevents.document.chars", len(document.text))
        span.set_attribute("newsevents.events", len(getattr(response, "events", ())))


class _StatusRecorder(grpc.aio.ServerInterceptor):
    """Sits just inside the OpenTelemetry interceptor, so its span is the current one."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or not _traced(details):
            return handler
        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                try:
                    response = await unary(request, _Context(context))
                except asyncio.CancelledError:
                    _on_cancel(context)
                    raise
                _record(request, response)
                return response

            return grpc.unary_unary_rpc_method_handler(
                unary_unary, handler.request_deserializer, handler.response_serializer
            )
        if handler.stream_stream is not None:
            stream = handler.stream_stream

            async def stream_stream(requests: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                try:
                    async for response in stream(requests, _Context(context)):
                        yield response
                except asyncio.CancelledError:
                    _on_cancel(context)
                    raise

            return grpc.stream_stream_rpc_method_handler(
                stream_stream, handler.request_deserializer, handler.response_serializer
            )
        return handler  # this service has no unary-stream or stream-unary methods
