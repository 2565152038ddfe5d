"""What the reader keeps per release: body sentence spans stored in the index at ingest and read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering import context
from assistant.boilerplate import body_sentences
from assistant.types import Release

from .conftest import make_news

STORIES = [
    ("Harbour Water", "2026-03-02", "Harbour Water opens the Eastfield treatment works",
     "EASTFIELD, March 2, 2026 -- Harbour Water today opened the Eastfield treatment works, which will clean "
     "forty million litres a day.\n\nThe works cost 212 million pounds and took three years to build, the "
     "company said.\n\nAbout Harbour Water\n\nHarbour Water supplies drinking water to the coastal towns."),
    ("Harbour Water", "2026-05-14", "Harbour Water names a new chief engineer",
     "Harbour Water has named Ines Calloway its chief engineer from June 1, 2026.\n\nShe led the Eastfield "
     "project for the company and joins the board in July.\n\nMedia contact: press@harbour.example"),
]


@pytest.fixture
def news(tmp_path: Path, embedder):  # type: ignore[no-untyped-def]
    a = make_news(tmp_path / "data", embedder, STORIES, "hw")
    yield a
    a.keyword.close()


def _spans(release: Release) -> tuple[tuple[int, int, int], ...]:
    return tuple((c.start, c.end, c.index) for c in body_sentences(release))


def test_ingest_stores_each_release_s_body_spans(news) -> None:  # type: ignore[no-untyped-def]
    releases = {r.id: r for r in (news.release("hw-0"), news.release("hw-1"))}
    stored = news.keyword.bodies({rid: context.text_key(r) for rid, r in releases.items()})
    assert set(stored) == {"hw-0", "hw-1"}
    for rid, r in releases.items():
        assert context._unpack(stored[rid]) == _spans(r)
        assert all("About Harbour Water" not in r.text[s:e] for s, e, _ in _spans(r))


def test_answers_read_stored_spans_instead_of_splitting_releases(news, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After a restart (an empty memory cache) the reader splits no release that ingest already split."""
    expected = news.ask("How much did the Eastfield treatment works cost?")
    assert "212 million pounds" in expected.text
    context._bodies.clear()

    def split(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a release was split again")

    monkeypatch.setattr(context, "body_sentences", split)
    again = news.ask("How much did the Eastfield treatment works cost?")
    assert again.text == expected.text


def test_an_edited_release_is_split_again(news) -> None:  # type: ignore[no-untyped-def]
    old = news.release("hw-1")
    new = Release(id=old.id, title=old.title, text=old.text.replace("June 1, 2026", "June 8, 2026. She starts "
                  "at once"), date=old.date, source=old.source)
    context._bodies.clear()
    got = context.bodies([new], news.keyword)[new.id]
    assert got == _spans(new) != _spans(old)
    assert context._unpack(news.keyword.bodies({new.id: context.text_key(new)})[new.id]) == got
