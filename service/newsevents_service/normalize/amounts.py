"""Money amounts: find "$500 million", "€1.2bn", "5 billion yuan", "Rs 1,000 crore" in text.

An amount needs a currency (symbol, code or word), so bare numbers and years are never amounts.
A range ("$2-3 billion") gives the upper bound as its value and the lower bound as `low`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest prefixes first so "US$" wins over "$".
_PREFIXES = {
    "US$": "USD",
    "U.S.$": "USD",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "NT$": "TWD",
    "R$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₪": "ILS",
    "Rs.": "INR",
    "Rs": "INR",
    "INR": "INR",
    "USD": "USD",
    "EUR": "EUR",
    "GBP": "GBP",
    "JPY": "JPY",
    "CNY": "CNY",
    "RMB": "CNY",
    "AUD": "AUD",
    "CAD": "CAD",
    "CHF": "CHF",
    "KRW": "KRW",
    "RUB": "RUB",
    "SAR": "SAR",
    "AED": "AED",
    "TWD": "TWD",
    "ILS": "ILS",
}
_SUFFIX_WORDS = {
    "dollars": "USD",
    "us dollars": "USD",
    "u.s. dollars": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "pounds": "GBP",
    "pounds sterling": "GBP",
    "sterling": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rupees": "INR",
    "roubles": "RUB",
    "rubles": "RUB",
    "won": "KRW",
    "shekels": "ILS",
    "riyals": "SAR",
    "dirhams": "AED",
    "swiss francs": "CHF",
    "francs": "CHF",
    "lira": "TRY",
    "rand": "ZAR",
    "australian dollars": "AUD",
    "canadian dollars": "CAD",
}
_SUFFIX_WORDS.update({code.lower(): code for code in set(_PREFIXES.values())})
_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "mln": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "bln": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "crore": 1e7,
    "crores": 1e7,
    "lakh": 1e5,
    "lakhs": 1e5,
}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = "|".join(sorted((re.escape(s) for s in _SCALES), key=len, reverse=True))
_PREFIX = "|".join(sorted((re.escape(p) for p in _PREFIXES), key=len, reverse=True))
_SUFFIX = "|".join(sorted((re.escape(s) for s in _SUFFIX_WORDS), key=len, reverse=True))
_QUANTITY = rf"(?P<low>{_NUM})(?:\s*(?:-|–|to)\s*(?P<high>{_NUM}))?(?:\s*(?P<scale>(?i:{_SCALE}))\b)?"

_PREFIXED = re.compile(rf"(?<![\w$])(?P<cur>{_PREFIX})\s?{_QUANTITY}")
_SUFFIXED = re.compile(rf"(?<![\w$.,]){_QUANTITY}\s+(?P<cur>{_SUFFIX})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    begin: int
    end: int
    value: float
    currency: str
    low: float = 0.0


def _number(raw: str) -> float:
    return float(raw.replace(",", ""))


def _amount(match: re.Match[str], currency: str) -> Amount:
    scale_word = (match.group("scale") or "").lower()
    scale = _SCALES.get(scale_word, 1.0)
    high_raw = match.group("high")
    value = _number(high_raw or match.group("low")) * scale
    low = _number(match.group("low")) * scale if high_raw else 0.0
    end = match.end("scale") if match.group("scale") else match.end()
    return Amount(match.start(), end, round(value, 2), currency, round(low, 2))


def find_amounts(text: str) -> list[Amount]:
    """Every money amount in `text`, in order, non-overlapping."""
    found: list[Amount] = []
    for m in _PREFIXED.finditer(text):
        found.append(_amount(m, _PREFIXES[m.group("cur")]))
    for m in _SUFFIXED.finditer(text):
        amount = _amount(m, _SUFFIX_WORDS[m.group("cur").lower()])
        found.append(Amount(amount.begin, m.end(), amount.value, amount.currency, amount.low))
    found.sort(key=lambda a: (a.begin, -a.end))
    result: list[Amount] = []
    for a in found:
        if not result or a.begin >= result[-1].end:
            result.append(a)
    return result
