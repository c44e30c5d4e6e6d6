"""Assembly rules on hand-made network outputs: no model, so each rule is tested alone."""

from __future__ import annotations

import datetime as dt

import pytest

from newsevents_service.engine.assemble import Assembler
from newsevents_service.engine.sentences import split_sentences
from newsevents_service.engine.types import ArmsSale, Event, Sanction
from newsevents_service.model.inference import DocumentPrediction, RolePrediction, SpanPrediction

PUBLISHED = dt.date(2022, 7, 9)


def _span(text: str, phrase: str, label: str, confidence: float = 0.9) -> SpanPrediction:
    """The phrase's first occurrence; "phrase#2" for the second."""
    phrase, _, nth = phrase.partition("#")
    begin = -1
    for _ in range(int(nth or 1)):
        begin = text.index(phrase, begin + 1)
    return SpanPrediction(begin, begin + len(phrase), label, confidence, 0, 0)


def assemble(
    text: str,
    triggers: list[tuple[str, str]],
    entities: list[tuple[str, str]] = (),  # type: ignore[assignment]
    roles: list[tuple[int, int, str]] = (),  # type: ignore[assignment]
    items: list[str] = (),  # type: ignore[assignment]
    trigger_confidence: float = 0.9,
    context_roles: list[tuple[int, int, str]] = (),  # type: ignore[assignment]
) -> list[Event]:
    """triggers/entities: (phrase, label); roles: (trigger index, entity index, role); context_roles:
    the same for entities of the sentence before the trigger's."""
    prediction = DocumentPrediction(
        entities=[_span(text, p, label) for p, label in entities],
        triggers=[_span(text, p, label, trigger_confidence) for p, label in triggers],
        aux=[_span(text, p, "ITEM") for p in items],
        roles=[RolePrediction(t, e, role, 0.9) for t, e, role in roles]
        + [RolePrediction(t, e, role, 0.9, context=True) for t, e, role in context_roles],
        modality=["ASSERTED"] * len(triggers),
        action=["IMPOSE"] * len(triggers),
    )
    events, _ = Assembler(text, split_sentences(text), prediction, PUBLISHED).events()
    return events


def test_headline_mention_joins_the_body_event_however_far() -> None:
    filler = "Officials gave no further details about the timing of the measures. " * 12
    text = (
        "Sanctioning Cuban Security Forces\n\n"
        + filler
        + "The United States imposed sanctions on the Special National Brigade on Thursday."
    )
    events = assemble(
        text,
        triggers=[("Sanctioning", "SANCTION"), ("sanctions", "SANCTION")],
        entities=[("United States", "COUNTRY"), ("Special National Brigade", "ORGANIZATION")],
        roles=[(1, 0, "IMPOSER"), (1, 1, "TARGET")],
    )
    assert len(events) == 1
    assert [m.trigger.text for m in events[0].mentions] == ["Sanctioning", "sanctions"]


def test_headline_keeps_its_own_event_when_its_imposer_differs() -> None:
    text = (
        "Britain sanctions Minsk\n\n"
        + "Nothing else was said. " * 40
        + "Separately, the United States imposed sanctions on Iran."
    )
    events = assemble(
        text,
        triggers=[("sanctions", "SANCTION"), ("sanctions#2", "SANCTION")],
        entities=[("Britain", "COUNTRY"), ("United States", "COUNTRY"), ("Iran", "COUNTRY")],
        roles=[(0, 0, "IMPOSER"), (1, 1, "IMPOSER"), (1, 2, "TARGET")],
    )
    assert len(events) == 2


def test_arms_sale_needs_a_weapon_the_model_tagged() -> None:
    takeover = "Google buys wind turbine company Makani Power for an undisclosed sum."
    assert assemble(takeover, [("buys", "ARMS_SALE")], [("Google", "ORGANIZATION")], [(0, 0, "SELLER")]) == []
    sale = "Poland will buy 96 Apache helicopters from the United States."
    events = assemble(sale, [("buy", "ARMS_SALE")], [("Poland", "COUNTRY")], [(0, 0, "BUYER")], ["Apache helicopters"])
    assert len(events) == 1
    assert isinstance(events[0].details, ArmsSale)
    assert [i.text for i in events[0].details.items] == ["Apache helicopters"]


