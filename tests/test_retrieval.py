"""Hybrid retrieval on a small real index: named sources, dates, filters, live versions only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval import Filters
from assistant.types import Release

from .conftest import make_assistant, make_news

STORIES = [
    ("Harbor Times", "2023-03-02", "Bridge reopens after repairs",
     "The Harlow Bay bridge reopened on Thursday after six months of repairs costing $12 million."),
    ("Harbor Times", "2023-05-10", "Ferry timetable changes",
     "The ferry will run every 20 minutes during summer, the port authority said."),
    ("Valley Post", "2023-03-03", "Commuters return to the bridge",
     "Commuters crowded the reopened bridge on Friday, and traffic was light by noon."),
    ("Valley Post", "2022-11-20", "Bridge repairs begin",
     "Repairs to the old bridge began this week and will close it to traffic until spring."),
    ("Coast Ledger", "2023-03-04", "Bridge toll debate",
     "Council members argued about a new toll on the repaired bridge at a long meeting."),
    ("Coast Ledger", "2023-08-15", "Library extends hours",
     "The public library will stay open until 9 p.m. on weekdays from September."),
]


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    return make_news(tmp_path_factory.mktemp("news"), embedder, STORIES, "story")


def test_each_named_source_is_covered_at_the_top(news) -> None:  # type: ignore[no-untyped-def]
    hits = news.search("What did the Valley Post and the Coast Ledger report about the bridge?", k=3)
    assert {h.chunk.source for h in hits[:3]} >= {"Valley Post", "Coast Ledger"}


def test_a_named_date_brings_that_days_release_up(news) -> None:  # type: ignore[no-untyped-def]
    hits = news.search("What was reported about the bridge on November 20, 2022?", k=2)
    assert hits[0].chunk.release_id == "story-3"


def test_user_filters_are_hard_limits(news) -> None:  # type: ignore[no-untyped-def]
    hits = news.search("bridge", k=10, filters=Filters(since="2023-03-03", until="2023-12-31"))
    assert hits and all("2023-03-03" <= (h.chunk.date or "") <= "2023-12-31" for h in hits)
    hits = news.search("bridge", k=10, filters=Filters(sources=("Harbor Times",)))
    assert hits and {h.chunk.source for h in hits} == {"Harbor Times"}
    assert news.search("bridge", k=10, filters=Filters(since="2030")) == []


@pytest.mark.parametrize("since,until,expected", [
    ("2023", "March 5, 2023", Filters(since="2023", until="2023-03-05")),
    (" ", None, Filters()),
])
def test_user_dates_are_read_loosely(since, until, expected) -> None:  # type: ignore[no-untyped-def]
    assert Filters.from_input(since, until, ["", "Valley Post"]) == Filters(
        since=expected.since, until=expected.until, sources=("Valley Post",))


def test_a_bad_user_date_names_the_field() -> None:
    from assistant.errors import BadInput

    with pytest.raises(BadInput, match="until 'soon' is not a date"):
        Filters.from_input(until="soon")


def test_names_and_figures_are_found_by_keywords(news) -> None:  # type: ignore[no-untyped-def]
    hits = news.search("$12 million", k=1)
    assert hits[0].chunk.release_id == "story-0" and hits[0].keyword_score is not None


def test_every_hit_has_a_dense_score(news) -> None:  # type: ignore[no-untyped-def]
    hits = news.search("library opening hours in September", k=6)
    assert all(h.dense_score is not None for h in hits)
    assert hits[0].chunk.release_id == "story-5"


def test_keyword_index_and_vectors_agree_after_an_interrupted_write(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    a.index_releases([Release(id="r", title="T", text="First version of the text about turbines.")])
    a.keyword.delete_chunks(list(a.keyword.chunk_keys()))  # as if the process died before the keyword write
    a.keyword.add([c for c in a.store.all_chunks()] + [
        c.__class__(**{**c.__dict__, "id": "orphan", "content_hash": "old"}) for c in a.store.all_chunks()])
    fixed = a.reconcile()
    assert fixed["keyword_rows_dropped"] == 1
    assert set(a.keyword.chunk_keys()) == set(a.store.chunk_ids())


def test_a_replica_makes_missing_sentence_vectors_once(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """A keyword index synced from the store has no sentence vectors; re-scoring makes and keeps them."""
    from assistant.keyword import KeywordIndex
    from assistant.retrieval import Retriever

    a = make_news(tmp_path / "idx", embedder, STORIES, "r")
    other = KeywordIndex(tmp_path / "replica" / "keyword.sqlite3")
    other.sync(a.store)
    ids = list(other.chunk_keys())
    assert other.sentence_vectors(ids) == {}
    replica = Retriever(a.store, embedder, other, sync_seconds=0.0)
    question = "When did the Harlow Bay bridge reopen after repairs?"
    counts = [embedder.embedded]
    _, cands = replica.candidates(question)
    counts.append(embedder.embedded)
    assert cands and all(c.sims is not None for c in cands)
    made = other.sentence_vectors(ids)
    assert set(made) == {c.chunk_id for c in cands}
    _, again = replica.candidates(question)
    counts.append(embedder.embedded)
    assert [c.sims for c in again] == [c.sims for c in cands]
    first, second = counts[1] - counts[0], counts[2] - counts[1]
    assert second < first, "the second time no sentence is embedded again"
    original = a.keyword.sentence_vectors(list(made))
    assert all(np.allclose(made[c], original[c], atol=0.02) for c in made)


def test_each_clause_brings_its_own_passages_to_the_re_scorer(news) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    retriever = news.retriever
    assert retriever.reranker is not None, "the shipped re-scoring model is missing or stale"
    saved = retriever.tuning
    retriever.tuning = replace(saved, rerank_depth=1)  # the fused ranking alone would give one candidate
    try:
        _, cands = retriever.candidates("Which bridge reopened after repairs costing $12 million, while the ferry "
                                        "runs every 20 minutes in summer, and the library stays open until 9 p.m.?")
    finally:
        retriever.tuning = saved
    by_release = {c.release_id: c for c in cands}
    assert {"story-0", "story-1", "story-5"} <= set(by_release)
    library = by_release["story-5"]
    assert library.clause_hits >= 1 and 0 in (library.clause_dense_rank, library.clause_bm25_rank)
    _, single = retriever.candidates("library opening hours")
    assert all(c.clause_hits == 0 and c.clause_dense_rank is None for c in single), "one clause: no clause lists"


# ---- filtered vector search: the nearest passing chunks, whichever way they are found --------------------------
def _exact_nearest(a, vector, where, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The ``n`` nearest live chunks passing ``where``, by brute force over every stored vector."""
    from assistant.types import date_to_int

    live = a.store.release_hashes()
    chunks = [c for c in a.store.all_chunks() if live.get(c.release_id) == c.content_hash
              and where.accepts_key(c.release_id, c.source or "", date_to_int(c.date))]
    vectors = a.store.get_vectors([c.id for c in chunks])
    return [c.id for c in sorted(chunks, key=lambda c: -float(np.dot(vectors[c.id], vector)))][:n]


