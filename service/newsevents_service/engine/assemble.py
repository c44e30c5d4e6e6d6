"""Turn the network's spans and roles into events: one per real-world occurrence, with
participants, date, amounts, location and items."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field, replace

from newsevents_service.model.inference import DocumentPrediction, RolePrediction, SpanPrediction
from newsevents_service.normalize.amounts import find_amounts
from newsevents_service.normalize.countries import country_code
from newsevents_service.normalize.dates import NUMBER_WORDS, find_dates, find_tweet_stamp

from .entities import EntityResolver
from .sentences import sentence_index
from .types import (
    Agreement,
    ArmsSale,
    DateGranularity,
    Entity,
    Event,
    EventMention,
    EventType,
    Meeting,
    Modality,
    MoneyAmount,
    Participant,
    Place,
    Sanction,
    SanctionAction,
    TemporalExpression,
    TextSpan,
)

# "since August 2021", "through 2017", "complete the extension by February 5": the bound of a period
# or a deadline, not when the event happened.
_BOUND = r"\b(since|until|till|through|throughout|by)\s+(the\s+(end|start|beginning|middle)(\s+of)?\s+)?"
_BOUND_BEFORE = re.compile(_BOUND + "$", re.IGNORECASE)
_BOUND_START = re.compile(_BOUND, re.IGNORECASE)  # the expression itself begins so ("since 1969")
# "since Russia launched its brutal, unprovoked invasion on February 24": a date inside a
# since-clause bounds a period too, unless a new clause starts in between (", the two sides met on").
_SINCE_CLAUSE = re.compile(r"\b(since|until)\b(?P<clause>[^;:.]{0,120})$", re.IGNORECASE)
_CLAUSE_START = re.compile(r",\s+(I|we|he|she|it|they|the|this|that|these|those)\b", re.IGNORECASE)
# "held meetings of the groups, which were established in September 2021": a date in a relative
# clause on another noun dates that noun. Right after the trigger ("talks, which began on Monday")
# the clause is about the event itself.
_RELATIVE_CLAUSE = re.compile(
    r"^(?P<head>.*?)\b(which|who|whom|whose)\b|^(?P<head2>.*?)(,\s*that\b|\bthat\s+(was|were|had|has|is)\b)",
    re.IGNORECASE | re.DOTALL,
)


# "reaffirmed the vision that was laid out in September 2021 and discussed ...": a date ahead of the
# trigger, at the end of a relative clause, dates that clause's verb.
_RELATIVE_CLAUSE_BEFORE = re.compile(
    r"\b(that|which|who)\s+((was|were|is|are|has been|have been|had been|had|has)\s+)?"
    r"\w+(\s+\w+)?\s+(in|on|at|during)\s+$",
    re.IGNORECASE,
)


def _in_relative_clause_before(text: str, sentence_begin: int, date_begin: int, trigger_begin: int) -> bool:
    if date_begin > trigger_begin:
        return False
    return bool(_RELATIVE_CLAUSE_BEFORE.search(text[max(sentence_begin, date_begin - 60) : date_begin]))


# "The European Union has delisted Arkady Volozh, it said on Thursday": the present perfect takes no
# past day or week ("*has delisted on Thursday"), only a period reaching now ("has today imposed").
_PERFECT_BEFORE = re.compile(r"\b(?:has|have)\s+(?:(?:already|now|also|just|recently|not|never)\s+)?$", re.IGNORECASE)
_PERIOD_UNTIL_NOW = re.compile(r"(?:today|this|these)\b", re.IGNORECASE)


def _present_perfect(text: str, sentence_begin: int, trigger_begin: int) -> bool:
    return bool(_PERFECT_BEFORE.search(text[max(sentence_begin, trigger_begin - 25) : trigger_begin]))


# "was negotiated for months and finally signed ... on 14 July, 2015": the trigger lasted a period;
# the day after the next verb of the sentence is that verb's.
_LASTED_THEN_AND = re.compile(
    r"^\s+for\s+(?:(?:a|two|three|four|five|several|many|some|\d+)\s+)?(?:hours|days|weeks|months|years|decades)\b"
    r"[^.;]*?\band\b",
    re.IGNORECASE,
)


def _lasted_then_another_verb(between: str) -> bool:
    return bool(_LASTED_THEN_AND.match(between))


# A clause set off by dashes or brackets, with a verb of its own ("-- this number is an estimate
# from the U.S. Treasury Department --"), comments on the sentence: who it names is no party to
# an event outside it. Participial asides ("-- imposed by the U.S. and the EU --") stay.
_ASIDE = re.compile(r"\s(?:--|—|–)\s(?P<a>[^—–]+?)\s(?:--|—|–)\s|\((?P<b>[^()]+)\)")
_FINITE_VERB = re.compile(r"\b(is|are|was|were|has|have|had|will|would|says|said)\b", re.IGNORECASE)


def _clause_asides(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for m in _ASIDE.finditer(text, begin, end):
        group = "a" if m.group("a") is not None else "b"
        if _FINITE_VERB.search(m.group(group)):
            spans.append((m.start(group), m.end(group)))
    return spans


_WORD = re.compile(r"\w+")


def _in_relative_clause_on_another_noun(between: str) -> bool:
    found = _RELATIVE_CLAUSE.search(between)
    if found is None:
        return False
    head = found.group("head") if found.group("head") is not None else found.group("head2")
    return len(_WORD.findall(head)) >= 3


# "Since that deal was implemented and $1.7 billion was released to Iran, it has obtained ...":
# an amount in a fronted adverbial clause belongs to that clause, not to the main clause's event.
_FRONTED_CLAUSE = re.compile(
    r"\W*(since|after|when|while|although|though|because|once|before|until|if|as)\b[^,;]*,", re.IGNORECASE
)


def _is_period_bound(text: str, date_begin: int, sentence_begin: int) -> bool:
    if _BOUND_BEFORE.search(text[max(sentence_begin, date_begin - 40) : date_begin]):
        return True
    if _BOUND_START.match(text, date_begin):
        return True
    since = _SINCE_CLAUSE.search(text[sentence_begin:date_begin])
    return since is not None and not _CLAUSE_START.search(since.group("clause"))


# "WASHINGTON, July 7 - ...", "SAN DIEGO, March 14 (Reuters) - ...", "BEIJING (AP) — Monday, Aug. 28,
# 2023": the dateline's date is the publication date, not the date of what the sentence reports.
_DATELINE_HEAD = re.compile(
    r"^[\s\"“]*[A-Z][A-Z.'’ -]*[A-Z](?:,\s*[A-Z][A-Za-z.]+)?\s*(?:\([A-Za-z ]+\)\s*)?[,—–-]?\s*"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s*)?$"
)
_DATELINE_TAIL = re.compile(r"^\s*(?:\([A-Za-z ]+\)\s*)?(?:[—–-]|$)")


# "Takaichi said on Tuesday she had spoken with Li Qiang over the weekend": the day after "said"
# dates the statement; another date in the sentence is the better one for the event.
_STATEMENT_BEFORE = re.compile(r"\b(?:said|says|told\s+(?:\w+\s+){0,3}?|stated)\s*(?:on\s+)?$", re.IGNORECASE)


def _dates_a_statement(text: str, sentence_begin: int, date_begin: int) -> bool:
    return bool(_STATEMENT_BEFORE.search(text[max(sentence_begin, date_begin - 40) : date_begin]))


def _in_dateline(text: str, sentence_begin: int, sentence_end: int, date: TextSpan) -> bool:
    return bool(
        _DATELINE_HEAD.match(text[sentence_begin : date.begin]) and _DATELINE_TAIL.match(text[date.end : sentence_end])
    )


# "opened a two-day summit on Friday", "ended a three-day visit on Sunday": a span of days.
_DAYS_COUNT = r"two|three|four|five|[2-5]"
_N_DAYS = re.compile(rf"\b({_DAYS_COUNT})-day\b", re.IGNORECASE)
_ENDS = re.compile(
    r"\b(ended|ends|wrapped up|wraps up|closed|closes|closing|concluded|concludes|at the (?:close|end) of)\b",
    re.IGNORECASE,
)
_STARTS = re.compile(
    r"\b(opened|opens|began|begins|started|starts|starting|arrive|arrived|arrives|kicked off|kicks off"
    rf"|for an? (?:{_DAYS_COUNT})-day)\b",
    re.IGNORECASE,
)


def _spread_over_days(sentence: str, date: TemporalExpression) -> TemporalExpression:
    """A meeting's day widened to the interval the sentence gives by its length and its start or end."""
    length = _N_DAYS.search(sentence)
    if date.granularity != DateGranularity.DAY or length is None:
        return date
    word = length.group(1).lower()
    extra = dt.timedelta(days=(NUMBER_WORDS.get(word) or int(word)) - 1)
    day = dt.date.fromisoformat(date.value)
    if _ENDS.search(sentence):
        first, last = day - extra, day
    elif _STARTS.search(sentence):
        first, last = day, day + extra
    else:
        return date
    return replace(date, value=f"{first.isoformat()}/{last.isoformat()}", granularity=DateGranularity.INTERVAL)


