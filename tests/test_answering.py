"""Cited answers from the real index of the bundled corpus."""

from __future__ import annotations

import pytest

from assistant.answering import NOT_COVERED
from assistant.errors import BadInput
from assistant.retrieval import Filters

from .conftest import SEED_QUESTION


def _assert_quotes_verbatim(assistant, answer) -> None:  # type: ignore[no-untyped-def]
    for c in answer.citations:
        release = assistant.release(c.release_id)
        assert c.verified
        assert release.text[c.start:c.end] == c.quote
    numbers = {c.number for c in answer.citations}
    for s in answer.sentences:
        assert set(s.citations) <= numbers and s.citations
        assert f"[{s.citations[0]}]" in answer.text


def test_seed_question_is_answered_with_the_date_and_cites_the_seed(corpus_index) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask(SEED_QUESTION)
    assert answer.covered
    assert "July 30, 2022" in answer.text
    assert "[1]" in answer.text
    first = answer.citations[0]
    assert first.title == ("Strategic Cooperation Agreement Signed between China Unicom and "
                           "Shandong Heavy Industry Group")
    assert first.date == "2022-07-30"
    assert "July 30, 2022" in first.quote
    _assert_quotes_verbatim(corpus_index, answer)


def test_answer_sentences_are_compared_by_their_stored_vectors(corpus_index, embedder) -> None:  # type: ignore[no-untyped-def]
    """Answering embeds nothing beyond what retrieval embeds: the sentences' vectors come from the index (and the
    question's, searched just before, from the question cache)."""
    corpus_index.retriever.retrieve(SEED_QUESTION, corpus_index.settings.top_k)
    before = embedder.embedded
    answer = corpus_index.ask(SEED_QUESTION)
    assert answer.covered and embedder.embedded == before


