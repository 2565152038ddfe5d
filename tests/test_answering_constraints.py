"""The constraints a question states, checked on the bundled corpus through the CLI and over HTTP: what a count
counts, the period a month range names, the role a person question asks about, and the outlet it cites."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from assistant.cli import cli

from .servers import running

COUNTED = "How many customers did the November 2020 windstorm leave without power?"
NOT_COUNTED = "How many wind turbines does Northwind Grid operate?"  # the releases give megawatts, not turbines
OTHER_QUARTER = "What was Northwind Grid's revenue in the October–December 2022 quarter?"  # only Q3 is reported
OTHER_OUTLET = "What did a Bloomberg article say about Northwind Grid's battery plant?"


@pytest.fixture(scope="module")
def server(corpus_index) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    with running(create_app(corpus_index, with_ui=False)) as base:
        yield base


def _ask_cli(corpus_index, question: str) -> dict:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["ask", question, "--json", "--data-dir", str(corpus_index.settings.data_dir)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_count_answers_with_what_it_counts_over_the_cli(corpus_index) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["ask", COUNTED, "--data-dir", str(corpus_index.settings.data_dir)])
    assert result.exit_code == 0 and "**214,000**" in result.output.split("\nSources:")[0]
    body = _ask_cli(corpus_index, NOT_COUNTED)
    assert body["covered"] is False and "turbine" not in body["answer"].split("What they do say:")[-1].lower()


@pytest.mark.parametrize("question", [NOT_COUNTED, OTHER_QUARTER, OTHER_OUTLET])
def test_an_unmet_constraint_is_declined_over_the_cli(corpus_index, question: str) -> None:  # type: ignore[no-untyped-def]
    assert _ask_cli(corpus_index, question)["covered"] is False


def test_constraints_over_http(server: str) -> None:
    def ask(question: str) -> dict:
        r = httpx.post(f"{server}/api/v1/ask", json={"question": question}, timeout=60)
        assert r.status_code == 200
        return r.json()

    counted = ask(COUNTED)
    s, e = counted["answer_span"]
    assert counted["covered"] and counted["answer"][s:e] == "214,000"
    quarter = ask(OTHER_QUARTER)
    assert quarter["covered"] is False and "period" in quarter["details"]["unmet"]
    assert ask("What was Northwind Grid's revenue in the July–September 2022 quarter?")["covered"]
    outlet = ask(OTHER_OUTLET)
    assert outlet["covered"] is False and outlet["citations"] == [] and outlet["details"]["outlets"] == ["Bloomberg"]
    assert ask("What did the Northwind Grid report say about the battery plant?")["covered"]  # a known source
    # a name the releases themselves use is their topic, not a missing outlet ("the ESG report", a partner's study)
    topic = ask("What did the Tidewater report say about the battery plant?")
    assert topic["covered"] and "outlets" not in topic["details"]
    ceo = ask("Who was CEO of Northwind Grid in 2023?")
    assert "Dana Whitfield" in ceo["answer"] and "Marcus Ellery" not in ceo["answer"]


def test_a_date_question_keeps_the_dateline_that_dates_the_news(corpus_index) -> None:  # type: ignore[no-untyped-def]
    """A release dates its own news in its dateline ("CITY, Date -- Acme has named …"); asked when, the answer
    quotes the opening with it, verbatim, instead of only the later date the sentence also names."""
    body = _ask_cli(corpus_index, "When did Northwind Grid name Marcus Ellery its next chief executive?")
    assert body["covered"] and "January 16, 2024" in body["answer"]
    assert body["answer"].startswith("HARLOW BAY, Ore., January 16, 2024 --")
