"""Country names, demonyms and capitals to ISO 3166-1 alpha-3, built once at import."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

# Common names the news uses where ISO's official short name differs.
_COMMON_NAMES = {
    "USA": "United States",
    "GBR": "United Kingdom",
    "RUS": "Russia",
    "CHN": "China",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "IRN": "Iran",
    "SYR": "Syria",
    "VEN": "Venezuela",
    "TWN": "Taiwan",
    "VNM": "Vietnam",
    "LAO": "Laos",
    "BOL": "Bolivia",
    "TZA": "Tanzania",
    "MDA": "Moldova",
    "CZE": "Czech Republic",
    "PSE": "Palestine",
    "COD": "Democratic Republic of the Congo",
    "COG": "Republic of the Congo",
    "TUR": "Turkey",
    "FSM": "Micronesia",
    "BRN": "Brunei",
}
_ALIASES = {
    "USA": [
        "U.S.",
        "US",
        "U.S.A.",
        "America",
        "United States of America",
        "the United States",
        "Washington",
        "White House",
    ],
    "GBR": ["U.K.", "UK", "Britain", "Great Britain", "London"],
    "RUS": ["Russian Federation", "Moscow", "Kremlin"],
    "CHN": ["People's Republic of China", "PRC", "Beijing", "Mainland China"],
    "KOR": ["Republic of Korea", "ROK", "Seoul"],
    "PRK": ["DPRK", "Pyongyang"],
    "IRN": ["Tehran", "Islamic Republic of Iran", "Islamic Republic", "the Islamic Republic"],
    "TWN": ["Taipei"],
    "JPN": ["Tokyo"],
    "IND": ["New Delhi"],
    "FRA": ["Paris"],
    "DEU": ["Berlin"],
    "UKR": ["Kyiv", "Kiev"],
    "ISR": ["Jerusalem"],
    "TUR": ["Ankara", "Türkiye", "Turkiye"],
    "SAU": ["Riyadh"],
    "PAK": ["Islamabad"],
    "AFG": ["Kabul"],
    "SYR": ["Damascus"],
    "CUB": ["Havana"],
    "VEN": ["Caracas"],
    "EGY": ["Cairo"],
    "IRQ": ["Baghdad"],
    "ITA": ["Rome"],
    "ESP": ["Madrid"],
    "CAN": ["Ottawa"],
    "AUS": ["Canberra"],
    "BLR": ["Minsk"],
    "POL": ["Warsaw"],
    "NIC": ["Managua"],
    "MMR": ["Burma", "Naypyidaw"],
    "CIV": ["Ivory Coast"],
    "CZE": ["Czechia", "Prague"],
    "NLD": ["The Netherlands", "Holland"],
}
_DEMONYMS = {
    "American": "USA",
    "U.S.": "USA",
    "British": "GBR",
    "Russian": "RUS",
    "Chinese": "CHN",
    "Japanese": "JPN",
    "Indian": "IND",
    "French": "FRA",
    "German": "DEU",
    "Ukrainian": "UKR",
    "Israeli": "ISR",
    "Iranian": "IRN",
    "Turkish": "TUR",
    "Saudi": "SAU",
    "Pakistani": "PAK",
    "Afghan": "AFG",
    "Syrian": "SYR",
    "Cuban": "CUB",
    "Venezuelan": "VEN",
    "Egyptian": "EGY",
    "Iraqi": "IRQ",
    "Italian": "ITA",
    "Spanish": "ESP",
    "Canadian": "CAN",
    "Australian": "AUS",
    "Belarusian": "BLR",
    "Polish": "POL",
    "Nicaraguan": "NIC",
    "Burmese": "MMR",
    "Korean": "KOR",
    "South Korean": "KOR",
    "North Korean": "PRK",
    "Taiwanese": "TWN",
    "Brazilian": "BRA",
    "Mexican": "MEX",
    "Argentine": "ARG",
    "Colombian": "COL",
    "Chilean": "CHL",
    "Peruvian": "PER",
    "Nigerian": "NGA",
    "Kenyan": "KEN",
    "Ethiopian": "ETH",
    "South African": "ZAF",
    "Sudanese": "SDN",
    "Libyan": "LBY",
    "Qatari": "QAT",
    "Emirati": "ARE",
    "Jordanian": "JOR",
    "Lebanese": "LBN",
    "Yemeni": "YEM",
    "Omani": "OMN",
    "Kuwaiti": "KWT",
    "Greek": "GRC",
    "Dutch": "NLD",
    "Belgian": "BEL",
    "Swedish": "SWE",
    "Norwegian": "NOR",
    "Finnish": "FIN",
    "Danish": "DNK",
    "Irish": "IRL",
    "Hungarian": "HUN",
    "Romanian": "ROU",
    "Czech": "CZE",
    "Serbian": "SRB",
    "Georgian": "GEO",
    "Armenian": "ARM",
    "Azerbaijani": "AZE",
    "Kazakh": "KAZ",
    "Uzbek": "UZB",
    "Vietnamese": "VNM",
    "Thai": "THA",
    "Indonesian": "IDN",
    "Malaysian": "MYS",
    "Philippine": "PHL",
    "Filipino": "PHL",
    "Singaporean": "SGP",
    "Bangladeshi": "BGD",
    "Sri Lankan": "LKA",
    "Nepali": "NPL",
    "Mongolian": "MNG",
    "Swiss": "CHE",
    "Austrian": "AUT",
    "Portuguese": "PRT",
    "Estonian": "EST",
    "Latvian": "LVA",
    "Lithuanian": "LTU",
    "Moldovan": "MDA",
    "Somali": "SOM",
    "Malian": "MLI",
    "Zimbabwean": "ZWE",
    "Algerian": "DZA",
    "Moroccan": "MAR",
    "Tunisian": "TUN",
    "Palestinian": "PSE",
    "Bahraini": "BHR",
    "New Zealand": "NZL",
    "Slovak": "SVK",
    "Slovenian": "SVN",
    "Croatian": "HRV",
    "Bulgarian": "BGR",
    "Albanian": "ALB",
    "Bosnian": "BIH",
}


_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def _norm(name: str) -> str:
    s = _PUNCTUATION.sub(" ", name.lower())
    s = _SPACES.sub(" ", s).strip()
    return s[4:] if s.startswith("the ") else s


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                table.setdefault(_norm(value), c.alpha_3)
    for code, name in _COMMON_NAMES.items():
        table[_norm(name)] = code
    for code, aliases in _ALIASES.items():
        for alias in aliases:
            table[_norm(alias)] = code
    return table


def country_code(name: str) -> str | None:
    """ISO alpha-3 for a country name, alias or capital ("Washington" → "USA"), else None."""
    key = _norm(name)
    return _table().get(key) or (
        key.upper() if len(key) == 3 and pycountry.countries.get(alpha_3=key.upper()) else None
    )


def country_name(code: str) -> str:
    """The name the news uses for a country code ("USA" → "United States")."""
    if code in _COMMON_NAMES:
        return _COMMON_NAMES[code]
    country = pycountry.countries.get(alpha_3=code)
    return getattr(country, "common_name", None) or (country.name if country else code)


_DEMONYM_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(d) for d in _DEMONYMS), key=len, reverse=True)) + r")(?!\w)"
)


def demonym_country(text: str) -> str | None:
    """The country of the last demonym ("Chinese", "U.S.") or country name in `text`, if any."""
    matches = list(_DEMONYM_RE.finditer(text))
    if matches:
        return _DEMONYMS[matches[-1].group(1)]
    return None