def test_amount_in_a_fronted_clause_is_not_the_events() -> None:
    text = "Since the deal was implemented and $1.7 billion was released to Iran, it has obtained a missile system."
    events = assemble(text, [("obtained", "ARMS_SALE")], [("Iran", "COUNTRY")], [(0, 0, "BUYER")], ["missile system"])
    assert events[0].amounts == ()
    text = "After months of talks, the United States sold Taiwan a $500 million radar system."
    events = assemble(text, [("sold", "ARMS_SALE")], [("Taiwan", "COUNTRY")], [(0, 0, "BUYER")], ["radar system"])
    assert [a.value for a in events[0].amounts] == [500_000_000]


def test_date_inside_a_since_clause_bounds_a_period() -> None:
    text = (
        "This authorization will bring total U.S. military assistance to Ukraine to more than $7.32 billion "
        "since Russia launched its brutal, unprovoked invasion of Ukraine on February 24."
    )
    events = assemble(text, [("bring", "ARMS_SALE")], items=["military assistance"])
    assert events[0].date is None
    text = "Since the talks began in March, the two sides met on June 5 in Geneva."
    events = assemble(text, [("met", "MEETING")])
    assert events[0].date is not None and events[0].date.value == "2022-06-05"


def test_date_in_a_relative_clause_after_the_trigger_is_not_the_events() -> None:
    text = "The three governments held meetings of the steering groups, which were established in September 2021."
    assert assemble(text, [("meetings", "MEETING")])[0].date is None
    text = "The three governments held meetings of the steering groups in December 2021."
    date = assemble(text, [("meetings", "MEETING")])[0].date
    assert date is not None and date.value == "2021-12"


def test_sanction_action_and_trigger_survive_the_fold() -> None:
    text = "Announcing Sanctions\n\n" + "Filler sentence here. " * 40 + "Treasury sanctioned Iran."
    events = assemble(
        text,
        [("Sanctions", "SANCTION"), ("sanctioned", "SANCTION")],
        [("Treasury", "ORGANIZATION"), ("Iran", "COUNTRY")],
        [(1, 0, "IMPOSER"), (1, 1, "TARGET")],
    )
    assert len(events) == 1 and isinstance(events[0].details, Sanction)
    assert events[0].trigger.text == "Sanctions"
    assert [t.name for t in events[0].details.targets] == ["Iran"]


def test_an_acronym_named_alone_is_an_entity() -> None:
    text = "The EU imposed sanctions on Belarus on Monday."
    events = assemble(
        text,
        [("sanctions", "SANCTION")],
        [("EU", "ORGANIZATION"), ("Belarus", "COUNTRY")],
        [(0, 0, "IMPOSER"), (0, 1, "TARGET")],
    )
    assert isinstance(events[0].details, Sanction)
    assert [p.name for p in events[0].details.imposers] == ["EU"]


def test_a_relative_clause_right_after_the_trigger_dates_the_event() -> None:
    text = "The talks, which began on Monday in Doha, ended without a deal."
    date = assemble(text, [("talks", "MEETING")])[0].date
    assert date is not None and date.value == "2022-07-04"


def test_an_event_naming_no_participant_needs_a_confident_trigger() -> None:
    text = "Withdrawal of Foreign Forces\n\nThe talks were long."
    weak = assemble(text, [("Withdrawal", "SANCTION"), ("talks", "MEETING")], trigger_confidence=0.3)
    assert weak == []
    sure = assemble(text, [("Withdrawal", "SANCTION"), ("talks", "MEETING")], trigger_confidence=0.8)
    assert [e.id for e in sure] == ["ev1", "ev2"]
    named = "Russia and China held talks."
    weak_but_named = assemble(
        named,
        [("talks", "MEETING")],
        [("Russia", "COUNTRY"), ("China", "COUNTRY")],
        [(0, 0, "PARTICIPANT"), (0, 1, "PARTICIPANT")],
        trigger_confidence=0.3,
    )
    assert len(weak_but_named) == 1


