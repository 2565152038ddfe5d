from __future__ import annotations

import datetime as dt

import pytest

from assistant.query import (
    DateRange,
    find_dates,
    find_sources,
    named_outlets,
    plan,
    unknown_outlets,
    with_context,
)

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


@pytest.mark.parametrize("question,outlets", [
    ("Considering a Bloomberg article and a report from The Wall Street Journal, who is the CEO?",
     ("Bloomberg", "The Wall Street Journal")),
    ("What did a New York Times article say, as reported by The Verge?", ("New York Times", "The Verge")),
    ("How many consumer devices were covered by Huawei's Wi-Fi licences?", ()),
    ("Did The Guardian's report on December 12, 2023 mention it?", ()),
    ("Which company, according to Eddy Cue, had no alternative?", ()),
    ("What did the CEO say in an interview in London?", ()),
    ("Considering an article in The Economic Times, who won?", ("The Economic Times",)),
])
def test_the_outlets_a_question_attributes_facts_to(question: str, outlets: tuple[str, ...]) -> None:
    assert named_outlets(question) == outlets


def test_outlets_no_indexed_release_comes_from() -> None:
    sources = ["The New York Times", "The Verge", "Cnbc | World Business News Leader", "FOX News - Health"]
    question = "Considering a New York Times article, a CNBC report and a piece by Wired, which company ...?"
    assert unknown_outlets(question, sources) == ("Wired",)
    assert unknown_outlets("What did a FOX News - Health article say?", sources) == ()
    assert unknown_outlets(question, []) == ()  # an index that records no sources cannot tell
