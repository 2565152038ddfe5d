"""A release's own date: from the dateline zone of its text, from metadata timestamps, or its URL.

Month tables and parsing live in ``assistant.dates``, which questions and answers use too.
"""

from __future__ import annotations

import re

from ..dates import first_date, parse_date

_first_date = first_date  # the readers' name for it

__all__ = ["find_text_date", "parse_date", "url_date"]


def find_text_date(paragraphs: list[str], *, limit: int = 3000) -> str | None:
    """The first full date in the dateline zone: the paragraphs given, at most ``limit`` chars.

    Only the opening is searched because later dates in a release are about other events
    ("the plant opened on June 1, 2019"), not about when the release was issued.
    """
    zone = "\n".join(paragraphs)[:limit]
    return _first_date(zone)


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