def test_sentence_before_fills_only_roles_the_trigger_sentence_lacks() -> None:
    text = "Officials of Australia and Britain met in Canberra. The participants agreed to share reactor data."
    entities = [("Australia", "COUNTRY"), ("Britain", "COUNTRY")]
    context = [(0, 0, "PARTY"), (0, 1, "PARTY")]
    events = assemble(text, [("agreed", "AGREEMENT")], entities, context_roles=context)
    assert [{p.name for p in e.details.parties} for e in events] == [{"Australia", "United Kingdom"}]  # type: ignore[union-attr]

    text = "Officials of Australia and Britain met in Canberra. Japan and India agreed to share reactor data."
    entities += [("Japan", "COUNTRY"), ("India", "COUNTRY")]
    events = assemble(
        text, [("agreed", "AGREEMENT")], entities, [(0, 2, "PARTY"), (0, 3, "PARTY")], context_roles=context
    )
    assert [{p.name for p in e.details.parties} for e in events] == [{"Japan", "India"}]  # type: ignore[union-attr]


def test_participants_from_the_sentence_before_do_not_support_a_doubtful_trigger() -> None:
    text = "Australia and Britain held talks. Withdrawal of Foreign Forces"
    entities = [("Australia", "COUNTRY"), ("Britain", "COUNTRY")]
    context = [(0, 0, "IMPOSER")]
    assert assemble(text, [("Withdrawal", "SANCTION")], entities, context_roles=context, trigger_confidence=0.4) == []
    assert len(assemble(text, [("Withdrawal", "SANCTION")], entities, context_roles=context)) == 1


def test_bylines_and_credits_are_never_participants() -> None:
    text = (
        "By Lesley Wroughton WASHINGTON (Reuters) - The United States imposed sanctions on Sudan.\n"
        "(Reporting by Arshad Mohammed; Editing by Susan Fenton)"
    )
    events = assemble(
        text,
        triggers=[("sanctions", "SANCTION")],
        entities=[
            ("Lesley Wroughton", "PERSON"),
            ("United States", "COUNTRY"),
            ("Sudan", "COUNTRY"),
            ("Susan Fenton", "PERSON"),
        ],
        roles=[(0, 0, "IMPOSER"), (0, 1, "IMPOSER"), (0, 2, "TARGET"), (0, 3, "TARGET")],
    )
    sanction = events[0].details
    assert isinstance(sanction, Sanction)
    assert [p.name for p in sanction.imposers] == ["United States"]
    assert [p.name for p in sanction.targets] == ["Sudan"]


def test_a_datelines_date_is_not_the_events() -> None:
    text = "WASHINGTON, July 9 - Delegations from the two countries met with the adviser on Thursday."
    date = assemble(text, [("met", "MEETING")])[0].date
    assert date is not None and date.value == "2022-07-07"
    text = "Delegations from the two countries met with the adviser on July 8 - a first."
    date = assemble(text, [("met", "MEETING")])[0].date
    assert date is not None and date.value == "2022-07-08"


def test_an_agreement_reached_during_a_dated_meeting_takes_its_date() -> None:
    triggers = [("met", "MEETING"), ("meeting", "MEETING"), ("agreed", "AGREEMENT")]
    text = "The Joint Steering Group met on December 9. During the meeting, participants agreed to deepen cooperation."
    agreement = assemble(text, triggers)[-1]
    assert agreement.date is not None and agreement.date.value == "2021-12-09"
    text = "The Joint Steering Group met on December 9. The meeting reviewed what was agreed in the spring talks."
    assert assemble(text, triggers)[-1].date is None  # named with the meeting, not reached at it


