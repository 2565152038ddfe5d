from __future__ import annotations

import datetime as dt

import pytest

from assistant.query import DateRange, find_dates, find_sources, plan, with_context

KNOWN = ["The Verge", "TechCrunch", "Cnbc | World Business News Leader", "Fortune", "Northwind Grid"]


@pytest.mark.parametrize("question,expected", [
    ("Did The Verge and TechCrunch both report it?", ("The Verge", "TechCrunch")),
    ("according to CNBC, what happened?", ("Cnbc | World Business News Leader",)),
    ("What did Northwind Grid's releases say about batteries?", ("Northwind Grid",)),
    ("Nothing named here", ()),
])
def test_sources_named_in_a_question(question: str, expected: tuple[str, ...]) -> None:
    assert find_sources(question, KNOWN) == expected


def test_dates_and_periods() -> None:
    ranges, recent = find_dates("Between the October 26, 2023 article and 5 March 2021, what changed in 2022?")
    assert DateRange(20231026, 20231026) in ranges and DateRange(20210305, 20210305) in ranges
    assert DateRange(20220101, 20221231) in ranges and not recent
    assert find_dates("What happened before 2023?")[0] == (DateRange(0, 20221231),)
    assert find_dates("What did we say in March 2024?")[0] == (DateRange(20240301, 20240331),)
    assert find_dates("What is the latest news on rates?")[1] is True


def test_last_quarter_is_relative_to_today() -> None:
    ranges, _ = find_dates("What did we announce last quarter?", today=dt.date(2026, 11, 25))
    assert ranges == (DateRange(20260701, 20260930),)
    ranges, _ = find_dates("What did we announce last quarter?", today=dt.date(2026, 2, 1))
    assert ranges == (DateRange(20251001, 20251231),)


def test_follow_ups_carry_the_previous_question() -> None:
    assert with_context("and when did it start?", ["What is GridSense?"]) == "and when did it start? What is GridSense?"
    standalone = "Who was appointed chief financial officer of Northwind Grid in 2021?"
    assert with_context(standalone, ["What is GridSense?"]) == standalone
    assert plan("and when did it start?", KNOWN, []).text == "and when did it start?"
