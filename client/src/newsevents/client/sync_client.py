"""EventsClient: the blocking client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import grpc

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc

from ._common import (
    DEFAULT_TARGET,
    DEFAULT_TIMEOUT,
    DocumentInput,
    TLSConfig,
    build_request,
    call_metadata,
    channel_options,
    request_of,
)
from .errors import from_rpc_error
from .types import ExtractionResult, ModelInfo


class EventsClient:
    """Blocking client. Use as a context manager, or call `close()`.

    `target`: "host:port", or "dns:///host:port" with `round_robin=True` to spread calls over
    every address of a headless service. UNAVAILABLE is retried (`retries` times) by gRPC itself.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        tls: TLSConfig | None = None,
        token: str | None = None,
        round_robin: bool = False,
        options: Iterable[tuple[str, Any]] = (),
    ) -> None:
        opts = channel_options(retries, round_robin, options)
        self._channel = (
            grpc.secure_channel(target, tls.credentials(), opts) if tls else grpc.insecure_channel(target, opts)
        )
        self._stub = pb_grpc.EventExtractionServiceStub(self._channel)
        self._timeout = timeout
        self._metadata = call_metadata(token)

    def __enter__(self) -> EventsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def extract(
        self,
        text: str,
        *,
        publication_date: dt.date | str | None = None,
        title: str | None = None,
        document_id: str | None = None,
        event_types: Iterable[str] | None = None,
        min_confidence: float | None = None,
        timeout: float | None = None,
    ) -> ExtractionResult:
        """Events of one document; raises a NewsEventsError subclass on failure."""
        request = build_request(
            text,
            publication_date=publication_date,
            title=title,
            document_id=document_id,
            event_types=event_types,
            min_confidence=min_confidence,
        )
        return ExtractionResult.of(self.extract_raw(request, timeout=timeout))

    def extract_raw(
        self, request: pb.ExtractEventsRequest, *, timeout: float | None = None
    ) -> pb.ExtractEventsResponse:
        try:
            return self._stub.ExtractEvents(request, timeout=timeout or self._timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def extract_many(
        self, documents: Iterable[DocumentInput], *, timeout: float | None = None
    ) -> Iterator[ExtractionResult]:
        """Results in input order over one stream; a failed document has `.error` set, the rest go on.

        `timeout` bounds the whole stream (default: none)."""
        requests = (request_of(item, i) for i, item in enumerate(documents))
        try:
            for response in self._stub.StreamExtractEvents(requests, timeout=timeout, metadata=self._metadata):
                yield ExtractionResult.of(response)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def model_info(self, *, timeout: float | None = None) -> ModelInfo:
        try:
            message = self._stub.GetModelInfo(
                pb.GetModelInfoRequest(), timeout=timeout or self._timeout, metadata=self._metadata
            )
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
        return ModelInfo.of(message)