def test_a_meeting_at_which_a_dated_agreement_was_reached_takes_its_date() -> None:
    text = (
        "The factions agreed on Tuesday to dissolve their groups. The agreement was reached at a meeting in Damascus."
    )
    events = assemble(text, [("agreed", "AGREEMENT"), ("agreement", "AGREEMENT"), ("meeting", "MEETING")])
    assert [e.type.value for e in events] == ["AGREEMENT", "MEETING"]  # "The agreement" is the one agreed
    assert [e.date.value if e.date else None for e in events] == ["2022-07-05", "2022-07-05"]
    text = "The factions agreed on Tuesday to dissolve their groups. A meeting in Damascus discussed the agreement."
    assert assemble(text, [("agreed", "AGREEMENT"), ("meeting", "MEETING")])[-1].date is None


def test_a_definite_mention_refers_back_to_the_last_event_of_its_type() -> None:
    filler = "Officials gave no further details about the agenda of the leaders. " * 10
    text = "Leaders wrapped up their summit on Sunday. " + filler + "Boris Johnson, who hosted the gathering, spoke."
    triggers = [("summit", "MEETING"), ("gathering", "MEETING")]
    entities = [("Boris Johnson", "PERSON")]
    events = assemble(text, triggers, entities, roles=[(1, 0, "PARTICIPANT")])
    assert len(events) == 1 and events[0].date is not None and events[0].date.value == "2022-07-03"
    indefinite = text.replace("the gathering", "a gathering")
    assert len(assemble(indefinite, triggers, entities, roles=[(1, 0, "PARTICIPANT")])) == 2


def test_the_day_a_statement_was_made_is_not_the_events_when_another_date_is_there() -> None:
    text = "The prime minister said on Tuesday he spoke by telephone with the Chinese premier on June 30."
    events = assemble(text, [("spoke", "MEETING")])
    assert events[0].date is not None and events[0].date.value == "2022-06-30"
    text = "The prime minister said on Tuesday he spoke by telephone with the Chinese premier."
    assert assemble(text, [("spoke", "MEETING")])[0].date.value == "2022-07-05"  # type: ignore[union-attr]


def test_meetings_carry_no_amounts() -> None:
    text = "Pakistan's talks with the IMF on unlocking a stalled $1.1 billion tranche began on Tuesday."
    assert assemble(text, [("talks", "MEETING")])[0].amounts == ()
    assert assemble(text, [("tranche", "AGREEMENT")])[0].amounts[0].value == 1.1e9


def test_a_deadline_or_a_since_year_is_not_the_events_date() -> None:
    text = "They agreed to have their teams complete the extension by February 5."
    assert assemble(text, [("agreed", "AGREEMENT")])[0].date is None
    text = "In a joint statement, the leaders agreed on the first such reference since 1969."
    assert assemble(text, [("agreed", "AGREEMENT")])[0].date is None


def test_an_arms_package_announced_during_a_dated_meeting_takes_its_date() -> None:
    text = "Biden met Zelenskyy on Thursday. During the meeting, Biden announced a package of air defence interceptors."
    triggers = [("met", "MEETING"), ("meeting", "MEETING"), ("package", "ARMS_SALE")]
    sale = assemble(text, triggers, items=["interceptors"])
    assert sale[-1].date is not None and sale[-1].date.value == "2022-07-07"


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("Leaders opened a two-day summit in Kampala on Friday.", "2022-07-08/2022-07-09"),
        ("G20 leaders ended a three-day summit in Rome on Friday.", "2022-07-06/2022-07-08"),
        ("Lula arrived in Mexico City on Friday for a 2-day state visit.", "2022-07-08/2022-07-09"),
        ("The two-day summit is held in Rome on Friday.", "2022-07-08"),  # neither start nor end: the day
    ],
)
def test_a_meeting_of_several_days_is_an_interval(sentence: str, value: str) -> None:
    trigger = next(w for w in ("summit", "visit") if w in sentence)
    date = assemble(sentence, [(trigger, "MEETING")])[0].date
    assert date is not None and date.value == value