# "... approximately $2.98 billion of weapons. This will allow Ukraine to acquire ...": a sentence
# that opens by pointing back continues the one before, whose amounts it takes when it has none.
_ANAPHORIC_START = re.compile(r"[\s\"“]*(This|These|It|The (package|deal|agreement|sale|contract|tranche))\b")


def _in_fronted_clause(text: str, sentence_begin: int, amount_begin: int, trigger_begin: int) -> bool:
    clause = _FRONTED_CLAUSE.match(text, sentence_begin)
    return clause is not None and amount_begin < clause.end() <= trigger_begin


_TOTAL = re.compile(r"\b(total|totals|totaling|totalling|cumulative|overall|including)\b", re.IGNORECASE)


def _is_running_total(text: str, sentence_begin: int, amount_begin: int) -> bool:
    """'bring total U.S. military assistance to more than $7.32 billion': a sum of past events."""
    return bool(_TOTAL.search(text[max(sentence_begin, amount_begin - 60) : amount_begin]))


_BULLETS = re.compile(r"^[ \t]*[-•*–][ \t]+.*$", re.MULTILINE)
# The side a bulleted list under a trigger names: sanctions list their targets.
_LISTED_ROLE = {"SANCTION": "TARGET", "MEETING": "PARTICIPANT", "AGREEMENT": "PARTY"}


