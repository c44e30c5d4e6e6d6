"""Model-free rules on entity spans: fragments of one name joined, short surnames kept."""

from __future__ import annotations

import re

from newsevents_service.engine.entities import EntityResolver
from newsevents_service.engine.types import TextSpan
from newsevents_service.model.inference import SpanPrediction, join_fragments


def _tagged(text: str, pieces: list[tuple[str, str]]) -> tuple[list[tuple[int, int]], list[SpanPrediction]]:
    """Word-level offsets of `text` and one span per (piece, label), as the tagger would give them."""
    offsets = [m.span() for m in re.finditer(r"\w+|[^\w\s]", text)]
    spans = []
    for piece, label in pieces:
        begin = text.index(piece)
        end = begin + len(piece)
        first = next(i for i, (a, _) in enumerate(offsets) if a == begin)
        last = next(i for i, (_, b) in enumerate(offsets) if b == end)
        spans.append(SpanPrediction(begin, end, label, 0.9, first, last + 1))
    return offsets, spans


def _joined(text: str, pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    offsets, spans = _tagged(text, pieces)
    return [(text[s.begin : s.end], s.label) for s in join_fragments(text, offsets, spans)]


def test_pieces_of_one_name_are_joined_with_the_head_type() -> None:
    text = "Treasury designated Rhythm of Eurasia and United World International on Friday."
    pieces = [("Treasury", "ORGANIZATION"), ("Rhythm of", "ORGANIZATION"), ("Eurasia", "ORGANIZATION")]
    pieces += [("United", "COUNTRY"), ("World International", "ORGANIZATION")]
    assert _joined(text, pieces) == [
        ("Treasury", "ORGANIZATION"),
        ("Rhythm of Eurasia", "ORGANIZATION"),
        ("United World International", "ORGANIZATION"),
    ]


def test_name_ending_in_of_keeps_its_head_and_a_country_name_stays_a_country() -> None:
    text = "the Central Bank of Nicaragua and the Russian Federation"
    pieces = [("Central Bank of", "ORGANIZATION"), ("Nicaragua", "COUNTRY")]
    pieces += [("Russian", "COUNTRY"), ("Federation", "ORGANIZATION")]
    assert _joined(text, pieces) == [("Central Bank of Nicaragua", "ORGANIZATION"), ("Russian Federation", "COUNTRY")]


def test_a_span_starting_with_of_takes_the_capitalised_words_before_it_or_drops_the_connector() -> None:
    text = "the Organization of American States and the governments of Australia"
    pieces = [("of American", "COUNTRY"), ("States", "COUNTRY"), ("of Australia", "COUNTRY")]
    assert _joined(text, pieces) == [("Organization of American States", "ORGANIZATION"), ("Australia", "COUNTRY")]


def test_separate_names_stay_separate() -> None:
    text = "U.S. Treasury officials, President Lopez Obrador of Mexico, Law Enforcement Heidi Fulton, Moscow Russia"
    pieces = [("U.S.", "COUNTRY"), ("Treasury", "ORGANIZATION"), ("Lopez Obrador of", "PERSON"), ("Mexico", "COUNTRY")]
    pieces += [
        ("Law Enforcement", "ORGANIZATION"),
        ("Heidi Fulton", "PERSON"),
        ("Moscow", "COUNTRY"),
        ("Russia", "COUNTRY"),
    ]
    assert _joined(text, pieces) == [(p, label) for p, label in pieces]


def test_given_name_and_surname_tagged_apart_are_one_person() -> None:
    text = "sanctions on Alisher Usmanov"
    assert _joined(text, [("Alisher", "PERSON"), ("Usmanov", "COUNTRY")]) == [("Alisher Usmanov", "PERSON")]


def test_two_letter_surnames_are_entities_but_titles_and_suffixes_are_not() -> None:
    text = "Blinken met Xi and Mr Jr"
    resolver = EntityResolver(text)
    found = [resolver.add(TextSpan(w, text.index(w), text.index(w) + len(w)), "PERSON") for w in ("Xi", "Mr", "Jr")]
    assert found[0] is not None
    assert found[1:] == [None, None]


def test_a_demonym_tagged_as_a_country_is_that_country_not_a_second_entity() -> None:
    text = "Australia will bring the Australian capability into service."
    resolver = EntityResolver(text)
    clusters = [
        resolver.add(TextSpan(w, text.index(w), text.index(w) + len(w)), "COUNTRY") for w in ("Australia", "Australian")
    ]
    assert clusters[0] is not None and clusters[0] == clusters[1]
    assert [(e.name, e.country_code) for e in resolver.entities()] == [("Australia", "AUS")]


def test_title_inside_the_mention_is_the_title() -> None:
    text = "U.S. Commerce Secretary Gina Raimondo met Prime Minister Draghi. Commerce Secretary Raimondo left."
    resolver = EntityResolver(text)
    for phrase, title in [
        ("U.S. Commerce Secretary Gina Raimondo", "Commerce Secretary"),
        ("Prime Minister Draghi", "Prime Minister"),
        ("Raimondo", "Commerce Secretary"),
    ]:
        begin = text.index(phrase) if phrase != "Raimondo" else text.rindex(phrase)
        assert resolver.title(TextSpan(phrase, begin, begin + len(phrase))) == title


def test_arabic_name_particles_stay_in_the_name_and_a_sentence_stop_does_not() -> None:
    from newsevents_service.model.inference import _whole_words

    text = "Hayat Tahrir al-Sham leader Ahmed al-Sharaa met Macron. The U.S. agreed."
    offsets = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]  # word-piece-like tokens
    starts = [b for b, _ in offsets]
    first, end = _whole_words(text, offsets, 0, starts.index(text.index("al-Sham")) + 1)  # tagger stopped at "al"
    assert text[offsets[first][0] : offsets[end - 1][1]] == "Hayat Tahrir al-Sham"
    macron = starts.index(text.index("Macron"))
    first, end = _whole_words(text, offsets, macron, macron + 1)
    assert text[offsets[first][0] : offsets[end - 1][1]] == "Macron"
    us = starts.index(text.index("U.S."))
    first, end = _whole_words(text, offsets, us, us + 1)
    assert text[offsets[first][0] : offsets[end - 1][1]] == "U.S."
    resolver = EntityResolver(text)
    index = resolver.add(TextSpan("Ahmed al-Sharaa", 28, 43), "PERSON")
    assert resolver.entities()[index].name == "Ahmed al-Sharaa"


def test_an_unknown_place_is_not_named_after_a_demonym_nearby() -> None:
    text = "the Saudi-led coalition met in d'Ivoire"
    resolver = EntityResolver(text)
    index = resolver.add(TextSpan("d'Ivoire", text.index("d'Ivoire"), len(text)), "COUNTRY")
    assert index is not None and resolver.entities()[index].country_code == ""
