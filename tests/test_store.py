"""The vector store and the keyword index that follows it, on real Chroma.

These run against the embedded store, and again against a ``chroma run`` server when the test run is
wrapped in ``python -m tests.chroma_server`` (``make test`` does both).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunking import chunk_release
from assistant.keyword import KeywordIndex
from assistant.types import Release

from .conftest import make_assistant


def _release(rid: str, text: str, title: str = "Turbine news") -> Release:
    return Release(id=rid, title=title, text=text, date="2024-05-02", source="Harbor Times")


def test_generation_changes_with_the_live_set_only(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    store = a.store
    g0 = store.generation()
    a.index_releases([_release("r1", "The harbor turbines produced 12 megawatts in May.")])
    g1 = store.generation()
    assert g1 and g1 != g0
    a.index_releases([_release("r1", "The harbor turbines produced 12 megawatts in May.")])  # unchanged
    assert store.generation() == g1, "an ingest that changed nothing must not make other processes re-sync"
    a.delete("r1")
    assert store.generation() not in (g0, g1)


def test_release_states_and_live_chunks(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    old = _release("r1", "The harbor turbines produced 12 megawatts in May.")
    a.index_releases([old, _release("r2", "The ferry timetable changes on June 1.", title="Ferry")])
    new = _release("r1", "The harbor turbines produced 40 megawatts in June.")
    a.index_releases([new])
    states = a.store.release_states()
    assert states["r1"] == (new.content_hash, 1) and set(states) == {"r1", "r2"}
    chunks = a.store.live_chunks({"r1": states["r1"]})
    assert [c.text for c in chunks] == [new.text]


def test_a_new_keyword_index_catches_up_from_the_store(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """What a second app process does: its own keyword file, filled from the shared store's records."""
    a = make_assistant(tmp_path / "idx", embedder)
    a.index_releases([_release(f"r{i}", f"Release number {i} is about wind farm {i} near Harlow Bay.")
                      for i in range(5)])
    other = KeywordIndex(tmp_path / "replica" / "keyword.sqlite3")
    assert other.count() == 0
    first = other.sync(a.store)
    assert first["keyword_rows_added"] == 5
    assert other.chunk_keys() == a.keyword.chunk_keys()
    assert other.sync(a.store) == {"keyword_rows_dropped": 0, "keyword_rows_added": 0}, "same generation: no work"

    a.index_releases([_release("r1", "Release one now covers the offshore cable instead.")])
    a.delete("r3")
    changed = other.sync(a.store)
    assert changed == {"keyword_rows_dropped": 2, "keyword_rows_added": 1}, "only what changed is fetched"
    assert other.chunk_keys() == a.keyword.chunk_keys()
    assert [row.release_id for row in other.search("offshore cable", 3)] == ["r1"]


