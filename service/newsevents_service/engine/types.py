"""The engine's results: frozen dataclasses that map one-to-one onto the newsevents.v1 messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum


class EventType(Enum):
    MEETING = "MEETING"
    SANCTION = "SANCTION"
    ARMS_SALE = "ARMS_SALE"
    AGREEMENT = "AGREEMENT"


class EntityType(Enum):
    PERSON = "PERSON"
    ORGANIZATION = "ORGANIZATION"
    COUNTRY = "COUNTRY"
    GROUP = "GROUP"


class Modality(Enum):
    ASSERTED = "ASSERTED"
    PLANNED = "PLANNED"
    HYPOTHETICAL = "HYPOTHETICAL"
    NEGATED = "NEGATED"


class SanctionAction(Enum):
    IMPOSE = "IMPOSE"
    LIFT = "LIFT"
    THREATEN = "THREATEN"


class DateGranularity(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"
    INTERVAL = "INTERVAL"


class ReferenceDateSource(Enum):
    REQUEST = "REQUEST"
    DATELINE = "DATELINE"
    NONE = "NONE"


@dataclass(frozen=True)
class TextSpan:
    """`text == document[begin:end]`, offsets in code points."""

    text: str
    begin: int
    end: int


@dataclass(frozen=True)
class EventMention:
    trigger: TextSpan
    sentence: TextSpan


@dataclass(frozen=True)
class TemporalExpression:
    span: TextSpan
    value: str
    granularity: DateGranularity


@dataclass(frozen=True)
class MoneyAmount:
    span: TextSpan
    value: float
    currency_code: str
    range_low: float = 0.0


@dataclass(frozen=True)
class Place:
    name: str
    mention: TextSpan
    country_code: str = ""


@dataclass(frozen=True)
class Participant:
    entity_id: str
    name: str
    type: EntityType
    country_code: str
    title: str
    mention: TextSpan
    confidence: float


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    type: EntityType
    country_code: str
    mentions: tuple[TextSpan, ...]


@dataclass(frozen=True)
class Meeting:
    participants: tuple[Participant, ...] = ()


@dataclass(frozen=True)
class Sanction:
    imposers: tuple[Participant, ...] = ()
    targets: tuple[Participant, ...] = ()
    action: SanctionAction | None = None
    measure: str = ""


@dataclass(frozen=True)
class ArmsSale:
    sellers: tuple[Participant, ...] = ()
    buyers: tuple[Participant, ...] = ()
    items: tuple[TextSpan, ...] = ()


@dataclass(frozen=True)
class Agreement:
    parties: tuple[Participant, ...] = ()
    subject: str = ""


Details = Meeting | Sanction | ArmsSale | Agreement


@dataclass(frozen=True)
class Event:
    id: str
    type: EventType
    confidence: float
    trigger: TextSpan
    mentions: tuple[EventMention, ...]
    modality: Modality
    details: Details
    date: TemporalExpression | None = None
    location: Place | None = None
    amounts: tuple[MoneyAmount, ...] = ()


@dataclass(frozen=True)
class ExtractionResult:
    events: tuple[Event, ...]
    entities: tuple[Entity, ...]
    reference_date: dt.date | None
    reference_date_source: ReferenceDateSource
    model_version: str
    stats: dict[str, int] = field(default_factory=dict, compare=False)
