"""Release dates found in text: the first full date in a release's dateline zone."""

from __future__ import annotations

import re
from datetime import date as Date

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_DATE_PATTERNS = [
    re.compile(rf"(?<![\d.]){_YEAR}-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"),
    re.compile(rf"(?<![\d.]){_YEAR}[/.](?P<m>\d{{1,2}})[/.](?P<d>\d{{1,2}})(?![\d/])"),
    re.compile(rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}\s*,?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"{_YEAR}\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*日"),
    # dd.mm.yyyy is European; dd/mm/yyyy vs mm/dd/yyyy is settled only when a part is > 12.
    re.compile(rf"(?<![\d/.])(?P<a>\d{{1,2}})(?P<sep>[/.])(?P<b>\d{{1,2}})(?P=sep){_YEAR}(?![\d/])"),
]


def _date_from_match(m: re.Match[str]) -> str | None:
    g = m.groupdict()
    y = int(g["y"])
    if g.get("mon"):
        mo, d = _MONTHS[g["mon"][:3].lower()], int(g["d"])
    elif g.get("a"):
        a, b = int(g["a"]), int(g["b"])
        if g["sep"] == "." or a > 12:
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


def _first_date(text: str) -> str | None:
    """The earliest full date (day, month and year) anywhere in ``text``."""
    best: tuple[int, str] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            iso = _date_from_match(m)
            if iso:
                best = (m.start(), iso)
                break
    return best[1] if best else None


def parse_date(value: str) -> str | None:
    """Any common way of writing a date -> ``YYYY-MM-DD``, or None when there is no full date.

    Times and time zones are ignored: the date as the publisher wrote it is the date readers
    see. ``"2023-11-27 08:45:59.000000000Z"``, ``"Mar. 3, 2025"``, ``"12 June 2023"``,
    ``"2025/03/03"`` and ``"Mon, 27 Nov 2023 08:45:59 GMT"`` all work.
    """
    if not isinstance(value, str):
        return None
    v = value.strip()[:200]
    if re.fullmatch(r"(?:19|20)\d{6}", v):
        v = f"{v[:4]}-{v[4:6]}-{v[6:]}"
    return _first_date(v) if v else None


def find_text_date(paragraphs: list[str], *, limit: int = 3000) -> str | None:
    """The first full date in the dateline zone: the paragraphs given, at most ``limit`` chars.

    Only the opening is searched because later dates in a release are about other events
    ("the plant opened on June 1, 2019"), not about when the release was issued.
    """
    zone = "\n".join(paragraphs)[:limit]
    return _first_date(zone)
