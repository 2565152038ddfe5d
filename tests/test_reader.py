"""The reader's parts in isolation: what a question asks for, the values a sentence holds, the span it marks."""

from __future__ import annotations

import pytest

from assistant.reader import (
    FEATURES,
    ReaderModel,
    analyse,
    answer_span,
    common_words,
    content,
    default_model,
    features,
    role_named,
)


@pytest.mark.parametrize("question,kind", [
    ("Who was CEO of Acme in 2023?", "person"),
    ("Which company supplied the turbines?", "organisation"),
    ("When did the plant open?", "date"),
    ("What was Acme's third-quarter 2022 revenue?", "amount"),
    ("How many homes will the farm supply?", "amount"),
    ("and where was the ceremony?", "place"),
    ("What did Acme announce about batteries?", "open"),
    ("In which London venue did the event take place?", "place"),
    ("How many whistleblower awards did the SEC pay?", "amount"),
])
def test_the_kind_of_answer_a_question_expects(question: str, kind: str) -> None:
    assert analyse(question).kind == kind


def test_constraints_of_a_question() -> None:
    need = analyse("What was Acme Turbines' operating profit in the third quarter of 2022?")
    assert need.years == (2022,) and need.quarter == 3
    assert "operat" in need.metric and "profit" in need.metric
    assert {"acme", "turbine"} <= set(need.subject)
    assert not need.present
    assert analyse("Who is the current CEO of Acme?").present
    assert analyse("Who is the CEO of Acme?").roles == ("chief", "executive")
    assert analyse("What royalty rate applies to Wi-Fi 6 patents?").figures == ("6",)


def test_the_span_is_the_value_after_the_metric_named() -> None:
    need = analyse("What was Acme's net income in 2024?")
    text = "Revenue rose 6.8 percent to $2.36 billion, and net income increased to $291 million from $268 million."
    s, e = answer_span(need, text) or (0, 0)
    assert text[s:e] == "$291 million"


def test_a_capitalised_title_is_not_a_person() -> None:
    need = analyse("Who won the award?")
    release = "The grid innovation award went to a utility. Acme won the Grid Innovation Award, said Dana Whitfield."
    text = "Acme won the Grid Innovation Award, said Dana Whitfield."
    s, e = answer_span(need, text, common_words(release)) or (0, 0)
    assert text[s:e] == "Dana Whitfield"


def test_the_period_asked_against_the_one_a_sentence_names() -> None:
    need = analyse("What was Acme's revenue in 2023?")
    other = features(need, "Revenue was $2.07 billion in 2022.", "Acme Reports 2022 Results", "2023-02-20",
                     cosine=0.5, lexical=0.5, rank=0, index=1)
    right = features(need, "Revenue rose to $2.21 billion.", "Acme Reports Full-Year 2023 Results", "2024-02-22",
                     cosine=0.5, lexical=0.5, rank=0, index=1)
    missed = FEATURES.index("period_other")
    assert other[missed] == 1.0 and right[missed] == 0.0


def test_the_shipped_model_matches_the_features_and_ranks_an_answer_first() -> None:
    model = default_model()
    assert model.meta.get("fitted_by") == "benchmarks/train_reader.py"
    need = analyse("How much did the Harlow Bay plant cost?")
    answer = features(need, "The $410 million plant was built with Tidewater.", "Acme Opens Harlow Bay Plant",
                      "2023-06-12", cosine=0.6, lexical=0.6, rank=0, index=1)
    filler = features(need, "The plant is a milestone for the region.", "Acme Opens Harlow Bay Plant",
                      "2023-06-12", cosine=0.6, lexical=0.6, rank=0, index=2)
    assert model.probability(answer) > model.probability(filler)
    assert ReaderModel.neutral().probability(answer) == 0.5


def test_the_ui_shows_the_answer_span_in_bold_and_escaped() -> None:
    from assistant.types import Answer, Citation
    from assistant.web.render import render_answer

    text = "Revenue was <$548 million> in the quarter. [1]"
    c = Citation(1, "r", "T", "q", 0, 1)
    html = render_answer(Answer("q", text, citations=(c,), answer_span=(12, 26)), 1)
    assert "<strong>&lt;$548 million&gt;</strong>" in html and "href='#src-1-1'" in html


def test_a_count_names_what_it_counts() -> None:
    need = analyse("How many whistleblower awards did the SEC pay in 2024?")
    assert need.unit == "count" and need.counted == ("award", "pay")
    assert answer_span(need, "Awards can range from 10 to 30 percent of the money collected.") is None
    assert answer_span(need, "The agency made an award of more than $37 million.") is None  # money is no count
    text = "In all, the SEC paid 47 awards to whistleblowers."
    s, e = answer_span(need, text) or (0, 0)
    assert text[s:e] == "47"


def test_a_figure_the_question_names_is_not_the_answer() -> None:
    need = analyse("How many patents cover Wi-Fi 6?")
    text = "Wi-Fi 6 is covered by 1,200 patents."
    s, e = answer_span(need, text) or (0, 0)
    assert text[s:e] == "1,200"


@pytest.mark.parametrize("question,text,expected", [
    ("Where did the Treasurer announce the awards?",
     "Speaking at the recently redeveloped Lexington Market, the Treasurer announced the awards.", "Lexington Market"),
    ("Which company was the refund administrator?",
     "Rust Consulting, Inc., the refund administrator for this matter, will mail the checks.", "Rust Consulting"),
])
def test_places_past_small_words_and_companies_named_before_their_suffix(question: str, text: str,
                                                                         expected: str) -> None:
    s, e = answer_span(analyse(question), text) or (0, 0)
    assert text[s:e].startswith(expected)


def test_months_and_quarters_as_periods() -> None:
    need = analyse("How much did Acme expect to borrow in the October–December 2023 quarter?")
    assert need.months == (10, 11, 12) and need.quarter == 4
    missed, quarter = FEATURES.index("period_other"), FEATURES.index("quarter_match")
    other = features(need, "During the April – June 2023 quarter, Acme expects to borrow $726 billion.", "Acme",
                     "2023-05-01", cosine=0.5, lexical=0.5, rank=0, index=1)
    right = features(need, "During the October – December 2023 quarter, Acme expects to borrow $776 billion.",
                     "Acme", "2023-10-30", cosine=0.5, lexical=0.5, rank=0, index=1)
    assert other[missed] == 1.0 and right[missed] == 0.0 and right[quarter] == 1.0


def test_a_role_asked_must_be_named() -> None:
    need = analyse("Who was CEO of Acme in 2023?")
    assert role_named(need, "said Dana Whitfield, chief executive officer of Acme.")
    assert role_named(need, "said Dana Whitfield, Acme's CEO.")
    assert not role_named(need, "said Lena Hartsfield, senior vice president at Acme.")
    assert role_named(analyse("Who leads the plan?"), "The plan is led by Dr Peter Bonfield.")
    assert "lead" in content("The plan is led by Dr Peter Bonfield.")  # "led" meets "leads"