def test_a_sentence_pointing_back_takes_the_amounts_of_the_one_before() -> None:
    text = (
        "I am proud to announce our biggest aid to date: $2.98 billion of weapons for Ukraine. "
        "This will allow Ukraine to acquire air defense systems."
    )
    sale = assemble(text, [("acquire", "ARMS_SALE")], items=["air defense systems"])[0]
    assert [a.value for a in sale.amounts] == [2.98e9]
    text = "The economy shrank by $2 billion last year. Ukraine will acquire air defense systems."
    assert assemble(text, [("acquire", "ARMS_SALE")], items=["air defense systems"])[0].amounts == ()


def test_two_meetings_of_one_sentence_on_different_days_stay_two() -> None:
    text = (
        "The Joint Steering Group for Advanced Capabilities met on December 9 and the Joint Steering Group "
        "for Submarines met on December 14."
    )
    events = assemble(
        text,
        triggers=[("met", "MEETING"), ("met#2", "MEETING")],
        entities=[("Joint Steering Group for Advanced Capabilities", "ORGANIZATION")],
        roles=[(0, 0, "PARTICIPANT"), (1, 0, "PARTICIPANT")],
    )
    assert [e.date.value if e.date else None for e in events] == ["2021-12-09", "2021-12-14"]


def test_a_date_closing_a_relative_clause_ahead_of_the_trigger_is_not_its_date() -> None:
    text = "The delegations reaffirmed the vision that was laid out in September 2021 and discussed the work underway."
    events = assemble(
        text, triggers=[("discussed", "MEETING")], entities=[("delegations", "GROUP")], roles=[(0, 0, "PARTICIPANT")]
    )
    assert len(events) == 1 and events[0].date is None


def test_an_embedded_tweets_stamp_dates_its_relative_expressions_not_its_event() -> None:
    text = (
        "Informal meeting of EU 27 next week without PM in the room — Faisal Islam (@faisalislam) June 24, 2016 "
        "The result was another terrible night for pollsters."
    )
    events = assemble(
        text, triggers=[("meeting", "MEETING")], entities=[("EU", "ORGANIZATION")], roles=[(0, 0, "PARTICIPANT")]
    )
    assert len(events) == 1 and events[0].date is not None
    assert events[0].date.value == "2016-W26"
    assert events[0].date.span.text == "next week"


def test_a_weapon_the_item_tagger_marks_is_no_participant() -> None:
    text = "The United States sent a package to Ukraine. This new package will arm them, including HIMARS."
    events = assemble(
        text,
        triggers=[("package", "ARMS_SALE"), ("package#2", "ARMS_SALE"), ("arm", "ARMS_SALE")],
        entities=[("United States", "COUNTRY"), ("Ukraine", "COUNTRY"), ("HIMARS", "ORGANIZATION")],
        roles=[(0, 0, "SELLER"), (0, 1, "BUYER"), (2, 2, "SELLER")],
        items=["HIMARS"],
    )
    assert len(events) == 1
    sellers = [p.name for p in events[0].details.sellers]  # type: ignore[union-attr]
    assert sellers == ["United States"]


def test_a_trigger_that_lasted_a_period_does_not_take_the_next_verbs_day() -> None:
    text = "The accord was negotiated for months and finally signed by Iran and the U.S. on 14 July, 2015."
    events = assemble(
        text,
        triggers=[("negotiated", "MEETING"), ("signed", "AGREEMENT")],
        entities=[("Iran", "COUNTRY"), ("U.S.", "COUNTRY")],
        roles=[(0, 0, "PARTICIPANT"), (0, 1, "PARTICIPANT"), (1, 0, "PARTY"), (1, 1, "PARTY")],
    )
    dates = {e.type.value: e.date.value if e.date else None for e in events}
    assert dates == {"MEETING": None, "AGREEMENT": "2015-07-14"}