def test_without_stored_vectors_the_best_sentences_are_embedded(corpus_index, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant import answering

    expected = corpus_index.ask(SEED_QUESTION)
    monkeypatch.setattr(corpus_index.retriever, "sentence_vectors", lambda chunks: {})
    corpus_index.retriever.retrieve(SEED_QUESTION, corpus_index.settings.top_k)  # the question's vectors, cached
    before = embedder.embedded
    answer = corpus_index.ask(SEED_QUESTION)
    assert 0 < embedder.embedded - before <= answering.EMBEDDED_SENTENCES
    assert answer.covered and "July 30, 2022" in answer.text
    assert answer.citations[0].release_id == expected.citations[0].release_id


@pytest.mark.parametrize("question", [
    "What is the recipe for a chocolate souffle?",
    "Who won the 1998 football world cup final?",
    "How do I repot an orchid?",
])
def test_out_of_corpus_question_is_not_covered_and_cites_nothing(corpus_index, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask(question)
    assert not answer.covered
    assert answer.text == NOT_COVERED
    assert answer.citations == ()


def test_every_answer_quotes_verbatim(corpus_index) -> None:  # type: ignore[no-untyped-def]
    for release, _ in corpus_index.releases()[:8]:
        answer = corpus_index.ask(f"What did the release '{release.title}' announce?")
        assert answer.covered, release.title
        _assert_quotes_verbatim(corpus_index, answer)


def test_date_filter_limits_the_sources(corpus_index) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask(SEED_QUESTION, filters=Filters(since="2023-01-01"))
    assert all((c.date or "") >= "2023-01-01" for c in answer.citations)
    assert "July 30, 2022" not in answer.text


@pytest.mark.parametrize("question,message", [("", "empty"), ("   ", "empty"), ("x" * 100_000, "limit")])
def test_bad_questions_get_clear_errors(corpus_index, question: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput, match=message):
        corpus_index.ask(question)


def test_a_quote_keeps_the_sentence_that_names_its_speaker(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.types import Release

    from .conftest import make_assistant

    a = make_assistant(tmp_path / "idx", embedder)
    text = ("HARLOW BAY, May 1, 2024 -- Acme Turbines opened its new blade factory in Harlow Bay. "
            "“The blade factory will employ 400 people from the region.” "
            "Dana Whitfield, chief executive of Acme Turbines, said at the opening ceremony. "
            "The factory cost $20 million to build.")
    a.index_releases([Release(id="acme", title="Acme opens blade factory", text=text, date="2024-05-01")])
    answer = a.ask("How many people will the Acme blade factory employ?")
    assert "400 people" in answer.text
    assert "Dana Whitfield" in answer.text
    _assert_quotes_verbatim(a, answer)


# ---- the reader on the bundled corpus: the cases of issue #14 -----------------------------------------------
def _lead(answer) -> str:  # type: ignore[no-untyped-def]
    return answer.sentences[0].text


def test_the_answer_leads_with_the_sentence_that_holds_the_fact_and_marks_it(corpus_index) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask("What was Northwind Grid's third-quarter 2022 revenue?")
    assert answer.covered and "$548 million" in _lead(answer)
    s, e = answer.answer_span or (0, 0)
    assert answer.text[s:e] == "$548 million"
    assert "**$548 million**" in answer.to_markdown()
    assert "HARLOW BAY" not in answer.text  # no dateline as an answer
    assert len([x for x in answer.sentences if not x.text.startswith("The release")]) <= 3
    _assert_quotes_verbatim(corpus_index, answer)


def test_a_correction_supersedes_the_release_it_corrects_and_both_are_labelled(corpus_index) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask("What was Northwind Grid's third-quarter 2022 revenue?")
    assert "$584 million" not in " ".join(s.text for s in answer.sentences[:-1])
    ids = [c.release_id for c in answer.citations]
    assert any("correction" in i for i in ids) and any("2022/10/27" in i for i in ids)
    assert "was corrected on October 28, 2022" in answer.sentences[-1].text
    assert answer.details["corrected"][0]["date"] == "2022-10-28"


@pytest.mark.parametrize("question,expected,wrong", [
    ("Who was CEO of Northwind Grid in 2023?", "Dana Whitfield", "Marcus Ellery"),
    ("What was Northwind Grid's net income in 2024?", "$291 million", None),
])
def test_a_period_question_answers_as_of_that_period(corpus_index, question: str, expected: str,  # type: ignore[no-untyped-def]
                                                     wrong: str | None) -> None:
    answer = corpus_index.ask(question)
    assert answer.covered and expected in _lead(answer)
    assert wrong is None or wrong not in answer.text  # nor in a supporting sentence


def test_a_present_tense_question_takes_the_newest_release_and_says_as_of(corpus_index) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask("Who is the CEO of Northwind Grid?")
    assert answer.covered and "Marcus Ellery" in _lead(answer) and answer.text.startswith("As of ")
    assert answer.citations[0].date >= "2024-04-01"


def test_a_topic_question_answers_about_the_topic_not_with_boilerplate(corpus_index) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask("What did Northwind Grid announce about batteries?")
    assert answer.covered
    assert "is a regional renewable-energy" not in answer.text and "Media Relations" not in answer.text
    assert "battery" in answer.text.lower()


@pytest.mark.parametrize("question", [
    "What did Northwind Grid say about its merger with Tesla?",
    "What is Northwind Grid's stock price?",
    "What was Northwind Grid's revenue in 2026?",
])
def test_questions_the_releases_do_not_answer_are_declined(corpus_index, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = corpus_index.ask(question)
    assert not answer.covered
    if answer.citations:  # the releases cover the subject: say so, and show what they do say
        assert answer.text.startswith("The releases mention this, but they do not state what was asked.")
        _assert_quotes_verbatim(corpus_index, answer)


def test_follow_ups_resolve_against_the_previous_turns(corpus_index) -> None:  # type: ignore[no-untyped-def]
    first_q = "When did China Unicom and Shandong Heavy Industry sign their strategic cooperation agreement?"
    first = corpus_index.ask(first_q)
    assert "July 30, 2022" in first.text
    history = [{"role": "user", "content": first_q}, {"role": "assistant", "content": first.text}]
    where = corpus_index.ask("and where was the ceremony?", history=history)
    assert where.covered and "Jinan" in _lead(where)
    history += [{"role": "user", "content": "and where was the ceremony?"},
                {"role": "assistant", "content": where.text}]
    who = corpus_index.ask("who signed it?", history=history)
    assert who.covered and "Tang Yongbo" in who.text and _lead(who) != _lead(first)


def test_the_correction_map_is_built_once_per_index_generation(corpus_index, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant import corrections

    corrections._BY_INDEX.clear()
    calls = []
    real = corpus_index.store.list_releases
    monkeypatch.setattr(corpus_index.store, "list_releases", lambda: calls.append(1) or real())
    corpus_index.ask("What was Northwind Grid's third-quarter 2022 revenue?")
    corpus_index.ask("Who is the CEO of Northwind Grid?")  # a new answerer, the same map
    assert len(calls) == 1