def test_forced_sync_repairs_rows_lost_behind_the_generations_back(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    a.index_releases([_release("r1", "The harbor turbines produced 12 megawatts in May.")])
    a.keyword.delete_chunks(list(a.keyword.chunk_keys()))  # e.g. the keyword file was restored from a backup
    assert a.keyword.sync(a.store)["keyword_rows_added"] == 0
    assert a.reconcile()["keyword_rows_added"] == 1
    assert set(a.keyword.chunk_keys()) == set(a.store.chunk_ids())


def test_term_statistics_follow_adds_and_deletes(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """The re-scorer's IDF reads these: a cached row count must not outlive a write."""
    a = make_assistant(tmp_path / "idx", embedder)
    a.index_releases([_release("r1", "The harbor turbines produced 12 megawatts in May.")])
    assert a.keyword.doc_freqs(["turbin"]) == (1, {"turbin": 1})
    a.index_releases([_release("r2", "New turbines arrive at the harbor in June.", title="Turbines")])
    assert a.keyword.doc_freqs(["turbin"]) == (2, {"turbin": 2})
    a.delete("r1")
    assert a.keyword.doc_freqs(["turbin", "megawatt"]) == (1, {"turbin": 1})
    a.keyword.delete_chunks(list(a.keyword.chunk_keys()))
    assert a.keyword.doc_freqs(["turbin"]) == (0, {})


def test_sentence_vectors_are_kept_with_their_chunk_and_go_with_it(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from assistant.chunking import chunk_sentences

    a = make_assistant(tmp_path / "idx", embedder)
    text = "The harbor turbines produced 12 megawatts in May. A second row opens in June. Costs fell."
    a.index_releases([_release("r1", text)])
    (cid,) = a.keyword.chunk_keys()
    held = a.keyword.sentence_vectors([cid])[cid]
    fresh = embedder.embed(chunk_sentences(text))
    assert held.shape == (3, fresh.shape[1])
    assert np.allclose((held * fresh).sum(axis=1), 1.0, atol=0.01), "int8 storage keeps the cosines"
    # the chunk's own vector is the normalised mean of its sentences' vectors
    pooled = fresh.mean(axis=0) / np.linalg.norm(fresh.mean(axis=0))
    assert float(a.store.get_vectors([cid])[cid] @ pooled) > 0.999

    a.index_releases([_release("r1", "The harbor turbines produced 40 megawatts in June.")])
    assert cid not in a.keyword.sentence_vectors([cid]), "a replaced version's sentence vectors are dropped"
    (new,) = a.keyword.chunk_keys()
    assert len(a.keyword.sentence_vectors([new])[new]) == 1
    a.delete("r1")
    assert a.keyword.sentence_vectors([new]) == {}


def test_an_index_from_before_pooled_vectors_is_named_in_a_warning(tmp_path: Path, embedder, caplog) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    a.index_releases([_release("r1", "The harbor turbines produced 12 megawatts in May.")])
    with caplog.at_level("WARNING", logger="assistant.store"):
        make_assistant(tmp_path / "idx", embedder).store.counts()
    assert "older version" not in caplog.text
    a.store._chunks.modify(metadata={"embedding_model": "default"})  # what an older version wrote
    with caplog.at_level("WARNING", logger="assistant.store"):
        make_assistant(tmp_path / "idx", embedder).store.counts()
    assert "whole-chunk vectors from an older version" in caplog.text


# ---- indexes past SQLite's 32,766 variables ---------------------------------------------------
PAST_LIMIT = 33_000  # Chroma binds one SQLite variable per record a read returns; SQLite allows 32,766


@pytest.fixture(scope="module")
def big_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """33,000 releases of one chunk each, plus one leftover chunk of an interrupted write.

    Built cheaply: ``HashEmbedder`` (no model) and records written in large batches straight through the
    store and keyword index, the same calls ``index_releases`` makes; everything the tests do is the real path.
    """
    from benchmarks.scale import scale_assistant, synthetic_releases

    a = scale_assistant(tmp_path_factory.mktemp("big-index"))
    releases = list(synthetic_releases(PAST_LIMIT, sentences=1))
    for i in range(0, len(releases), 3000):
        part = releases[i : i + 3000]
        chunks = [c for r in part for c in chunk_release(r, a.embedder.count_tokens, size=32, overlap=0)]
        vectors = a.embedder.embed([c.text for c in chunks])
        a.store.add_chunks(chunks, vectors)
        a.store.put_releases([(r, 1) for r in part])
        a.keyword.add(chunks)
    orphan = chunk_release(_release("gone", "A release whose write was interrupted."), a.embedder.count_tokens)
    a.store.add_chunks(orphan, a.embedder.embed([c.text for c in orphan]))
    return a


@pytest.mark.slow
def test_ingest_reconciles_an_index_past_the_sql_variable_limit(big_index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = big_index
    assert a.store.counts() == {"releases": PAST_LIMIT, "chunks": PAST_LIMIT + 1}
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "harbor.txt").write_text("Harlow Bay Council opens the Quayside tidal pool on June 3.\n\n"
                                       "The pool holds 900 swimmers and cost 4 million.")
    report = a.ingest([folder])  # reads every release's hash, then reconciles (sweeps) the whole store
    assert report.added == ["harbor.txt"] and not report.rejected
    assert a.store.counts() == {"releases": PAST_LIMIT + 1, "chunks": PAST_LIMIT + 1}, "the leftover was swept"
    assert a.reconcile() == {"vector_chunks_dropped": 0, "keyword_rows_dropped": 0, "keyword_rows_added": 0}
    assert len(a.store.chunk_ids()) == PAST_LIMIT + 1


@pytest.mark.slow
def test_ask_search_releases_and_delete_past_the_sql_variable_limit(big_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.retrieval import Filters

    a = big_index
    listed = a.releases()
    assert len(listed) >= PAST_LIMIT and listed[0][0].date_int >= listed[-1][0].date_int
    target = a.store.get_release("syn-0012345")
    assert target is not None
    question = target.text  # the release's own sentence: found by both the vectors and the keywords
    assert "syn-0012345" in [h.chunk.release_id for h in a.search(question)][:3]
    answer = a.ask(question)
    assert "syn-0012345" in [c.release_id for c in answer.citations]
    # a filter naming more release ids than SQLite has variables, in both the vector and the keyword search
    every = [f"syn-{i:07d}" for i in range(PAST_LIMIT)]
    hits = a.search(question, filters=Filters.from_input(release_ids=every))
    assert "syn-0012345" in [h.chunk.release_id for h in hits][:3]
    assert all(h.chunk.release_id.startswith("syn-") for h in hits)
    assert len(a.store.get_releases(every)) == PAST_LIMIT
    a.delete("syn-0012345")
    assert "syn-0012345" not in {h.chunk.release_id for h in a.search(question)}


@pytest.mark.slow
def test_a_new_replica_copies_an_index_past_the_sql_variable_limit(big_index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = big_index
    replica = KeywordIndex(tmp_path / "replica.sqlite3")
    synced = replica.sync(a.store)
    assert synced["keyword_rows_added"] == a.store.counts()["chunks"] == replica.count()
    replica.close()


def test_keyword_search_on_a_large_index_ranks_by_selective_terms(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A term in most rows (an organisation's own name) matches a fixed share of any index: on a large one it
    is left out of the ranking when a rarer term remains, so a search costs what its rare terms cost."""
    import assistant.keyword as keyword
    from assistant.types import Chunk

    def chunk(i: int, text: str) -> Chunk:
        return Chunk(id=f"c{i}", release_id=f"r{i}", index=0, text=text, start=0, end=len(text), title="",
                     date=None, source=None, url=None, content_hash="h")

    index = KeywordIndex(tmp_path / "k.sqlite3")
    index.add([chunk(i, f"Northwind Grid news item {i}.") for i in range(20)]
              + [chunk(99, "Northwind Grid opens the Quayside battery plant.")])
    question = "Northwind battery"
    assert len(index.search(question, 50)) == 21, "a small index ranks by every term"
    monkeypatch.setattr(keyword, "PRUNING", ((10, 0.1, 0),))
    rows = index.search(question, 50)
    assert [r.chunk_id for r in rows] == ["c99"], "the common name is not ranked; the rare term finds the row"
    assert [r.chunk_id for r in index.search("Northwind Grid", 50)][:1], "all terms common: the rarest is kept"
    index.add([chunk(i, f"Battery item {i}.") for i in range(100, 140)])  # a write refreshes the term counts
    # now both terms are common ("battery" the more so): the rarest, the name, is the one ranked
    assert {r.chunk_id for r in index.search(question, 100)} == {f"c{i}" for i in [*range(20), 99]}
    index.close()


def test_keyword_search_on_a_large_index_reads_a_bounded_number_of_rows(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A share of the rows grows with the index; the rows that a search ranks do not: the kept terms are taken
    rarest first while the rows they hold fit the budget (the rarest is always kept)."""
    import assistant.keyword as keyword
    from assistant.types import Chunk

    def chunk(i: int, text: str) -> Chunk:
        return Chunk(id=f"c{i}", release_id=f"r{i}", index=0, text=text, start=0, end=len(text), title="",
                     date=None, source=None, url=None, content_hash="h")

    def words(i: int) -> str:  # "quay" in 5 rows, "ferry" in 20, "harbour" in 40, of 400
        return " ".join(w for w, every in (("quay", 80), ("ferry", 20), ("harbour", 10)) if i % every == 0)

    index = KeywordIndex(tmp_path / "k.sqlite3")
    index.add([chunk(i, f"Item {i} {words(i)}.") for i in range(400)])
    monkeypatch.setattr(keyword, "PRUNING", ((100, 0.5, 30),))
    assert len(index.search("harbour ferry quay", 500)) == 20, "quay (5) and ferry (20) fit 30 rows; harbour not"
    monkeypatch.setattr(keyword, "PRUNING", ((100, 0.5, 3),))
    assert len(index.search("harbour ferry quay", 500)) == 5, "the rarest term is kept even over the budget"
    monkeypatch.setattr(keyword, "PRUNING", ((100, 0.5, 0),))
    assert len(index.search("harbour ferry quay", 500)) == 40, "no budget: every term under the share"
    index.close()


def test_document_frequencies_are_counted_again_after_a_write(tmp_path: Path) -> None:
    """The re-scorer's term weights come from counts kept between questions (counting a common word reads all its
    rows); a write makes them count again."""
    from assistant.types import Chunk

    def chunk(i: int, text: str) -> Chunk:
        return Chunk(id=f"c{i}", release_id=f"r{i}", index=0, text=text, start=0, end=len(text), title="",
                     date=None, source=None, url=None, content_hash="h")

    index = KeywordIndex(tmp_path / "k.sqlite3")
    index.add([chunk(0, "The dock reopened."), chunk(1, "A new dock crane."), chunk(2, "Rail news.")])
    assert index.doc_freqs(["dock", "rail", "absent"]) == (3, {"dock": 2, "rail": 1})
    assert index.doc_freqs(["dock"]) == (3, {"dock": 2})
    index.add([chunk(3, "The dock closed again.")])
    assert index.doc_freqs(["dock", "rail"]) == (4, {"dock": 3, "rail": 1})
    index.delete_release("r0")
    assert index.doc_freqs(["dock"]) == (3, {"dock": 2})
    index.close()
