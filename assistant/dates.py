"""Months and dates as press material writes them: the one table of month names, and date parsing.

The corpus readers (release dates), query understanding (dates a question names) and answering
(whether a passage holds a date) all read dates; they share this module so that "Sept. 3" or
"3 June 2023" means the same thing everywhere.
"""

from __future__ import annotations

import re
from datetime import date as Date

MONTH_NAMES = ("january", "february", "march", "april", "may", "june",
               "july", "august", "september", "october", "november", "december")
# Month name or abbreviation -> number: "jan" and "january", and "sept" as well as "sep".
MONTHS: dict[str, int] = {
    **{m: i for i, m in enumerate(MONTH_NAMES, 1)},
    **{m[:3]: i for i, m in enumerate(MONTH_NAMES, 1)},
    "sept": 9,
}
MONTH_WORDS: frozenset[str] = frozenset(MONTHS)
# A month name or abbreviation (no group, no trailing dot): build date patterns around it.
MONTH_PATTERN = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

# Month names of the other languages newsrooms publish in most (German, French, Spanish, Italian, Dutch,
# Portuguese), full names only: "6. Dezember 2026", "1er juillet 2025", "6 de diciembre de 2026". Only day-first
# dates with a year use them, so an English word among them ("mars", "mei") never makes a date on its own.
_FOREIGN = {
    1: "januar jänner janvier enero gennaio januari janeiro", 2: "februar février febrero febbraio februari fevereiro",
    3: "märz mars marzo maart março", 4: "avril abril aprile", 5: "mai mayo maggio mei maio",
    6: "juni juin junio giugno junho", 7: "juli juillet julio luglio julho", 8: "august août agosto augustus",
    9: "september septembre septiembre setiembre settembre setembro", 10: "oktober octobre octubre ottobre outubro",
    11: "november novembre noviembre novembro", 12: "dezember décembre diciembre dicembre december dezembro",
}
FOREIGN_MONTHS: dict[str, int] = {name: n for n, names in _FOREIGN.items() for name in names.split()}
_FMON = "(?P<fmon>" + "|".join(sorted(FOREIGN_MONTHS, key=len, reverse=True)) + ")"
_MON = rf"(?P<mon>{MONTH_PATTERN})\.?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"
DATE_PATTERNS = [
    re.compile(rf"(?<![\d.]){_YEAR}-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"),
    re.compile(rf"(?<![\d.]){_YEAR}[/.](?P<m>\d{{1,2}})[/.](?P<d>\d{{1,2}})(?![\d/])"),
    re.compile(rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}\s*,?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:\.|er|º|°)?\s+(?:de\s+)?{_FMON}\s+(?:de\s+|del\s+)?{_YEAR}(?!\d)",
               re.IGNORECASE),
    re.compile(rf"{_YEAR}\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*日"),
    # dd.mm.yyyy and dd-mm-yyyy ("20-04-2023 - 13:06") are day first wherever they are written;
    # dd/mm/yyyy vs mm/dd/yyyy is settled only when a part is > 12.
    re.compile(rf"(?<![\d/.-])(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep){_YEAR}(?![\d/])"),
    re.compile(rf"(?<![\d/])(?P<a>\d{{1,2}}) (?P<sep>/) (?P<b>\d{{1,2}}) / {_YEAR}(?![\d/])"),  # "26 / 07 / 2024"
]


def date_from_match(m: re.Match[str]) -> str | None:
    """``YYYY-MM-DD`` for a match of one of ``DATE_PATTERNS``, or None when it is no real day."""
    g = m.groupdict()
    y = int(g["y"])
    if g.get("mon"):
        mo, d = MONTHS[g["mon"][:3].lower()], int(g["d"])
    elif g.get("fmon"):
        mo, d = FOREIGN_MONTHS[g["fmon"].lower()], int(g["d"])
    elif g.get("a"):
        a, b = int(g["a"]), int(g["b"])
        if g["sep"] in ".-" or a > 12:
            d, mo = a, b
        elif b > 12 or a == b:
            mo, d = a, b
        else:
            return None  # 03/04/2025: March or April? A wrong date is worse than none.
    else:
        mo, d = int(g["m"]), int(g["d"])
    try:
        return Date(y, mo, d).isoformat()
    except ValueError:
        return None


def first_date(text: str) -> str | None:
    """The earliest full date (day, month and year) anywhere in ``text``."""
    best: tuple[int, str] | None = None
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            iso = date_from_match(m)
            if iso:
                best = (m.start(), iso)
                break
    return best[1] if best else None


def parse_date(value: str) -> str | None:
    """Any common way of writing a date -> ``YYYY-MM-DD``, or None when there is no full date.

    Times and time zones are ignored on purpose: the date as the publisher wrote it is its own
    local date (``2019-11-19T21:00-05:00`` is the 19th, not the UTC 20th). ``"2023-11-27
    08:45:59.000000000Z"``, ``"Mar. 3, 2025"``, ``"12 June 2023"``, ``"2025/03/03"``, ``"20-04-2023 -
    13:06"`` and ``"Mon, 27 Nov 2023 08:45:59 GMT"`` all work.
    """
    if not isinstance(value, str):
        return None
    v = value.strip()[:200]
    if re.fullmatch(r"(?:19|20)\d{6}", v):
        v = f"{v[:4]}-{v[4:6]}-{v[6:]}"
    return first_date(v) if v else None
