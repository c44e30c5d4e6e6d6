"""What the sync and async clients share: channel options, credentials, request building."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.type import date_pb2

from newsevents.v1 import event_extraction_service_pb2 as pb

SERVICE = "newsevents.v1.EventExtractionService"
DEFAULT_TARGET = "localhost:50051"
DEFAULT_TIMEOUT = 60.0
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

# A document for extract_many: its text, or a mapping with "text" and optional "document_id",
# "publication_date" (date or "YYYY-MM-DD"), "title", "event_types", "min_confidence".
DocumentInput = str | Mapping[str, Any]


@dataclass(frozen=True)
class TLSConfig:
    """PEM bytes: the CA to trust, and for mutual TLS the client's key and certificate chain."""

    root_certificates: bytes | None = None
    private_key: bytes | None = None
    certificate_chain: bytes | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(self.root_certificates, self.private_key, self.certificate_chain)


def service_config(retries: int, round_robin: bool) -> str:
    config: dict[str, Any] = {
        "methodConfig": [
            {
                "name": [{"service": SERVICE}],
                "retryPolicy": {
                    "maxAttempts": max(2, retries + 1),
                    "initialBackoff": "0.2s",
                    "maxBackoff": "5s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
    if round_robin:
        config["loadBalancingConfig"] = [{"round_robin": {}}]
    return json.dumps(config)


def channel_options(retries: int, round_robin: bool, extra: Iterable[tuple[str, Any]] = ()) -> list[tuple[str, Any]]:
    return [
        ("grpc.enable_retries", 1 if retries > 0 else 0),
        ("grpc.service_config", service_config(retries, round_robin)),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.keepalive_time_ms", 60_000),
        *extra,
    ]


def call_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),) if token else ()


def _date(value: dt.date | str | None) -> date_pb2.Date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def _event_type(name: str | int) -> pb.EventType.ValueType:
    if isinstance(name, int):
        return pb.EventType.ValueType(name)
    key = name.upper()
    return pb.EventType.Value(key if key.startswith("EVENT_TYPE_") else f"EVENT_TYPE_{key}")


def build_request(
    text: str,
    *,
    publication_date: dt.date | str | None = None,
    title: str | None = None,
    document_id: str | None = None,
    event_types: Iterable[str | int] | None = None,
    min_confidence: float | None = None,
    language_code: str | None = None,
) -> pb.ExtractEventsRequest:
    document = pb.Document(id=document_id or "", text=text, title=title or "", language_code=language_code or "")
    date = _date(publication_date)
    if date is not None:
        document.publication_date.CopyFrom(date)
    return pb.ExtractEventsRequest(
        document=document,
        event_types=[_event_type(t) for t in event_types or ()],
        min_confidence=min_confidence or 0.0,
    )


def request_of(item: DocumentInput, index: int) -> pb.ExtractEventsRequest:
    if isinstance(item, str):
        return build_request(item, document_id=str(index))
    fields = dict(item)
    text = fields.pop("text")
    fields.setdefault("document_id", str(index))
    return build_request(text, **fields)