def _in_url(text: str, trig: SpanPrediction) -> bool:
    """A trigger word inside a link ("wp-content/uploads") is no evidence of an event."""
    begin = max(text.rfind(" ", 0, trig.begin), text.rfind("\n", 0, trig.begin)) + 1
    ends = [i for i in (text.find(" ", trig.end), text.find("\n", trig.end)) if i >= 0]
    chunk = text[begin : min(ends) if ends else len(text)]
    return "/" in chunk or "www." in chunk


# A reporter's or editor's name ("By Lesley Wroughton", "Reporting by ...; Editing by ...") is
# never a party to the news it credits.
_CREDIT_BEFORE = re.compile(r"(?:^|\n)[ \t]*By\s+$|\b(?:[Rr]eporting|[Ee]diting|[Ww]riting) by\b[^.;\n]*$")


def _is_credit(text: str, begin: int) -> bool:
    return bool(_CREDIT_BEFORE.search(text, max(0, begin - 80), begin))


@dataclass
class _Mention:
    """One trigger with what its sentence says about the event."""

    type: str
    trigger: TextSpan
    sentence: TextSpan
    confidence: float
    modality: str
    action: str
    roles: list[tuple[str, int, TextSpan, float]] = field(default_factory=list)  # role, cluster, mention, conf
    # roles of entities in the sentence before: used only for a role the event's own sentences lack
    context_roles: list[tuple[str, int, TextSpan, float]] = field(default_factory=list)
    date: TemporalExpression | None = None
    amounts: list[MoneyAmount] = field(default_factory=list)
    location: Place | None = None
    items: list[TextSpan] = field(default_factory=list)
    headline: bool = False
    anaphoric: bool = False  # "the gathering", "The agreement was reached": an event named before

    def clusters(self) -> set[int]:
        return {c for _, c, _, _ in self.roles}


def _span(text: str, begin: int, end: int) -> TextSpan:
    return TextSpan(text[begin:end], begin, end)


