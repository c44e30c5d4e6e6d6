"""Group entity mentions into document entities with one canonical name, type and country."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsevents_service.normalize.countries import country_code, country_name, demonym_country

from .types import Entity, EntityType, TextSpan

# Words that precede a name as its title ("U.S. Commerce Secretary Gina Raimondo").
_AFFILIATION_WORDS = set("u.s. us u.k. eu u.n. un nato chinese russian american british".split())
_TITLE_WORDS = _AFFILIATION_WORDS | set(
    """president vice prime minister secretary foreign defense defence commerce trade finance treasury
    state chancellor king queen prince crown emir sheikh general gen. admiral ambassador envoy special
    deputy senator sen. rep. representative governor mayor chief leader premier spokesman spokeswoman
    spokesperson director chairman chairwoman chair head national security adviser advisor counselor
    undersecretary under assistant attorney supreme first lady pope mr. ms. mrs. dr. economy energy
    interior home external affairs economic taoiseach commissioner high top diplomat policy
    representative minister-president""".split()
)


@dataclass
class EntityCluster:
    type: str
    key: str
    mentions: list[TextSpan] = field(default_factory=list)
    country: str = ""

    @property
    def name(self) -> str:
        if self.type == "COUNTRY" and self.country:
            return country_name(self.country)
        names = [bare_name(m.text) or m.text for m in self.mentions]
        return max(names, key=lambda t: (len(t.split()), len(t)))


_SUFFIXES = {"jr", "sr", "ii", "iii"}
_SHORT_NON_NAMES = {"mr", "ms", "dr", "st", "mt", "no", "of", "to", "in", "on", "at"}


_PARTICLE_NAME = re.compile(r"^[a-z]{1,3}['’-][A-Z]")  # "al-Sisi", "d'Estaing"


def bare_name(text: str) -> str:
    """The name without leading titles or trailing lower-case words ("President Lopez Obrador of")."""
    words = text.split()
    while words and words[0].lower().strip(",") in _TITLE_WORDS and not _lone_acronym(words):
        words.pop(0)
    while words and not words[-1][:1].isupper() and not words[-1][:1].isdigit() and not _PARTICLE_NAME.match(words[-1]):
        words.pop()
    return " ".join(words)


def _lone_acronym(words: list[str]) -> bool:
    """ "EU", "UN", "NATO" head titles ("EU foreign policy chief") but alone they are the name."""
    return len(words) == 1 and words[0].isupper() and len(words[0]) >= 2


_TOKEN = re.compile(r"[\w'’-]+")


def _key_tokens(text: str) -> list[str]:
    return _TOKEN.findall(bare_name(text).lower())


def _is_noise(text: str, tokens: list[str], kind: str) -> bool:
    """A stray word piece or a bare title ("President", "Jr", "k") is not an entity mention; a
    two-letter surname ("Xi", "Li") is."""
    if not tokens:
        return True
    acronym = sum(ch.isupper() for ch in text) >= 2
    surname = (
        kind == "PERSON"
        and text.strip().istitle()
        and len(tokens[0]) == 2
        and tokens[0] not in _SHORT_NON_NAMES | _SUFFIXES
    )
    return len(tokens) == 1 and (len(tokens[0]) <= 2 or tokens[0] in _SUFFIXES) and not acronym and not surname


class EntityResolver:
    """Clusters mentions of one document; `add` returns the cluster index of a mention, or None."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.clusters: list[EntityCluster] = []

    def add(self, span: TextSpan, kind: str) -> int | None:
        code = country_code(span.text) if kind in ("COUNTRY", "ORGANIZATION") else None
        if kind == "COUNTRY" and not code and len(span.text.split()) == 1:
            code = demonym_country(span.text)  # "Australian" is Australia's mention, not a second entity
        if code and kind == "ORGANIZATION" and not _is_government_alias(span.text):
            code = None
        if code:
            kind = "COUNTRY"
        tokens = _key_tokens(span.text)
        if not code and _is_noise(span.text, tokens, kind):
            return None
        key = code or " ".join(tokens)
        index = self._find(kind, key)
        if index is None:
            # a place the country list does not know ("d'Ivoire") is not named after a neighbouring demonym
            country = code or (self._context_country(span) if kind != "COUNTRY" else None)
            self.clusters.append(EntityCluster(kind, key, [], country or ""))
            index = len(self.clusters) - 1
        self.clusters[index].mentions.append(span)
        return index

    def _find(self, kind: str, key: str) -> int | None:
        for i, c in enumerate(self.clusters):
            if c.type == kind and c.key == key:
                return i
        if kind != "PERSON":
            return None
        words = [w for w in key.split() if w not in _SUFFIXES and len(w) > 1]
        for i, c in enumerate(self.clusters):
            other = [w for w in c.key.split() if w not in _SUFFIXES and len(w) > 1]
            if c.type != "PERSON" or not words or not other:
                continue
            if len(words) == 1 and words[0] in other:
                return i
            if len(other) == 1 and other[0] in words:
                c.key = key
                return i
            if words[-1] == other[-1] and words[0][0] == other[0][0]:
                return i
        return None

    def _context_country(self, span: TextSpan) -> str | None:
        before = self.text[max(0, span.begin - 40) : span.begin]
        return demonym_country(before) or demonym_country(span.text)

    def title(self, span: TextSpan) -> str:
        """Title words right before a person's mention ("Commerce Secretary"), or leading it when the
        tagger took them into the mention ("Prime Minister Draghi")."""
        name = bare_name(span.text)
        if name and span.text.endswith(name) and span.text != name:
            words = span.text[: len(span.text) - len(name)].split()
        else:
            words = []
            for word in reversed(self.text[max(0, span.begin - 60) : span.begin].split()):
                if word.lower().strip(",") not in _TITLE_WORDS or word.endswith(","):
                    break
                words.insert(0, word)
        while words and words[0].lower() in _AFFILIATION_WORDS - {"nato"}:
            words.pop(0)
        return " ".join(words)

    def entities(self) -> list[Entity]:
        return [
            Entity(f"e{i + 1}", c.name, EntityType(c.type), c.country, tuple(c.mentions))
            for i, c in enumerate(self.clusters)
        ]


def _is_government_alias(text: str) -> bool:
    return text.strip() in {"White House", "Kremlin", "the Kremlin", "Washington", "Beijing", "Moscow"}
