"""AsyncEventsClient: the asyncio client, same surface as EventsClient."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable
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


class AsyncEventsClient:
    """asyncio client. Use `async with`, or `await close()`."""

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
            grpc.aio.secure_channel(target, tls.credentials(), opts) if tls else grpc.aio.insecure_channel(target, opts)
        )
        self._stub = pb_grpc.EventExtractionServiceStub(self._channel)
        self._timeout = timeout
        self._metadata = call_metadata(token)

    async def __aenter__(self) -> AsyncEventsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close()

    async def extract(
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
        request = build_request(
            text,
            publication_date=publication_date,
            title=title,
            document_id=document_id,
            event_types=event_types,
            min_confidence=min_confidence,
        )
        return ExtractionResult.of(await self.extract_raw(request, timeout=timeout))

    async def extract_raw(
        self, request: pb.ExtractEventsRequest, *, timeout: float | None = None
    ) -> pb.ExtractEventsResponse:
        try:
            return await self._stub.ExtractEvents(request, timeout=timeout or self._timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    async def extract_many(
        self, documents: Iterable[DocumentInput], *, timeout: float | None = None
    ) -> AsyncIterator[ExtractionResult]:
        requests = [request_of(item, i) for i, item in enumerate(documents)]
        try:
            call = self._stub.StreamExtractEvents(iter(requests), timeout=timeout, metadata=self._metadata)
            async for response in call:
                yield ExtractionResult.of(response)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    async def model_info(self, *, timeout: float | None = None) -> ModelInfo:
        try:
            message = await self._stub.GetModelInfo(
                pb.GetModelInfoRequest(), timeout=timeout or self._timeout, metadata=self._metadata
            )
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
        return ModelInfo.of(message)
