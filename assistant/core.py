"""The Assistant: the one object the CLI, the API and the UI all call.

It wires settings to the store, the embedding model, the retriever and the answerers, and owns
the ingest loop (files -> releases -> chunks -> vectors -> store), which is idempotent: an
unchanged release costs one hash comparison, a changed one is swapped in atomically.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.errors import BadInput, NotFound
from assistant.settings import Settings
from assistant.types import Answer, Hit, IngestReport, Rejected, Release

Progress = Callable[[int, int, str], None]


class Assistant:
    """Answers questions over an index of press releases, and maintains that index."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()

    # ---- parts, built on first use so that small commands stay fast ----------------------
    @cached_property
    def embedder(self):  # type: ignore[no-untyped-def]
        from assistant.embedding import Embedder

        s = self.settings
        return Embedder(s.embedding_model, batch_size=s.embedding_batch_size, threads=s.threads)

    @cached_property
    def store(self):  # type: ignore[no-untyped-def]
        from assistant.store import open_store

        s = self.settings
        return open_store("chroma", path=s.data_dir, url=s.chroma_url, name=s.collection,
                          embedding_model=s.embedding_model)

    @cached_property
    def keyword(self):  # type: ignore[no-untyped-def]
        from assistant.keyword import KeywordIndex

        return KeywordIndex(self.settings.data_dir / f"{self.settings.collection}-keyword.sqlite3")

    @cached_property
    def retriever(self):  # type: ignore[no-untyped-def]
        from assistant.retrieval import Retriever

        return Retriever(self.store, self.embedder, self.keyword)

    def answerer(self, name: str | None = None):  # type: ignore[no-untyped-def]
        from assistant.answering import create_answerer

        s = self.settings
        return create_answerer(name or s.answerer, retriever=self.retriever, store=self.store,
                               embedder=self.embedder, top_k=s.top_k, min_relevance=s.min_relevance,
                               max_sentences=s.answer_sentences, max_question_chars=s.max_question_chars)

    # ---- questions ------------------------------------------------------------------------
    def ask(self, question: str, *, filters: Any = None, backend: str | None = None) -> Answer:
        """A short answer in which every sentence cites a release, or a plain 'not covered'."""
        return self.answerer(backend).answer(question, filters)

    def search(self, query: str, *, k: int | None = None, filters: Any = None) -> list[Hit]:
        from assistant.answering import check_question

        q = check_question(query, self.settings.max_question_chars)
        return self.retriever.search(q, k or self.settings.top_k, filters)

    # ---- releases -------------------------------------------------------------------------
    def releases(self) -> list[tuple[Release, int]]:
        return self.store.list_releases()

    def release(self, release_id: str) -> Release:
        found = self.store.get_release(release_id)
        if found is None:
            raise NotFound(f"no release with id {release_id!r}")
        return found

    def delete(self, release_id: str) -> None:
        if not self.store.delete_release(release_id):
            raise NotFound(f"no release with id {release_id!r}")
        self.keyword.delete_release(release_id)

    def health(self) -> dict[str, Any]:
        return {"status": "ok", **self.store.counts(), "model": self.embedder.name, "store": self.store.location}

    # ---- ingest ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, prune: bool = False, progress: Progress | None = None,
               report: IngestReport | None = None) -> IngestReport:
        """Index files and folders (recursively); see ``index_releases`` for what happens to each."""
        from assistant import corpus

        report = report or IngestReport()
        roots = [Path(p).resolve() for p in paths]
        for root in roots:
            if not root.exists():
                raise BadInput(f"no such file or folder: {root}")
        files = [(f, r) for f, r in corpus.iter_files(roots) if not _is_folder_doc(f)]
        loaded_ok: set[str] = set()
        seen_ids: set[str] = set()

        def releases() -> Iterator[Release | Rejected]:
            limit = int(self.settings.max_file_mb * 1_000_000)
            for n, (path, root) in enumerate(files, 1):
                if progress:
                    progress(n, len(files), str(path))
                failed = False
                for item in corpus.load_file(path, root, max_bytes=limit):
                    if isinstance(item, Rejected):
                        failed = True
                    else:
                        seen_ids.add(item.id)
                    yield item
                if not failed:
                    loaded_ok.add(str(path))

        self.index_releases(releases(), report=report, show_progress=progress is None)
        if prune:
            self._prune(roots, seen_ids, loaded_ok, report)
        return report

    def _prune(self, roots: list[Path], seen_ids: set[str], loaded_ok: set[str], report: IngestReport) -> None:
        """Remove releases that came from files under ``roots`` that are gone (or no longer hold them)."""
        for release, _ in self.store.list_releases():
            if not release.path:
                continue
            path = Path(release.path)
            if not any(path == r or r in path.parents for r in roots):
                continue
            gone = not path.exists() or (str(path) in loaded_ok and release.id not in seen_ids)
            if gone and self.store.delete_release(release.id):
                self.keyword.delete_release(release.id)
                report.removed.append(release.id)

    def index_releases(self, items: Iterable[Release | Rejected], *, report: IngestReport | None = None,
                       show_progress: bool = False) -> IngestReport:
        """Chunk, embed and store releases, in batches; unchanged ones are skipped by content hash.

        A changed release's new chunks go in before its record flips to the new version and the
        old chunks go, so searches see exactly one version at every moment.
        """
        from assistant.chunking import chunk_release

        report = report or IngestReport()
        s = self.settings
        live = self.store.release_hashes()
        pending: list[tuple[Release, list[Any]]] = []
        pending_chunks = 0
        ids_this_run: dict[str, str] = {}

        def flush() -> None:
            nonlocal pending, pending_chunks
            chunks = [c for _, cs in pending for c in cs]
            if chunks:
                vectors = self.embedder.embed([c.embedding_text() for c in chunks])
                self.store.add_chunks(chunks, vectors)
                self.keyword.add(chunks)
                report.chunks_embedded += len(chunks)
            for release, cs in pending:
                self.store.put_release(release, len(cs))
                self.store.drop_stale_chunks(release.id, release.content_hash)
                self.keyword.delete_release(release.id, keep_hash=release.content_hash)
                (report.updated if release.id in live else report.added).append(release.id)
                live[release.id] = release.content_hash
            pending, pending_chunks = [], 0

        bar = _progress_bar(show_progress)
        for item in items:
            if isinstance(item, Rejected):
                report.rejected.append(item)
                continue
            if bar is not None:
                bar.update(1)
            if item.id in ids_this_run:
                reason = f"same release id {item.id!r} as {ids_this_run[item.id]}; kept the first"
                report.rejected.append(Rejected(item.path or item.id, reason))
                continue
            ids_this_run[item.id] = item.path or item.id
            if live.get(item.id) == item.content_hash:
                report.unchanged.append(item.id)
                continue
            chunks = chunk_release(item, self.embedder.count_tokens, size=s.chunk_tokens, overlap=s.chunk_overlap)
            if not chunks:
                report.rejected.append(Rejected(item.path or item.id, "no text to index"))
                continue
            pending.append((item, chunks))
            pending_chunks += len(chunks)
            if pending_chunks >= 256:
                flush()
        flush()
        if bar is not None:
            bar.close()
        self.reconcile()
        return report

    def reconcile(self) -> dict[str, int]:
        """Make the vector store and the keyword index agree after an interrupted write.

        Chunks no live release owns are deleted from both; live chunks the keyword index lacks
        are copied into it from the vector store (no re-embedding needed).
        """
        dropped = self.store.sweep()
        live = self.store.release_hashes()
        keys = self.keyword.chunk_keys()
        stale = [cid for cid, (rid, h) in keys.items() if live.get(rid) != h]
        self.keyword.delete_chunks(stale)
        chunk_ids = self.store.chunk_ids()
        missing = [cid for cid in chunk_ids if cid not in keys]
        if missing:
            self.keyword.add(list(self.store.get_chunks(missing).values()))
        return {"vector_chunks_dropped": dropped, "keyword_rows_dropped": len(stale),
                "keyword_rows_added": len(missing)}


def _is_folder_doc(path: Path) -> bool:
    """README and LICENSE files describe a folder of releases; they are not releases themselves."""
    return path.stem.upper() in {"README", "LICENSE", "LICENCE"} and path.suffix.lower() in {"", ".md", ".txt"}


def _progress_bar(show: bool):  # type: ignore[no-untyped-def]
    """A release counter on stderr; tqdm hides it by itself when stderr is not a terminal."""
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(unit=" releases", desc="ingest", file=sys.stderr, disable=None)