@pytest.mark.parametrize("overfetch,range_fetch", [((1000, 4000), 500), ((3, 6), 500), ((2, 3), 500), ((2, 3), 1)],
                         ids=["whole-index", "two-reads", "chroma", "chroma-range-short"])
def test_filtered_vector_search_finds_the_nearest_passing_chunks(news, monkeypatch, overfetch, range_fetch  # type: ignore[no-untyped-def]
                                                                  ) -> None:
    """Read unfiltered and filtered here when enough pass, by Chroma when too few do (on the sources alone, the
    dates applied here, then whole when that leaves too few): the same chunks every way, and never a stale
    version (story-0 has an older version whose chunks are still stored)."""
    import assistant.dense as dense
    from assistant.dense import DenseSearch

    monkeypatch.setattr(dense, "OVERFETCH", overfetch)
    monkeypatch.setattr(dense, "RANGE_FETCH", range_fetch)
    old = Release(id="story-0", title="Bridge reopens", text="An old draft about the bridge and its toll.",
                  date="2023-03-02", source="Harbor Times")
    news.store.add_chunks(chunk_list := _chunks_of(news, old), news.embedder.embed([c.text for c in chunk_list]))
    try:
        vector = news.embedder.embed(["bridge repairs and traffic"])[0]
        for filters in (Filters(since="2023-03-01", until="2023-03-31"), Filters(sources=("Coast Ledger",)),
                        Filters(since="2023", sources=("Valley Post", "Harbor Times")),
                        Filters(release_ids=("story-1", "story-4")), Filters(since="2030")):
            where = filters.to_where()
            search = DenseSearch(news.store, news.keyword, news.store.live_hashes())
            found = [cid for cid, _ in search.nearest([vector, vector], 3, where)[1]]
            assert found == _exact_nearest(news, vector, where, 3), filters
    finally:
        news.store.drop_stale_chunks("story-0", news.store.release_hashes(["story-0"])["story-0"])


def _chunks_of(a, release: Release):  # type: ignore[no-untyped-def]
    from assistant.chunking import chunk_release

    return chunk_release(release, a.embedder.count_tokens)
