"""The newsevents.v1.EventExtractionService implementation (grpc.aio)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

import grpc

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc

from . import convert
from .batcher import Batcher
from .errors import ServiceError, internal, model_not_ready
from .metrics import Metrics
from .validation import to_engine_request

log = logging.getLogger("newsevents.api")


class ModelInfoSource(Protocol):
    def model_info(self) -> pb.ModelInfo: ...


class EventExtractionServicer(pb_grpc.EventExtractionServiceServicer):
    """Validates requests, queues documents on the batcher, converts results to messages.

    `batcher` and `info` are None until the model has loaded; calls then get UNAVAILABLE.
    """

    def __init__(
        self, max_text_length: int, default_timeout: float, stream_window: int = 8, metrics: Metrics | None = None
    ) -> None:
        self.max_text_length = max_text_length
        self.default_timeout = default_timeout
        self.stream_window = stream_window
        self.metrics = metrics or Metrics()
        self.batcher: Batcher | None = None
        self.info: pb.ModelInfo | None = None

    def ready(self, batcher: Batcher, info: pb.ModelInfo) -> None:
        self.batcher, self.info = batcher, info

    async def _extract(self, request: pb.ExtractEventsRequest, timeout: float | None) -> pb.ExtractEventsResponse:
        if self.batcher is None:
            raise model_not_ready()
        engine_request = to_engine_request(request, self.max_text_length)
        result = await self.batcher.submit(engine_request, timeout)
        self.metrics.documents.inc()
        self.metrics.tokens.inc(result.stats.get("tokens", 0))
        for event in result.events:
            self.metrics.events.labels(event.type.value).inc()
        return convert.response(request.document.id, result)

    async def _handle(
        self, method: str, request: pb.ExtractEventsRequest, context: grpc.aio.ServicerContext
    ) -> tuple[pb.ExtractEventsResponse | None, ServiceError | None]:
        """The response, or the error to answer with; logged and counted either way."""
        started = time.monotonic()
        remaining = context.time_remaining()
        timeout = self.default_timeout if remaining is None else max(0.0, remaining)
        response, error = None, None
        try:
            response = await self._extract(request, timeout)
        except ServiceError as failure:
            error = failure
        except Exception:
            log.exception("%s failed for document id=%s", method, request.document.id)
            error = internal("extraction failed; see server log")
        code = error.code.name if error else "OK"
        self.metrics.requests.labels(method, code).inc()
        self.metrics.latency.labels(method).observe(time.monotonic() - started)
        _log_call(method, request, error.reason if error else "OK", started, len(response.events) if response else 0)
        return response, error

    async def ExtractEvents(
        self, request: pb.ExtractEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExtractEventsResponse:
        response, error = await self._handle("ExtractEvents", request, context)
        if error is not None or response is None:
            await context.abort_with_status((error or internal("no response")).to_grpc_status())
            raise AssertionError("abort_with_status returns only by raising")
        return response

    async def StreamExtractEvents(
        self, request_iterator: AsyncIterator[pb.ExtractEventsRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ExtractEventsResponse]:
        """Up to `stream_window` documents in flight; answers in request order."""
        pending: asyncio.Queue[asyncio.Task[pb.ExtractEventsResponse] | None] = asyncio.Queue(self.stream_window)

        async def read() -> None:
            async for request in request_iterator:
                await pending.put(asyncio.create_task(self._one_of_stream(request, context)))
            await pending.put(None)

        reader = asyncio.create_task(read())
        try:
            while (task := await pending.get()) is not None:
                yield await task
        finally:
            reader.cancel()
            while not pending.empty():
                leftover = pending.get_nowait()
                if leftover is not None:
                    leftover.cancel()

    async def _one_of_stream(
        self, request: pb.ExtractEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExtractEventsResponse:
        response, error = await self._handle("StreamExtractEvents", request, context)
        if error is not None or response is None:
            failure = error or internal("no response")
            return pb.ExtractEventsResponse(document_id=request.document.id, error=_error_status(failure))
        return response

    async def GetModelInfo(self, request: pb.GetModelInfoRequest, context: grpc.aio.ServicerContext) -> pb.ModelInfo:
        self.metrics.requests.labels("GetModelInfo", "OK" if self.info else "UNAVAILABLE").inc()
        if self.info is None:
            await context.abort_with_status(model_not_ready().to_grpc_status())
            raise AssertionError("abort_with_status returns only by raising")
        return self.info


def _error_status(error: ServiceError) -> pb.ErrorStatus:
    return pb.ErrorStatus(code=error.code.value[0], message=error.message, reason=error.reason, metadata=error.metadata)


def _log_call(method: str, request: pb.ExtractEventsRequest, status: str, started: float, events: int) -> None:
    """One line per call: ids, sizes and timings only, never article text."""
    extra: dict[str, Any] = {
        "method": method,
        "document_id": request.document.id,
        "chars": len(request.document.text),
        "status": status,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
        "events": events,
    }
    log.info(
        "%s id=%s chars=%d status=%s latency_ms=%.1f events=%d",
        method,
        extra["document_id"],
        extra["chars"],
        status,
        extra["latency_ms"],
        events,
        extra={"call": extra},
    )