class Assembler:
    def __init__(
        self, text: str, sentences: list[tuple[int, int]], prediction: DocumentPrediction, reference: dt.date | None
    ) -> None:
        self.text = text
        self.sentences = sentences
        self.prediction = prediction
        self.reference = reference
        self.resolver = EntityResolver(text)
        self.items = [(a.begin, a.end) for a in prediction.aux if a.label == "ITEM"]
        self.entity_cluster = [self._cluster(e) for e in prediction.entities]
        self.roles_by_trigger: dict[int, list[RolePrediction]] = {}
        for role in prediction.roles:
            self.roles_by_trigger.setdefault(role.trigger, []).append(role)
        self.amounts_by_sentence: dict[int, list[MoneyAmount]] = {}
        self._date_cache: dict[tuple[int, bool], list[TemporalExpression]] = {}

    def _cluster(self, ent: SpanPrediction) -> int | None:
        """The entity's cluster, or None for a mention that can be no participant (a byline, a
        weapon the item tagger also marks: "HIMARS")."""
        cluster = self.resolver.add(_span(self.text, ent.begin, ent.end), ent.label)
        is_item = any(b < ent.end and ent.begin < e for b, e in self.items)
        return None if is_item or _is_credit(self.text, ent.begin) else cluster

    def events(self) -> tuple[list[Event], list[Entity]]:
        mentions = [self._mention(i, t) for i, t in enumerate(self.prediction.triggers) if not _in_url(self.text, t)]
        _verbs_of_definite_mentions(self.text, mentions)
        folded = _fold_headlines(self._merge(mentions))
        groups = [g for g in folded if _names_weapons(g) and _supported(g)]
        _length_from_other_mentions(groups)
        _date_by_meetings(groups)
        _date_by_readout(groups)
        entities = self.resolver.entities()
        events = [replace(self._event("", group, entities), id=f"ev{n + 1}") for n, group in enumerate(groups)]
        used = {p.entity_id for ev in events for p in event_participants(ev)}
        return events, [e for e in entities if e.id in used]

    def _mention(self, index: int, trig: SpanPrediction) -> _Mention:
        s_index = sentence_index(self.sentences, trig.begin)
        s_begin, s_end = self.sentences[s_index]
        mention = _Mention(
            trig.label,
            _span(self.text, trig.begin, trig.end),
            _span(self.text, s_begin, s_end),
            trig.confidence,
            self.prediction.modality[index],
            self.prediction.action[index],
        )
        asides = _clause_asides(self.text, s_begin, s_end)
        for role in self.roles_by_trigger.get(index, []):
            cluster = self.entity_cluster[role.entity]
            ent = self.prediction.entities[role.entity]
            aside = next(((b, e) for b, e in asides if b <= ent.begin < e), None)
            if aside is not None and not aside[0] <= trig.begin < aside[1]:
                continue  # "... -- this number is an estimate from the U.S. Treasury Department --"
            if cluster is not None:
                found = (role.role, cluster, _span(self.text, ent.begin, ent.end), role.confidence)
                (mention.context_roles if role.context else mention.roles).append(found)
        mention.anaphoric = _is_anaphoric(self.text, s_begin, trig)
        mention.headline = s_index == 0 and self.text[s_end : s_end + 2].strip(" \t\r").startswith("\n")
        mention.roles += self._listed_participants(trig.label, s_end)
        mention.date = self._date(s_index, trig, mention.modality == "PLANNED")
        if mention.date and trig.label == "MEETING":
            mention.date = _spread_over_days(mention.sentence.text, mention.date)
        if trig.label != "MEETING":  # money is a deal's, a sale's or a sanction's, never a meeting's
            mention.amounts = self._mention_amounts(s_index, trig)
        self._aux(mention, s_begin, s_end)
        return mention

    def _listed_participants(self, event_type: str, sentence_end: int) -> list[tuple[str, int, TextSpan, float]]:
        """Participants listed in bullets under a sentence that ends with a colon (fact sheets:
        "Full blocking sanctions on ...:" then "- Nikolai Tokarev (...)"): the first entity of each."""
        role = _LISTED_ROLE.get(event_type)
        if role is None or self.text[sentence_end - 1 : sentence_end] != ":":
            return []
        found = []
        for line in _BULLETS.finditer(self.text, sentence_end):
            if line.start() > sentence_end + 1 and self.text[sentence_end : line.start()].strip():
                break
            for ent, cluster in zip(self.prediction.entities, self.entity_cluster, strict=True):
                if cluster is not None and line.start() <= ent.begin < line.end():
                    found.append((role, cluster, _span(self.text, ent.begin, ent.end), ent.confidence))
                    break
            sentence_end = line.end()
        return found

    def _date(self, s_index: int, trig: SpanPrediction, future: bool) -> TemporalExpression | None:
        key = (s_index, future)
        begin, end = self.sentences[s_index]
        if key not in self._date_cache:
            sentence = self.text[begin:end]
            stamp = find_tweet_stamp(sentence)
            reference = dt.date.fromisoformat(stamp.value) if stamp else self.reference
            self._date_cache[key] = [
                TemporalExpression(
                    _span(self.text, begin + d.begin, begin + d.end), d.value, DateGranularity(d.granularity.value)
                )
                for d in find_dates(sentence, reference, context_future=future)
                if not (stamp and d.begin < stamp.end and stamp.begin < d.end)
            ]
        perfect = _present_perfect(self.text, begin, trig.begin)
        candidates = [
            d
            for d in self._date_cache[key]
            if not _is_period_bound(self.text, d.span.begin, begin)
            and not _in_relative_clause_on_another_noun(self.text[trig.end : d.span.begin])
            and not _in_relative_clause_before(self.text, begin, d.span.begin, trig.begin)
            and not _lasted_then_another_verb(self.text[trig.end : d.span.begin])
            and not _in_dateline(self.text, begin, end, d.span)
            and not (perfect and not _PERIOD_UNTIL_NOW.match(d.span.text))
        ]
        if not candidates:
            return None
        return min(
            candidates,
            key=lambda d: (_dates_a_statement(self.text, begin, d.span.begin), abs(d.span.begin - trig.begin)),
        )

    def _mention_amounts(self, s_index: int, trig: SpanPrediction) -> list[MoneyAmount]:
        s_begin = self.sentences[s_index][0]
        amounts = [
            a for a in self._amounts(s_index) if not _in_fronted_clause(self.text, s_begin, a.span.begin, trig.begin)
        ]
        if not amounts and s_index > 0 and _ANAPHORIC_START.match(self.text, s_begin):
            return self._amounts(s_index - 1)
        return amounts

    def _amounts(self, s_index: int) -> list[MoneyAmount]:
        if s_index not in self.amounts_by_sentence:
            begin, end = self.sentences[s_index]
            self.amounts_by_sentence[s_index] = [
                MoneyAmount(_span(self.text, begin + a.begin, begin + a.end), a.value, a.currency, a.low)
                for a in find_amounts(self.text[begin:end])
                if not _is_running_total(self.text, begin, begin + a.begin)
            ]
        return self.amounts_by_sentence[s_index]

    def _aux(self, mention: _Mention, s_begin: int, s_end: int) -> None:
        for aux in self.prediction.aux:
            if s_begin <= aux.begin < s_end:
                span = _span(self.text, aux.begin, aux.end)
                if aux.label == "ITEM":
                    mention.items.append(span)
                elif mention.location is None:
                    mention.location = Place(span.text, span, country_code(span.text) or "")

    def _merge(self, mentions: list[_Mention]) -> list[list[_Mention]]:
        """Mentions of one occurrence: same type, overlapping participants, no clashing date."""
        groups: list[list[_Mention]] = []
        for m in mentions:
            target = None
            for group in reversed(groups):
                if group[0].type == m.type and _compatible(group, m):
                    target = group
                    break
            if target is None:
                groups.append([m])
            else:
                target.append(m)
        return groups

    def _event(self, event_id: str, group: list[_Mention], entities: list[Entity]) -> Event:
        first = group[0]
        participants: dict[tuple[str, int], Participant] = {}

        def keep_best(role: str, cluster: int, span: TextSpan, conf: float) -> None:
            key = (role, cluster)
            if key not in participants or participants[key].confidence < conf:
                participants[key] = self._participant(entities[cluster], span, conf)

        for m in group:
            for found in m.roles:
                keep_best(*found)
        present = {role for role, _ in participants}
        for m in group:
            for found in m.context_roles:
                if found[0] not in present:
                    keep_best(*found)
        by_role: dict[str, list[Participant]] = {}
        for (role, _), p in participants.items():
            by_role.setdefault(role, []).append(p)
        date = _group_date(group)
        location = next((m.location for m in group if m.location), None)
        amounts = _unique_amounts([a for m in group for a in m.amounts])
        return Event(
            id=event_id,
            type=EventType(first.type),
            confidence=max(m.confidence for m in group),
            trigger=first.trigger,
            mentions=tuple(EventMention(m.trigger, m.sentence) for m in group),
            modality=Modality(first.modality),
            details=_details(first, group, by_role),
            date=date,
            location=location,
            amounts=tuple(amounts),
        )

    def _participant(self, entity: Entity, span: TextSpan, confidence: float) -> Participant:
        title = self.resolver.title(span) if entity.type.value == "PERSON" else ""
        return Participant(entity.id, entity.name, entity.type, entity.country_code, title, span, confidence)


