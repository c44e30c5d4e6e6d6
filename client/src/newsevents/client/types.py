"""Frozen results of the SDK. Each keeps its message in `raw`; `to_dict()` gives the protobuf JSON mapping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format

from newsevents.v1 import event_extraction_service_pb2 as pb

from .errors import NewsEventsError, from_status_fields


def _enum_name(enum: Any, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix)


@dataclass(frozen=True)
class TextSpan:
    text: str
    begin: int
    end: int

    @classmethod
    def of(cls, m: pb.TextSpan) -> TextSpan:
        return cls(m.text, m.begin, m.end)


@dataclass(frozen=True)
class Participant:
    role: str
    name: str
    type: str
    entity_id: str
    country_code: str
    title: str
    mention: TextSpan
    confidence: float


_ROLE_FIELDS = {
    "meeting": {"participants": "PARTICIPANT"},
    "sanction": {"imposers": "IMPOSER", "targets": "TARGET"},
    "arms_sale": {"sellers": "SELLER", "buyers": "BUYER"},
    "agreement": {"parties": "PARTY"},
}


@dataclass(frozen=True)
class Event:
    id: str
    type: str  # "MEETING", "SANCTION", "ARMS_SALE", "AGREEMENT"
    confidence: float
    trigger: TextSpan
    modality: str
    participants: tuple[Participant, ...]
    date: str | None  # ISO 8601 at the text's precision
    amounts: tuple[tuple[float, str], ...]  # (value, ISO 4217)
    location: str | None
    action: str | None  # sanctions: IMPOSE, LIFT, THREATEN
    raw: pb.Event = field(repr=False, compare=False)

    @classmethod
    def of(cls, m: pb.Event) -> Event:
        detail = m.WhichOneof("details") or ""
        participants = []
        for list_name, role in _ROLE_FIELDS.get(detail, {}).items():
            for p in getattr(getattr(m, detail), list_name):
                participants.append(
                    Participant(
                        role,
                        p.name,
                        _enum_name(pb.EntityType, p.type, "ENTITY_TYPE_"),
                        p.entity_id,
                        p.country_code,
                        p.title,
                        TextSpan.of(p.mention),
                        p.confidence,
                    )
                )
        return cls(
            id=m.id,
            type=_enum_name(pb.EventType, m.type, "EVENT_TYPE_"),
            confidence=m.confidence,
            trigger=TextSpan.of(m.trigger),
            modality=_enum_name(pb.Modality, m.modality, "MODALITY_"),
            participants=tuple(participants),
            date=m.date.value if m.HasField("date") else None,
            amounts=tuple((a.value, a.currency_code) for a in m.amounts),
            location=m.location.name if m.HasField("location") else None,
            action=_enum_name(pb.SanctionAction, m.sanction.action, "SANCTION_ACTION_")
            if detail == "sanction"
            else None,
            raw=m,
        )

    def to_dict(self) -> dict[str, Any]:
        return json_format.MessageToDict(self.raw)


@dataclass(frozen=True)
class ExtractionResult:
    document_id: str
    events: tuple[Event, ...]
    reference_date: dt.date | None
    reference_date_source: str
    model_version: str
    error: NewsEventsError | None  # only in extract_many: this document failed
    raw: pb.ExtractEventsResponse = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def of(cls, m: pb.ExtractEventsResponse) -> ExtractionResult:
        error = None
        if m.HasField("error"):
            error = from_status_fields(m.error.code, m.error.message, m.error.reason, dict(m.error.metadata))
        ref = m.reference_date
        return cls(
            document_id=m.document_id,
            events=tuple(Event.of(e) for e in m.events),
            reference_date=dt.date(ref.year, ref.month, ref.day) if m.HasField("reference_date") else None,
            reference_date_source=_enum_name(pb.ReferenceDateSource, m.reference_date_source, "REFERENCE_DATE_SOURCE_"),
            model_version=m.model_version,
            error=error,
            raw=m,
        )

    def to_dict(self) -> dict[str, Any]:
        return json_format.MessageToDict(self.raw)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    base_model: str
    event_types: tuple[str, ...]
    figures: dict[str, float]  # dev-set F1 by metric ("events", "arguments", "dates", "amounts")
    raw: pb.ModelInfo = field(repr=False, compare=False)

    @classmethod
    def of(cls, m: pb.ModelInfo) -> ModelInfo:
        figures: dict[str, float] = {}
        if m.evaluations:
            e = m.evaluations[0]
            figures = {"events": e.events.f1, "arguments": e.arguments.f1, "dates": e.dates.f1, "amounts": e.amounts.f1}
        return cls(
            m.name,
            m.version,
            m.base_model,
            tuple(_enum_name(pb.EventType, t, "EVENT_TYPE_") for t in m.event_types),
            figures,
            m,
        )

    def to_dict(self) -> dict[str, Any]:
        return json_format.MessageToDict(self.raw)