def test_a_clause_between_dashes_names_no_party_of_the_event_outside_it() -> None:
    text = (
        "The European Union will lift its own sanctions, unfreezing some $100 billion in assets -- this number "
        "is an estimate from the U.S. Treasury Department -- held abroad."
    )
    events = assemble(
        text,
        triggers=[("lift", "SANCTION")],
        entities=[("European Union", "ORGANIZATION"), ("U.S.", "COUNTRY")],
        roles=[(0, 0, "IMPOSER"), (0, 1, "IMPOSER")],
    )
    assert [p.name for p in events[0].details.imposers] == ["European Union"]  # type: ignore[union-attr]


def test_a_participial_aside_keeps_its_parties() -> None:
    text = "The sanctions -- imposed by the United States and Britain -- target three banks."
    events = assemble(
        text,
        triggers=[("sanctions", "SANCTION")],
        entities=[("United States", "COUNTRY"), ("Britain", "COUNTRY")],
        roles=[(0, 0, "IMPOSER"), (0, 1, "IMPOSER")],
    )
    assert sorted(p.name for p in events[0].details.imposers) == ["United Kingdom", "United States"]  # type: ignore[union-attr]


def test_an_undated_headline_led_group_stays_its_own_event() -> None:
    """Joining it to the first dated body event of its type was right here, but wrong more often
    than right on releases annotated blind for the purpose (data/heldout/)."""
    text = (
        "Readout of the Steering Group Meetings\n\n"
        "Australia and Japan recently held the inaugural meetings of the steering groups. "
        "The Steering Group for Advanced Capabilities met on December 9 and the Steering Group for "
        "Submarines met on December 14."
    )
    events = assemble(
        text,
        triggers=[("Meetings", "MEETING"), ("meetings", "MEETING"), ("met", "MEETING"), ("met#2", "MEETING")],
        entities=[("Australia", "COUNTRY"), ("Japan", "COUNTRY"), ("Steering Group for Advanced", "ORGANIZATION")],
        roles=[(1, 0, "PARTICIPANT"), (1, 1, "PARTICIPANT"), (2, 2, "PARTICIPANT"), (3, 2, "PARTICIPANT")],
    )
    assert [(e.date.value if e.date else None, len(e.mentions)) for e in events] == [
        (None, 2),
        ("2021-12-09", 1),
        ("2021-12-14", 1),
    ]


def test_a_headline_led_deal_is_not_merged_into_an_older_dated_agreement() -> None:
    text = (
        "DELIVERING ON TRADE: Today, the two governments announced a trade deal.\n\n"
        + "The deal opens their markets to farmers. "
        + "Officials gave no further details about the timing of the measures. " * 12
        + "Their first trade agreement was signed on December 17, 2001."
    )
    prediction = DocumentPrediction(
        triggers=[
            _span(text, "deal", "AGREEMENT"),
            _span(text, "deal#2", "AGREEMENT"),
            _span(text, "agreement", "AGREEMENT"),
        ],
        modality=["ASSERTED"] * 3,
        action=["IMPOSE"] * 3,
    )
    undated, _ = Assembler(text, split_sentences(text), prediction, None).events()
    dated, _ = Assembler(text, split_sentences(text), prediction, PUBLISHED).events()
    assert len(undated) == 2
    assert len(dated) == 2


