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
    """Answering embeds nothing beyond what retrieval embeds: the sentences' vectors come from the index."""
    before = embedder.embedded
    corpus_index.retriever.retrieve(SEED_QUESTION, corpus_index.settings.top_k)
    retrieval = embedder.embedded - before
    before = embedder.embedded
    answer = corpus_index.ask(SEED_QUESTION)
    assert answer.covered and embedder.embedded - before == retrieval


def test_without_stored_vectors_the_best_sentences_are_embedded(corpus_index, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant import answering

    expected = corpus_index.ask(SEED_QUESTION)
    monkeypatch.setattr(corpus_index.retriever, "sentence_vectors", lambda chunks: {})
    before = embedder.embedded
    corpus_index.retriever.retrieve(SEED_QUESTION, corpus_index.settings.top_k)
    retrieval = embedder.embedded - before
    before = embedder.embedded
    answer = corpus_index.ask(SEED_QUESTION)
    assert 0 < embedder.embedded - before - retrieval <= answering.EMBEDDED_SENTENCES
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