# "hosted the three-day gathering", "The agreement was reached at": a definite noun with nothing
# after it that says which one refers back to the event of its type last reported.
_DEFINITE = r"(?:the|this|that)\s+(?:(?:two|three|four|five|\d+)-day\s+)?"
_DEFINITE_BEFORE = re.compile(rf"\b{_DEFINITE}$", re.IGNORECASE)
_SAYS_WHICH = re.compile(r"\s+(?:with|between|among|of)\b|[-\w]", re.IGNORECASE)


def _is_anaphoric(text: str, sentence_begin: int, trig: SpanPrediction) -> bool:
    before = text[max(sentence_begin, trig.begin - 30) : trig.begin]
    return bool(_DEFINITE_BEFORE.search(before)) and not _SAYS_WHICH.match(text, trig.end)


_VERB_TO_DEFINITE = re.compile(rf"\s*{_DEFINITE}", re.IGNORECASE)


def _verbs_of_definite_mentions(text: str, mentions: list[_Mention]) -> None:
    """A trigger whose object is a definite mention ("Modi, hosting the gathering, ...") reports the
    event that mention refers back to, so it refers back too."""
    for verb, noun in itertools.pairwise(mentions):
        if not noun.anaphoric or verb.type != noun.type or verb.sentence != noun.sentence:
            continue
        if _VERB_TO_DEFINITE.fullmatch(text, verb.trigger.end, noun.trigger.begin):
            verb.anaphoric = True


