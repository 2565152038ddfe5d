"""Ingest through the real pipeline: files -> releases -> chunks -> real embeddings -> real Chroma."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.errors import BadInput

from .conftest import SEED, make_assistant


def _state(a) -> tuple[dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    chunks = sorted(c.id for c in a.store.all_chunks())
    return a.store.release_hashes(), chunks


def test_reingest_of_unchanged_corpus_embeds_nothing(tmp_path: Path, corpus_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    first = a.ingest([corpus_copy])
    assert len(first.added) >= 21 and first.chunks_embedded > 0
    before = embedder.embedded
    second = a.ingest([corpus_copy])
    assert embedder.embedded == before, "re-ingest computed embeddings"
    assert second.chunks_embedded == 0 and not second.added and not second.updated
    assert sorted(second.unchanged) == sorted(first.added)


def test_edited_release_replaces_its_old_chunks(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "news"
    folder.mkdir()
    page = folder / "launch.md"
    page.write_text("---\ntitle: Harbor app launch\ndate: 2024-03-01\n---\n"
                    "HARLOW BAY, March 1, 2024 -- The Harbor app launches with 12 languages today.\n")
    a = make_assistant(tmp_path / "idx", embedder)
    a.ingest([folder])
    _, old_chunks = _state(a)
    page.write_text("---\ntitle: Harbor app launch\ndate: 2024-03-01\n---\n"
                    "HARLOW BAY, March 1, 2024 -- The Harbor app launches with 40 languages today.\n")
    report = a.ingest([folder])
    assert report.updated == ["launch.md"] and not report.added
    hashes, new_chunks = _state(a)
    assert not set(old_chunks) & set(new_chunks), "old chunks are still stored"
    texts = [h.chunk.text for h in a.search("How many languages does the Harbor app have?")]
    assert any("40 languages" in t for t in texts) and not any("12 languages" in t for t in texts)
    assert a.store.counts() == {"releases": 1, "chunks": len(new_chunks)}


def test_prune_removes_releases_whose_files_are_gone(tmp_path: Path, corpus_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    a.ingest([corpus_copy])
    n = a.store.counts()["releases"]
    victim = next(p for p in sorted(corpus_copy.iterdir()) if p.suffix == ".md")
    victim.unlink()
    kept = a.ingest([corpus_copy])
    assert a.store.counts()["releases"] == n, "without --prune nothing is removed"
    assert not kept.removed
    pruned = a.ingest([corpus_copy], prune=True)
    assert len(pruned.removed) == 1 and a.store.counts()["releases"] == n - 1
    hashes, chunks = _state(a)
    assert all(c.split("-")[1] in {h[:12] for h in hashes.values()} for c in chunks), "orphan chunks left"


def _bad_files(folder: Path) -> dict[str, str]:
    """Bad files of each kind, and a word their rejection reason must contain."""
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(os.urandom(4096) + b"\x00" * 64)
    (folder / "latin1.txt").write_bytes("Caf\xe9 opening announced today in the city centre.".encode("latin-1"))
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04 not really")
    (folder / "fake.pdf").write_bytes(b"this is not a pdf at all")
    (folder / "broken.json").write_text('{"title": "x", "body": ')
    return {"empty.txt": "empty", "junk.txt": "binary", "latin1.txt": "UTF-8", "slides.pptx": "unsupported",
            "fake.pdf": "PDF", "broken.json": "JSON"}


def test_bad_files_are_skipped_with_reasons_and_leave_the_index_intact(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    good = tmp_path / "good"
    good.mkdir()
    (good / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    a.ingest([good])
    before = _state(a)
    bad = tmp_path / "bad"
    bad.mkdir()
    expected = _bad_files(bad)
    (bad / "unreadable.txt").symlink_to(bad / "vanished-target.txt")  # unreadable even for root
    report = a.ingest([bad])
    reasons = {Path(r.path.split(" line ")[0]).name: r.reason for r in report.rejected}
    for name, word in expected.items():
        assert name in reasons, f"{name} was not reported"
        assert word.lower() in reasons[name].lower(), f"{name}: {reasons[name]}"
    assert "unreadable.txt" in reasons and "read" in reasons["unreadable.txt"].lower()
    assert _state(a) == before
    assert not report.added and report.chunks_embedded == 0


def test_missing_path_is_a_clear_error(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    with pytest.raises(BadInput, match="no such file or folder"):
        a.ingest([tmp_path / "nope"])


def test_same_id_twice_in_one_run_keeps_the_first(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "dup"
    folder.mkdir()
    for name in ("a.md", "b.md"):
        (folder / name).write_text(f"---\ntitle: Same\nurl: https://example.com/same\n---\nBody of {name} here.\n")
    report = make_assistant(tmp_path / "idx", embedder).ingest([folder])
    assert report.added == ["https://example.com/same"]
    assert len(report.rejected) == 1 and "same release id" in report.rejected[0].reason


def test_delete_removes_release_and_chunks(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "idx", embedder)
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    a.ingest([folder])
    a.delete("seed.txt")
    assert a.store.counts() == {"releases": 0, "chunks": 0}