@pytest.mark.parametrize("verb", ["agreed", "committed", "pledged", "resolved"])
def test_each_sentence_saying_they_agreed_reports_an_agreement_of_its_own(verb: str) -> None:
    text = (
        f"President Biden spoke today with President Putin. They {verb} to extend New START. "
        f"The two presidents also {verb} to maintain transparent communication."
    )
    entities = [("President Biden", "PERSON"), ("President Putin", "PERSON"), ("The two presidents", "PERSON")]
    triggers = [("spoke", "MEETING"), (verb, "AGREEMENT"), (f"{verb}#2", "AGREEMENT")]
    roles = [(0, 0, "PARTICIPANT"), (0, 1, "PARTICIPANT")] + [(t, e, "PARTY") for t in (1, 2) for e in (0, 1)]
    events = assemble(text, triggers, entities, roles=roles)
    assert [e.type.value for e in events] == ["MEETING", "AGREEMENT", "AGREEMENT"]
    # a noun naming the deal again is the same agreement
    text = text.replace(f"also {verb} to maintain", "said the agreement would maintain")
    triggers = [("spoke", "MEETING"), (verb, "AGREEMENT"), ("agreement", "AGREEMENT")]
    events = assemble(text, triggers, entities, roles=roles)
    assert [e.type.value for e in events] == ["MEETING", "AGREEMENT"]


def test_a_trigger_whose_object_is_a_definite_mention_refers_back_with_it() -> None:
    filler = "Officials gave no further details about the agenda of the leaders. " * 10
    text = "Leaders wrapped up their summit on Sunday. " + filler + "Boris Johnson, who hosted the gathering, spoke."
    triggers = [("summit", "MEETING"), ("hosted", "MEETING"), ("gathering", "MEETING")]
    events = assemble(text, triggers, [("Boris Johnson", "PERSON")], roles=[(1, 0, "PARTICIPANT")])
    assert len(events) == 1 and events[0].date is not None and events[0].date.value == "2022-07-03"
    other_object = text.replace("hosted the gathering", "hosted a gathering")
    assert len(assemble(other_object, triggers, [("Boris Johnson", "PERSON")], roles=[(1, 0, "PARTICIPANT")])) == 2


def test_a_meetings_length_in_another_of_its_sentences_makes_its_day_an_interval() -> None:
    text = "Leaders wrapped up their summit on Sunday. Boris Johnson hosted the three-day gathering."
    triggers = [("summit", "MEETING"), ("hosted", "MEETING"), ("gathering", "MEETING")]
    events = assemble(text, triggers, [("Boris Johnson", "PERSON")], roles=[(1, 0, "PARTICIPANT")])
    assert [e.date.value if e.date else None for e in events] == ["2022-07-01/2022-07-03"]


def test_a_trigger_in_the_present_perfect_takes_no_past_day() -> None:
    text = "The European Union has delisted Arkady Volozh, the bloc said on Thursday."
    triggers, entities = [("delisted", "SANCTION")], [("European Union", "ORGANIZATION"), ("Arkady Volozh", "PERSON")]
    roles = [(0, 0, "IMPOSER"), (0, 1, "TARGET")]
    assert assemble(text, triggers, entities, roles=roles)[0].date is None
    today = "The European Union has today delisted Arkady Volozh."
    assert assemble(today, triggers, entities, roles=roles)[0].date.value == "2022-07-09"  # type: ignore[union-attr]
    simple_past = "The European Union delisted Arkady Volozh, the bloc said on Thursday."
    assert assemble(simple_past, triggers, entities, roles=roles)[0].date.value == "2022-07-07"  # type: ignore[union-attr]


def test_an_agreement_told_after_a_meeting_by_its_people_takes_the_meetings_date() -> None:
    text = (
        "President Biden spoke with President Putin on Tuesday. They discussed arms control. "
        "They also agreed to explore strategic stability talks."
    )
    entities = [("President Biden", "PERSON"), ("President Putin", "PERSON")]
    triggers = [("spoke", "MEETING"), ("agreed", "AGREEMENT")]
    roles = [(0, 0, "PARTICIPANT"), (0, 1, "PARTICIPANT")]
    dates = [e.date.value if e.date else None for e in assemble(text, triggers, entities, roles=roles)]
    assert dates == ["2022-07-05", "2022-07-05"]
    # someone else's agreement is not dated by the meeting, nor is one told before it
    others = text.replace("They also agreed", "Germany and France agreed")
    assert assemble(others, triggers, entities, roles=roles)[1].date is None
    before = "They agreed to explore strategic stability talks. President Biden spoke with President Putin on Tuesday."
    events = assemble(before, [("agreed", "AGREEMENT"), ("spoke", "MEETING")], entities, roles=[(1, 0, "PARTICIPANT")])
    assert [e.date.value if e.date else None for e in events] == [None, "2022-07-05"]


