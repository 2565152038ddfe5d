"""A release's own date: from the dateline zone of its text, from metadata timestamps, or its URL.

Month tables and parsing live in ``assistant.dates``, which questions and answers use too.
"""

from __future__ import annotations

import re

from ..dates import DATE_PATTERNS, MONTH_PATTERN, date_from_match, first_date
from ..dates import parse_date as _parse_date

_first_date = first_date  # the readers' name for it

__all__ = ["find_text_date", "parse_date", "stated_in_text", "url_date"]


def find_text_date(paragraphs: list[str], *, limit: int = 3000) -> str | None:
    """The first full date in the dateline zone: the paragraphs given, at most ``limit`` chars.

    Only the opening is searched because later dates in a release are about other events
    ("the plant opened on June 1, 2019"), not about when the release was issued.
    """
    zone = _dashed_months("\n".join(paragraphs)[:limit])
    found = _first_date(zone)
    if not found:
        return None
    for m in _UPDATED.finditer(zone):
        # "Last updated 10 January 2027 · Published 6 December 2026": the release's date is the other one.
        dated = [d for d in (p.match(zone, m.end()) for p in DATE_PATTERNS) if d and date_from_match(d)]
        if dated:
            end = max(d.end() for d in dated)
            zone = zone[: m.start()] + " " * (end - m.start()) + zone[end:]
    return _first_date(zone) or found


# "06-Dec-2026" (Indian and British sites, Oracle-style stamps): the shared patterns read "6 Dec 2026".
_DASHED = re.compile(rf"\b(\d{{1,2}})-({MONTH_PATTERN})\.?-((?:19|20)\d\d)\b", re.IGNORECASE)


def _dashed_months(text: str) -> str:
    return _DASHED.sub(r"\1 \2 \3", text) if "-" in text else text


def parse_date(value: str) -> str | None:
    """``assistant.dates.parse_date``, also for "06-Dec-2026"."""
    return _parse_date(_dashed_months(value)) if isinstance(value, str) else None


# A date labelled as a later revision: "Updated: ...", "Last modified ...", "Revised on ...".
_UPDATED = re.compile(r"\b(?:(?:last\s+)?(?:updated|modified|revised|edited)|last\s+update)\b\s*(?:on|at)?\s*:?\s*",
                      re.IGNORECASE)


# Words that may stand before a date line's date ("Published on", "Last updated:"); any other lower-case
# word there means the date sits inside a sentence ("On the afternoon of July 30, 2022, ...").
_LABEL_WORDS = frozenset({"on", "at", "published", "posted", "updated", "issued", "released", "dated", "date"})
_AFTER_DATELINE = re.compile(r"\s*(?:$|[-\u2013\u2014|/(:]|\d{1,2}[:.]\d\d)")


def stated_in_text(paragraphs: list[str], date: str) -> bool:
    """Whether the text gives ``date`` as the release's own: a date line or a dateline
    ("HARLOW BAY, Ore., Feb. 21, 2019 --"), not an event a sentence mentions. A release whose only
    date is such an event has an inferred date, and the UI says so."""
    for p in paragraphs:
        found = [(m.start(), m.end(), date_from_match(m)) for pattern in DATE_PATTERNS for m in pattern.finditer(p)]
        found = sorted(f for f in found if f[2])
        if not found:
            continue
        start, end, iso = found[0]  # the date ``find_text_date`` took is the first one of the first dated paragraph
        head = re.findall(r"\b[a-z][a-z]{2,}\b", p[:start])
        return iso == date and start <= 80 and all(w in _LABEL_WORDS for w in head) \
            and (len(p) <= 80 or bool(_AFTER_DATELINE.match(p, end)))
    return False


_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
    r"|/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/"
)


def url_date(url: str | None) -> str | None:
    """The date in a URL path (``/2015/04/11/weekly-address``, ``/20230420-...``): a last resort."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url.split("?")[0].split("#")[0])
    m = _URL_DATE.search(path)
    if not m:
        return None
    y, mo, d = (int(x) for x in (m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)))
    return parse_date(f"{y:04d}-{mo:02d}-{d:02d}")


_UTC_STAMP = re.compile(r"\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]00:?00|UTC|GMT)\b", re.IGNORECASE)


def release_date(raw: str, text_date: str | None) -> str | None:
    """A metadata timestamp -> the release's own local date.

    The calendar date is read as written, so ``2019-11-19T21:00-05:00`` is the 19th. A stamp that
    a CMS converted to UTC can have moved to the next (or previous) day: when the release's own
    dateline gives the day before or after, the dateline's day is the newsroom's date.
    """
    found = parse_date(raw)
    if found and text_date and found != text_date and _UTC_STAMP.search(raw):
        from datetime import date as Date

        if abs((Date.fromisoformat(found) - Date.fromisoformat(text_date)).days) == 1:
            return text_date
    return found