def _compatible(group: list[_Mention], m: _Mention) -> bool:
    mine = m.clusters()
    theirs = set().union(*(g.clusters() for g in group))
    dates = {g.date.value for g in group if g.date}
    if m.date and dates and m.date.value not in dates:
        return False  # "met on December 9 and ... met on December 14": two meetings, even in one sentence
    last = group[-1]
    if last.sentence == m.sentence and (not mine or not theirs or mine & theirs):
        return True  # one sentence rarely reports two events of one type with shared parties
    if m.type == "SANCTION" and group[0].action != m.action:
        return False
    if _agrees_anew(m) and any(_agrees_anew(g) and not g.headline and g.sentence != m.sentence for g in group):
        return False  # "They agreed to A." ... "They also agreed to B.": two agreements
    if m.anaphoric:
        return not _agents_clash(group, [m])
    if not mine or not theirs:  # a mention naming no one ("the sanctions") joins its close neighbour
        return abs(group[-1].sentence.begin - m.sentence.begin) < 600
    if m.type in _AGENT_ROLE:
        return _same_directed_event(group, m)
    shared = len(mine & theirs)
    return shared >= min(2, len(mine), len(theirs))


# "agreed", "agreeing", "committed", "resolved", "pledged": each sentence saying so reports an
# agreement of its own (ANNOTATION.md: one event per agreement), where a noun ("the deal") may
# name one reported before.
_AGREEING_VERB = re.compile(
    r"agree(?:s|d|ing)?|commit(?:s|ted|ting)?|resolv(?:e|es|ed|ing)|pledg(?:e|es|ed|ing)", re.IGNORECASE
)


def _agrees_anew(m: _Mention) -> bool:
    return m.type == "AGREEMENT" and not m.anaphoric and _AGREEING_VERB.fullmatch(m.trigger.text) is not None


# Directed events: who acts (imposer, seller) tells two occurrences apart; the other side may be
# listed piecemeal ("The sanctions target leaders ... " after "Iran Sanctions").
_AGENT_ROLE = {"SANCTION": "IMPOSER", "ARMS_SALE": "SELLER"}


def _same_directed_event(group: list[_Mention], m: _Mention) -> bool:
    def by_role(mentions: list[_Mention]) -> dict[str, set[int]]:
        roles: dict[str, set[int]] = {}
        for mention in mentions:
            for role, cluster, _, _ in mention.roles:
                roles.setdefault(role, set()).add(cluster)
        return roles

    if _agents_clash(group, [m]):
        return False
    mine, theirs = by_role([m]), by_role(group)
    return any(mine[role] & theirs.get(role, set()) for role in mine)


