"""The input checks that the CLI, the API and the UI share (``assistant.inputs``)."""

from __future__ import annotations

import pytest

from assistant import inputs
from assistant.errors import BadInput


def test_dates_are_named_as_the_caller_labels_them() -> None:
    with pytest.raises(BadInput, match=r"^From 'last year' is not a date"):
        inputs.filters("last year", None, labels=("From", "To"))
    with pytest.raises(BadInput, match=r"^until 'soon' is not a date"):
        inputs.filters(None, "soon")


@pytest.mark.parametrize("since,until", [("2024", "2022-05-01"), ("2023-02-01", "2023-01-31"), ("2024", "2023")])
def test_a_reversed_range_says_so(since: str, until: str) -> None:
    with pytest.raises(BadInput, match="is after") as e:
        inputs.filters(since, until, labels=("From", "To"))
    assert e.value.code == "invalid_input" and "From" in e.value.message and "To" in e.value.message


def test_a_range_within_one_year_is_fine() -> None:
    f = inputs.filters("2023", "2023", ["Northwind", ""])
    assert (f.since, f.until, f.sources) == ("2023", "2023", ("Northwind",))
    assert inputs.date_range_text("2023-01-01", None) == "releases from 2023-01-01 on"


def test_summary_ids_are_bounded_and_deduplicated() -> None:
    assert inputs.summary_ids(["a", "", "a", "b"]) == ["a", "b"]
    assert inputs.summary_ids([]) is None
    with pytest.raises(BadInput, match=f"at most {inputs.MAX_SUMMARY_IDS}") as e:
        inputs.summary_ids([str(i) for i in range(inputs.MAX_SUMMARY_IDS + 1)])
    assert e.value.status == 422


def test_every_summary_format_is_described() -> None:
    assert set(inputs.summary_formats()) <= set(inputs.FORMAT_HELP)