def test_a_day_at_the_close_of_a_meeting_of_several_days_is_its_last() -> None:
    text = "Musk met Sunak on Thursday at the close of the AI Safety Summit. The two-day summit drew 28 countries."
    triggers = [("AI Safety Summit", "MEETING"), ("summit", "MEETING")]
    events = assemble(text, triggers, [("Sunak", "PERSON")], roles=[(0, 0, "PARTICIPANT")])
    assert [e.date.value if e.date else None for e in events] == ["2022-07-06/2022-07-07"]


def test_parties_of_a_meeting_who_agree_or_sign_after_it_agree_at_it() -> None:
    text = "Rouhani met Hollande in Paris on Thursday. Rouhani and Hollande agreed to restore direct flights."
    entities = [("Rouhani", "PERSON"), ("Hollande", "PERSON"), ("Rouhani#2", "PERSON"), ("Hollande#2", "PERSON")]
    triggers = [("met", "MEETING"), ("agreed", "AGREEMENT")]
    roles = [(0, 0, "PARTICIPANT"), (0, 1, "PARTICIPANT"), (1, 2, "PARTY"), (1, 3, "PARTY")]
    dates = [e.date.value if e.date else None for e in assemble(text, triggers, entities, roles=roles)]
    assert dates == ["2022-07-07", "2022-07-07"]
    signed = text.replace("Rouhani and Hollande agreed to restore", "The two leaders signed a deal on")
    triggers = [("met", "MEETING"), ("signed", "AGREEMENT")]
    dates = [e.date.value if e.date else None for e in assemble(signed, triggers, entities[:2], roles=roles[:2])]
    assert dates == ["2022-07-07", "2022-07-07"]
    # parties who were not all at the meeting
    others = text.replace("Rouhani and Hollande agreed", "Rouhani and Merkel agreed").replace("Hollande#2", "Merkel")
    entities = [("Rouhani", "PERSON"), ("Hollande", "PERSON"), ("Rouhani#2", "PERSON"), ("Merkel", "PERSON")]
    assert assemble(others, [("met", "MEETING"), ("agreed", "AGREEMENT")], entities, roles=roles)[1].date is None


def test_a_day_followed_by_for_a_meeting_of_several_days_is_its_first() -> None:
    text = "Group of Seven leaders gather in the Rockies on Sunday for a three-day summit."
    events = assemble(
        text, [("summit", "MEETING")], [("Group of Seven", "ORGANIZATION")], roles=[(0, 0, "PARTICIPANT")]
    )
    assert [e.date.value if e.date else None for e in events] == ["2022-07-03/2022-07-05"]


def test_a_meeting_dated_only_to_the_year_does_not_date_the_agreement_told_after_it() -> None:
    text = (
        "President Biden met Prime Minister Draghi on Tuesday. Biden welcomed Italy's leadership of the G20 "
        "this year. The two leaders agreed to work together on global challenges."
    )
    entities = [("President Biden", "PERSON"), ("Prime Minister Draghi", "PERSON"), ("Italy", "COUNTRY")]
    triggers = [("met", "MEETING"), ("welcomed", "MEETING"), ("agreed", "AGREEMENT")]
    roles = [(0, 0, "PARTICIPANT"), (0, 1, "PARTICIPANT"), (1, 2, "PARTICIPANT")]
    events = assemble(text, triggers, entities, roles=roles)
    assert [(e.type.value, e.date.value if e.date else None) for e in events] == [
        ("MEETING", "2022-07-05"),
        ("MEETING", "2022"),
        ("AGREEMENT", "2022-07-05"),
    ]