def _fold_headlines(groups: list[list[_Mention]]) -> list[list[_Mention]]:
    """A headline announces the article's main event: its mentions join the first body event of
    their type, however far away, unless they name a different imposer or seller. A group that the
    headline merely leads (headline plus body mentions) stays as it is: joining it to the first
    dated body event of its type lost more than it gained on releases annotated blind for the
    purpose (data/heldout/, `python -m training.rule_check`)."""
    kept: list[list[_Mention]] = []
    for group in groups:
        body = _announced_body_event(group, groups)
        if body is not None and not _agents_clash(body, group):
            body[:0] = group
            continue
        kept.append(group)
    return kept


def _announced_body_event(group: list[_Mention], groups: list[list[_Mention]]) -> list[_Mention] | None:
    if not all(m.headline for m in group):
        return None
    return next((g for g in groups if g is not group and g[0].type == group[0].type), None)


def _agents_clash(group: list[_Mention], other: list[_Mention]) -> bool:
    """Both name who acts (imposer, seller) and no one in common: two occurrences."""
    agent = _AGENT_ROLE.get(group[0].type)
    if agent is None:
        return False
    ours = {c for m in group for r, c, _, _ in m.roles if r == agent}
    theirs = {c for m in other for r, c, _, _ in m.roles if r == agent}
    return bool(ours and theirs and not ours & theirs)


# A trigger whose event names no participant in its own sentences ("Withdrawal of Foreign Forces",
# "signed on to the letter") is kept only when the network is fairly sure of it.
MIN_CONFIDENCE_WITHOUT_PARTICIPANTS = 0.5


_DURING = re.compile(r"\b(?:during|at|in|on the (?:sidelines|margins) of)\s+(?:\S+\s+){0,6}$", re.IGNORECASE)


def _length_from_other_mentions(groups: list[list[_Mention]]) -> None:
    """A meeting's day becomes an interval when another of its sentences gives the length and its own
    the end or start ("wrapped up their summit on Sunday" ... "hosted the three-day gathering")."""
    for group in groups:
        if group[0].type != "MEETING":
            continue
        lengths = [_N_DAYS.search(m.sentence.text) for m in group]
        given = next((found.group(0) for found in lengths if found), None)
        for m, length in zip(group, lengths, strict=True):
            if given and not length and m.date and m.date.granularity == DateGranularity.DAY:
                m.date = _spread_over_days(f"{m.sentence.text} {given}", m.date)


def _date_by_meetings(groups: list[list[_Mention]]) -> None:
    """An undated event takes the date of the meeting it happened at, and an undated meeting the
    date of what happened at it, when a sentence of both says so ("During the meeting, they agreed
    ...", "The agreement was reached at a meeting in Damascus", the other event dated elsewhere):
    ANNOTATION.md's "a sentence tying it to a dated event". Set on the undated group's first mention."""
    dated = [g for g in groups if _group_date(g)]
    for group in groups:
        if _group_date(group):
            continue
        is_meeting = group[0].type == "MEETING"
        for other in dated:
            if (other[0].type == "MEETING") == is_meeting:
                continue
            meeting, event = (group, other) if is_meeting else (other, group)
            sentences = {m.sentence.begin for m in event}
            if any(m.sentence.begin in sentences and _held_at(m) for m in meeting):
                group[0].date = _group_date(other)
                break


_AGREEING_OR_SIGNING = re.compile(rf"{_AGREEING_VERB.pattern}|sign(?:s|ed|ing)?", re.IGNORECASE)
# "They", "The two presidents", "Both sides": a sentence that opens with the people of a meeting.
_MEETING_AS_SUBJECT = re.compile(
    r"[\s\"“]*(?:They|Both (?:leaders|sides|men|presidents|ministers|countries)"
    r"|The (?:\w+\s+){0,2}"
    r"(?:leaders|presidents|prime ministers|ministers|sides|delegations|counterparts|officials|parties))\b",
    re.IGNORECASE,
)


