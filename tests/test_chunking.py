from __future__ import annotations

import pytest

from assistant.chunking import chunk_release, sentence_spans, word_counter
from assistant.types import Release

from .conftest import SEED


def _release(text: str) -> Release:
    return Release(id="r1", title="A title", text=text, date="2024-01-02")


def test_sentence_spans_are_offsets_into_the_text() -> None:
    text = "Mr. Smith arrived on Jan. 5. He signed the deal.\n\nA new paragraph starts here"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Smith arrived on Jan. 5.", "He signed the deal.", "A new paragraph starts here"]


def test_chunks_cover_text_in_whole_sentences_and_fit_the_size(embedder) -> None:  # type: ignore[no-untyped-def]
    text = SEED.read_text(encoding="utf-8")
    release = _release(text)
    chunks = chunk_release(release, embedder.count_tokens, size=150, overlap=30)
    assert len(chunks) > 3
    ends = {e for _, e in sentence_spans(text)}
    starts = {s for s, _ in sentence_spans(text)}
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert c.start in starts and c.end in ends, "a chunk was cut inside a sentence"
        assert embedder.count_tokens([c.text])[0] <= 150
    # consecutive chunks overlap (by whole sentences) and together cover every sentence
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))
    covered = set()
    for c in chunks:
        covered.update(s for s, e in sentence_spans(text) if c.start <= s and e <= c.end)
    assert covered == starts


def test_a_sentence_longer_than_a_chunk_is_cut_at_words() -> None:
    text = " ".join(f"word{i}" for i in range(400)) + "."
    chunks = chunk_release(_release(text), word_counter, size=100, overlap=10)
    assert len(chunks) >= 5
    assert all(word_counter([c.text])[0] <= 100 for c in chunks)
    assert all(text[c.start:c.end] == c.text for c in chunks)


def test_ids_change_with_content_and_keep_metadata() -> None:
    a = chunk_release(_release("One sentence here. Two sentences here."), word_counter)
    b = chunk_release(_release("One sentence here. Changed sentence here."), word_counter)
    assert a[0].id != b[0].id
    assert a[0].release_id == "r1" and a[0].title == "A title" and a[0].date == "2024-01-02"


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty_text_gives_no_chunks(text: str) -> None:
    assert chunk_release(_release(text), word_counter) == []


def test_a_paragraph_of_a_megabyte_stays_within_nltks_regex_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """NLTK bounds each regex scan by wall-clock time (5 s); a busy machine reached it on one ~8 MB paragraph.
    The guard is lowered here so that a 1 MB paragraph would trip it if punkt saw the paragraph whole."""
    import nltk.redos

    monkeypatch.setattr(nltk.redos, "DEFAULT_TIMEOUT", 0.3)
    sentence = "The pier opened at dawn. "
    text = sentence * 40_000
    spans = sentence_spans(text)
    assert len(spans) == 40_000, "cutting into windows at sentence ends keeps every sentence whole"
    assert {text[s:e] for s, e in spans} == {sentence.strip()}


def test_an_unbroken_token_of_any_length_is_cut_and_kept() -> None:
    text = "x" * 70_000 + ". The end."
    spans = sentence_spans(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] or text[a[1]:b[0]].isspace() for a, b in zip(spans, spans[1:], strict=False))
    chunks = chunk_release(Release(id="long", title="Long", text=text), word_counter, size=64, overlap=0)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
