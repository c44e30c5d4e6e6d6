"""One input row -> the request a client would send; one result or error -> one output row.

Both go through the server's own code (validation, convert, the stream's error status) and the
protobuf JSON mapping, so a batch row and a server response agree by construction.
"""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import json_format
from google.type import date_pb2

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents_service.api import convert
from newsevents_service.api.errors import ServiceError, invalid
from newsevents_service.api.servicer import _error_status
from newsevents_service.engine.types import ExtractionResult

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def request_message(row: dict[str, Any]) -> pb.ExtractEventsRequest:
    """The ExtractEventsRequest for an input row (io.ROW_FIELDS); ServiceError if the row cannot be one."""
    if row.get("problem"):
        raise invalid("INVALID_ROW", row.get("problem_field") or "row", row["problem"])
    document = pb.Document(
        id=row["id"],
        text=row.get("text") or "",
        title=row.get("title") or "",
        language_code=row.get("language_code") or "",
    )
    if row.get("publication_date"):
        document.publication_date.CopyFrom(_date(row["publication_date"]))
    return pb.ExtractEventsRequest(document=document)


def _date(value: str) -> date_pb2.Date:
    """Year, month and day as written; validation then rejects what is not a calendar date."""
    match = _ISO_DATE.fullmatch(value.strip())
    if match is None:
        raise invalid(
            "INVALID_PUBLICATION_DATE", "document.publication_date", f"publication_date {value!r} is not YYYY-MM-DD"
        )
    year, month, day = (int(part) for part in match.groups())
    return date_pb2.Date(year=year, month=month, day=day)


def result_row(document_id: str, result: ExtractionResult) -> dict[str, Any]:
    return _row(convert.response(document_id, result))


def error_row(document_id: str, error: ServiceError) -> dict[str, Any]:
    return _row(pb.ExtractEventsResponse(document_id=document_id, error=_error_status(error)))


def _row(response: pb.ExtractEventsResponse) -> dict[str, Any]:
    """`id` first, then the response's JSON mapping without its copy of the id."""
    mapping = json_format.MessageToDict(response)
    mapping.pop("documentId", None)
    return {"id": response.document_id, **mapping}