def _date_by_readout(groups: list[list[_Mention]]) -> None:
    """An undated agreement told as what the people of a meeting just reported agreed or signed
    ("President Biden spoke today with President Putin. ... They also agreed to explore ...",
    "Rouhani and Hollande agreed to ...") takes that meeting's date: the sentence ties it to the
    meeting (ANNOTATION.md). The meeting is the nearest one told before, and asserted."""
    meetings = [g for g in groups if g[0].type == "MEETING"]
    for group in groups:
        if group[0].type != "AGREEMENT" or _group_date(group):
            continue
        for mention in group:
            if mention.headline or not _AGREEING_OR_SIGNING.fullmatch(mention.trigger.text):
                continue
            meeting = _meeting_told_before(meetings, mention)
            if meeting is not None and _told_as_done_there(mention, meeting):
                group[0].date = _group_date(meeting)
                break


def _meeting_told_before(meetings: list[list[_Mention]], mention: _Mention) -> list[_Mention] | None:
    """The meeting last mentioned before the mention's sentence, when it is dated to the day and
    asserted. Meetings dated only to a week, month or year are passed over: "welcomed Italy's
    leadership of the G20 this year" says on no day what was agreed."""

    def last_before(group: list[_Mention]) -> int:
        return max((m.trigger.begin for m in group if m.trigger.begin < mention.sentence.begin), default=-1)

    candidates = [g for g in meetings if _dated_to_the_day(g) or not _group_date(g)]
    nearest = max(candidates, key=last_before, default=None)
    if nearest is None or last_before(nearest) < 0:
        return None
    return nearest if _dated_to_the_day(nearest) and nearest[0].modality != "PLANNED" else None


def _group_date(group: list[_Mention]) -> TemporalExpression | None:
    """An event's date: that of its first dated mention."""
    return next((m.date for m in group if m.date), None)


def _dated_to_the_day(group: list[_Mention]) -> bool:
    date = _group_date(group)
    return date is not None and date.granularity in (DateGranularity.DAY, DateGranularity.INTERVAL)


def _told_as_done_there(mention: _Mention, meeting: list[_Mention]) -> bool:
    """Whether the agreeing or signing mention tells what was done at the meeting: its people as the
    subject ("They agreed", "The two leaders signed") or parties who were all at the meeting."""
    if _MEETING_AS_SUBJECT.match(mention.sentence.text):
        return True
    parties = mention.clusters()
    return len(parties) >= 2 and parties <= {c for m in meeting for c in m.clusters()}


def _held_at(meeting: _Mention) -> bool:
    """Whether the meeting's trigger is introduced as where something happened ("during the meeting")."""
    before = meeting.sentence.text[: meeting.trigger.begin - meeting.sentence.begin]
    return bool(_DURING.search(before))


def _supported(group: list[_Mention]) -> bool:
    return any(m.roles for m in group) or max(m.confidence for m in group) >= MIN_CONFIDENCE_WITHOUT_PARTICIPANTS


def _names_weapons(group: list[_Mention]) -> bool:
    """An arms sale whose sentences name no weapon or military item (the model's item tagger)
    is a company takeover or a purchase of something else ("Google buys ...", "will deliver them")."""
    return group[0].type != "ARMS_SALE" or any(m.items for m in group)


def _unique_amounts(amounts: list[MoneyAmount]) -> list[MoneyAmount]:
    seen, out = set(), []
    for a in amounts:
        key = (a.currency_code, round(a.value))
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _details(first: _Mention, group: list[_Mention], by_role: dict[str, list[Participant]]):  # type: ignore[no-untyped-def]
    roles = {k: tuple(v) for k, v in by_role.items()}
    if first.type == "MEETING":
        return Meeting(roles.get("PARTICIPANT", ()))
    if first.type == "SANCTION":
        action = (
            SanctionAction(first.action) if first.action in ("IMPOSE", "LIFT", "THREATEN") else SanctionAction.IMPOSE
        )
        return Sanction(roles.get("IMPOSER", ()), roles.get("TARGET", ()), action, first.trigger.text)
    if first.type == "ARMS_SALE":
        items = {(s.begin, s.end): s for m in group for s in m.items}
        return ArmsSale(roles.get("SELLER", ()), roles.get("BUYER", ()), tuple(items.values()))
    return Agreement(roles.get("PARTY", ()), "")


def event_participants(event: Event) -> list[Participant]:
    d = event.details
    if isinstance(d, Meeting):
        return list(d.participants)
    if isinstance(d, Sanction):
        return [*d.imposers, *d.targets]
    if isinstance(d, ArmsSale):
        return [*d.sellers, *d.buyers]
    return list(d.parties)
