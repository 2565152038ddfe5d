"""What a user can restrict a question or search to (dates, sources, releases), read from loose input.

``Filters`` is the user's side (CLI options, API fields, UI boxes: dates as typed); ``Filters.to_where`` turns it
into the ``Where`` that the vector store and the keyword index apply (dates as yyyymmdd bounds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import BadInput
from assistant.records import Where
from assistant.types import date_to_int


@dataclass(frozen=True)
class Filters:
    """What a user can restrict a question or search to."""

    since: str | None = None  # ISO date or a year, inclusive
    until: str | None = None
    sources: tuple[str, ...] = ()
    release_ids: tuple[str, ...] = ()

    @classmethod
    def from_input(cls, since: str | None = None, until: str | None = None, sources: Sequence[str] | None = (),
                   release_ids: Sequence[str] | None = ()) -> Filters:
        """Filters from loose user input (CLI, API, UI): dates as YYYY, YYYY-MM-DD or any common form.

        Blanks are ignored; a value that is not a date is a ``BadInput`` naming the field.
        """
        return cls(since=_user_date(since, "since"), until=_user_date(until, "until"),
                   sources=tuple(s for s in sources or () if s), release_ids=tuple(release_ids or ()))

    def to_where(self) -> Where:
        return Where(since=_bound(self.since, "0101"), until=_bound(self.until, "1231"),
                     sources=tuple(self.sources), release_ids=tuple(self.release_ids))


def _user_date(value: str | None, name: str) -> str | None:
    from assistant.corpus import parse_date

    value = (value or "").strip()
    if not value:
        return None
    if len(value) == 4 and value.isdigit():
        return value
    parsed = parse_date(value)
    if parsed is None:
        raise BadInput(f"{name} {value!r} is not a date (use YYYY-MM-DD or YYYY)")
    return parsed


def _bound(value: str | None, year_suffix: str) -> int:
    if value and len(value) == 4 and value.isdigit():
        return int(value + year_suffix)
    return date_to_int(value)
