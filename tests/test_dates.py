"""The one dates module: month names and date parsing shared by ingest, questions and answers."""

from __future__ import annotations

import pytest

from assistant.dates import MONTH_WORDS, MONTHS, parse_date
from assistant.query import find_dates


@pytest.mark.parametrize(("text", "want"), [
    ("2019-11-19T21:00:00-05:00", "2019-11-19"),  # the publisher's local date, not the UTC 20th
    ("20-04-2023 - 13:06", "2023-04-20"),  # dd-mm-yyyy is day first
    ("Daily News 26 / 07 / 2024", "2024-07-26"),
    ("Sept. 3, 2025", "2025-09-03"),
    ("3 June 2023", "2023-06-03"),
    ("Mon, 27 Nov 2023 08:45:59 GMT", "2023-11-27"),
    ("03/04/2025", None),  # March or April: no guess
    ("20230420", "2023-04-20"),
])
def test_parse_date(text: str, want: str | None) -> None:
    assert parse_date(text) == want


def test_questions_and_releases_read_months_alike() -> None:
    assert MONTHS["sept"] == MONTHS["sep"] == MONTHS["september"] == 9 and "dec" in MONTH_WORDS
    ranges, _ = find_dates("What did the council announce on Sept. 3, 2025?")
    assert [(r.start, r.end) for r in ranges] == [(20250903, 20250903)]
