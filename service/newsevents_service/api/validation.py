"""Check an ExtractEventsRequest and turn it into an engine request, or raise ServiceError."""

from __future__ import annotations

import datetime as dt
import math

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents_service.engine.extractor import Request
from newsevents_service.engine.types import EventType

from .errors import invalid

_EVENT_TYPES = {
    pb.EVENT_TYPE_MEETING: EventType.MEETING,
    pb.EVENT_TYPE_SANCTION: EventType.SANCTION,
    pb.EVENT_TYPE_ARMS_SALE: EventType.ARMS_SALE,
    pb.EVENT_TYPE_AGREEMENT: EventType.AGREEMENT,
}


def _publication_date(document: pb.Document) -> dt.date | None:
    if not document.HasField("publication_date"):
        return None
    d = document.publication_date
    try:
        return dt.date(d.year, d.month, d.day)
    except ValueError:
        raise invalid(
            "INVALID_PUBLICATION_DATE",
            "document.publication_date",
            f"publication_date {d.year:04d}-{d.month:02d}-{d.day:02d} is not a calendar date "
            "(year, month and day are all required)",
        ) from None


def _language_ok(code: str) -> bool:
    code = code.strip().lower()
    return code in ("", "en") or code.startswith("en-")


def to_engine_request(request: pb.ExtractEventsRequest, max_text_length: int) -> Request:
    document = request.document
    text = document.text
    if not text.strip():
        raise invalid("EMPTY_TEXT", "document.text", "document.text is empty or whitespace only")
    if len(text) > max_text_length:
        raise invalid(
            "TEXT_TOO_LONG",
            "document.text",
            f"document.text has {len(text)} characters; the limit is {max_text_length}",
        )
    if not _language_ok(document.language_code):
        raise invalid(
            "UNSUPPORTED_LANGUAGE",
            "document.language_code",
            f"language_code {document.language_code!r} is not supported; only English ('en') is",
        )
    confidence = request.min_confidence
    if math.isnan(confidence) or not 0.0 <= confidence <= 1.0:
        raise invalid("INVALID_MIN_CONFIDENCE", "min_confidence", f"min_confidence {confidence} is not in [0, 1]")
    types = set()
    for value in request.event_types:
        if value not in _EVENT_TYPES:
            raise invalid(
                "INVALID_EVENT_TYPE", "event_types", f"event_types holds an unknown or unspecified value {value}"
            )
        types.add(_EVENT_TYPES[value])
    return Request(text, _publication_date(document), document.title or None, frozenset(types), confidence)
