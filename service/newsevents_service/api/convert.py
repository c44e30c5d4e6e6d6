"""Engine dataclasses → newsevents.v1 messages (one-to-one)."""

from __future__ import annotations

import datetime as dt

from google.type import date_pb2

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents_service.engine import types as t


def span(s: t.TextSpan) -> pb.TextSpan:
    return pb.TextSpan(text=s.text, begin=s.begin, end=s.end)


def date(d: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=d.year, month=d.month, day=d.day)


def participant(p: t.Participant) -> pb.Participant:
    return pb.Participant(
        entity_id=p.entity_id,
        name=p.name,
        type=pb.EntityType.Value(f"ENTITY_TYPE_{p.type.value}"),
        country_code=p.country_code,
        title=p.title,
        mention=span(p.mention),
        confidence=p.confidence,
    )


def entity(e: t.Entity) -> pb.Entity:
    return pb.Entity(
        id=e.id,
        name=e.name,
        type=pb.EntityType.Value(f"ENTITY_TYPE_{e.type.value}"),
        country_code=e.country_code,
        mentions=[span(m) for m in e.mentions],
    )


def _details(event: pb.Event, d: t.Details) -> None:
    if isinstance(d, t.Meeting):
        event.meeting.participants.extend(participant(p) for p in d.participants)
        event.meeting.SetInParent()
    elif isinstance(d, t.Sanction):
        event.sanction.imposers.extend(participant(p) for p in d.imposers)
        event.sanction.targets.extend(participant(p) for p in d.targets)
        if d.action:
            event.sanction.action = pb.SanctionAction.Value(f"SANCTION_ACTION_{d.action.value}")
        event.sanction.measure = d.measure
        event.sanction.SetInParent()
    elif isinstance(d, t.ArmsSale):
        event.arms_sale.sellers.extend(participant(p) for p in d.sellers)
        event.arms_sale.buyers.extend(participant(p) for p in d.buyers)
        event.arms_sale.items.extend(span(s) for s in d.items)
        event.arms_sale.SetInParent()
    else:
        event.agreement.parties.extend(participant(p) for p in d.parties)
        event.agreement.subject = d.subject
        event.agreement.SetInParent()


def event(e: t.Event) -> pb.Event:
    message = pb.Event(
        id=e.id,
        type=pb.EventType.Value(f"EVENT_TYPE_{e.type.value}"),
        confidence=e.confidence,
        trigger=span(e.trigger),
        modality=pb.Modality.Value(f"MODALITY_{e.modality.value}"),
        mentions=[pb.EventMention(trigger=span(m.trigger), sentence=span(m.sentence)) for m in e.mentions],
        amounts=[
            pb.MoneyAmount(span=span(a.span), value=a.value, currency_code=a.currency_code, range_low=a.range_low)
            for a in e.amounts
        ],
    )
    if e.date:
        message.date.CopyFrom(
            pb.TemporalExpression(
                span=span(e.date.span),
                value=e.date.value,
                granularity=pb.DateGranularity.Value(f"DATE_GRANULARITY_{e.date.granularity.value}"),
            )
        )
    if e.location:
        message.location.CopyFrom(
            pb.Place(name=e.location.name, mention=span(e.location.mention), country_code=e.location.country_code)
        )
    _details(message, e.details)
    return message


def response(document_id: str, result: t.ExtractionResult) -> pb.ExtractEventsResponse:
    message = pb.ExtractEventsResponse(
        document_id=document_id,
        events=[event(e) for e in result.events],
        entities=[entity(e) for e in result.entities],
        reference_date_source=pb.ReferenceDateSource.Value(
            f"REFERENCE_DATE_SOURCE_{result.reference_date_source.value}"
        ),
        model_version=result.model_version,
    )
    if result.reference_date:
        message.reference_date.CopyFrom(date(result.reference_date))
    return message
