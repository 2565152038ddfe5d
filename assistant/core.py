"""The Assistant: the one object the CLI, the API and the UI all call.

It wires settings to the store, the embedding model, the retriever and the answerers, and owns
the ingest loop (files -> releases -> chunks -> vectors -> store), which is idempotent: an
unchanged release costs one hash comparison, a changed one is swapped in atomically.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property, partial, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import BadInput, NotFound
from assistant.protocols import LLM, Answerer, Summarizer
from assistant.settings import Settings
from assistant.types import Answer, Hit, IngestReport, Rejected, Release, Summary

if TYPE_CHECKING:
    from assistant.embedding import Embedder
    from assistant.keyword import KeywordIndex
    from assistant.retrieval import Retriever
    from assistant.store import ChromaStore

Progress = Callable[[int, int, str], None]
log = logging.getLogger(__name__)


def _writes(method: Callable[..., Any]) -> Callable[..., Any]:
    """Hold the index's writer lock while ``method`` runs: one writing process per embedded index."""

    @wraps(method)
    def wrapper(self: Assistant, *args: Any, **kwargs: Any) -> Any:
        with self.store.writing():
            return method(self, *args, **kwargs)

    return wrapper


class Assistant:
    """Answers questions over an index of press releases, and maintains that index."""

    def __init__(self, settings: Settings | None = None, *, llm: Any = None) -> None:
        """``llm``: any llama-index ``LLM`` object (or one of ``assistant.llm``'s clients); when given, it
        answers and summarises by default (``backend="extractive"`` still picks the offline path)."""
        self.settings = settings or Settings.from_env()
        self._llm = llm

    # ---- parts, built on first use so that small commands stay fast ----------------------
    @cached_property
    def embedder(self) -> Embedder:
        from assistant.embedding import create_embedder

        s = self.settings
        return create_embedder(s.embedding_backend, s.embedding_model, batch_size=s.embedding_batch_size,
                               threads=s.threads, cache_dir=s.onnx_cache_dir)

    @cached_property
    def store(self) -> ChromaStore:
        from assistant.store import open_store

        s = self.settings
        return open_store("chroma", path=s.data_dir, url=s.chroma_url, name=s.collection,
                          cache_seconds=s.keyword_sync_seconds,
                          embedding_model=self.embedder.store_label)

    @cached_property
    def keyword(self) -> KeywordIndex:
        from assistant.keyword import KeywordIndex

        s = self.settings
        # Derived state, one file per process's data folder; with a Chroma server, named after the server
        # too, so that one folder never mixes two indexes (see assistant/keyword.py).
        suffix = "-" + hashlib.sha1(s.chroma_url.encode()).hexdigest()[:10] if s.chroma_url else ""
        return KeywordIndex(s.data_dir / f"{s.collection}-keyword{suffix}.sqlite3")

    @cached_property
    def retriever(self) -> Retriever:
        from assistant.retrieval import Retriever

        return Retriever(self.store, self.embedder, self.keyword, sync_seconds=self.settings.keyword_sync_seconds)

    def answerer(self, name: str | None = None) -> Answerer:
        from assistant.backends import create_answerer

        s = self.settings
        name = name or ("openai" if self._llm is not None else s.answerer)
        extra: dict[str, Any] = {}
        if name == "openai":  # the LLM is configured here so that the extractive path never touches it
            extra = {"llm": self.llm(), "drop_unsupported": s.drop_unsupported,
                     "support_threshold": s.support_threshold}
        return create_answerer(name, retriever=self.retriever, store=self.store,
                               embedder=self.embedder, top_k=s.top_k, min_relevance=s.min_relevance,
                               max_sentences=s.answer_sentences, max_question_chars=s.max_question_chars, **extra)

    # ---- questions ------------------------------------------------------------------------
    def ask(self, question: str, *, filters: Any = None, backend: str | None = None,
            history: Sequence[Mapping[str, Any]] | None = None) -> Answer:
        """A short answer in which every sentence cites a release, or a plain 'not covered'.

        ``history`` holds the earlier turns (chat messages, oldest first): a follow-up ("who signed it?") is
        read against the previous question and answer. A backend that cannot take it gets the question
        completed with the previous one instead.
        """
        answerer: Any = self.answerer(backend)  # ``history`` is a capability some answerers have (the protocol's extra)
        if history and _takes_history(answerer):
            return answerer.answer(question, filters, history=list(history))
        return answerer.answer(self.follow_up(question, history) if history else question, filters)

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

    @_writes
    def delete(self, release_id: str) -> None:
        if not self.store.delete_release(release_id):
            raise NotFound(f"no release with id {release_id!r}")
        self.keyword.delete_release(release_id)

    def health(self) -> dict[str, Any]:
        return {"status": "ok", **self.store.counts(), "model": self.embedder.name, "store": self.store.location}

    # ---- ingest ---------------------------------------------------------------------------
    @_writes
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
                for item in _guarded(str(path), partial(corpus.load_file, path, root, max_bytes=limit)):
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

    @_writes
    def index_releases(self, items: Iterable[Release | Rejected], *, report: IngestReport | None = None,
                       show_progress: bool = False) -> IngestReport:
        """Chunk, embed and store releases, in batches; unchanged ones are skipped by content hash.

        A changed release's new chunks go in before its record flips to the new version and the
        old chunks go, so searches see exactly one version at every moment.
        """
        from assistant.answering.context import store_bodies
        from assistant.chunking import chunk_release, chunk_sentences

        report = report or IngestReport()
        s = self.settings
        live = self.store.release_hashes()
        pending: list[tuple[Release, list[Any]]] = []
        pending_chunks = 0
        ids_this_run: dict[str, str] = {}

        def flush() -> None:
            nonlocal pending, pending_chunks
            chunks = [c for _, cs in pending for c in cs]
            sentence_vectors = None
            if chunks:
                vectors, sentence_vectors = self.embedder.embed_passages([chunk_sentences(c.text) for c in chunks])
                self.store.add_chunks(chunks, vectors)
                report.chunks_embedded += len(chunks)
            # Records flip after every chunk is stored; the keyword rows follow the records (a crash in
            # between is repaired by ``keyword.sync``, which the changed generation triggers).
            self.store.put_releases([(release, len(cs)) for release, cs in pending])
            self.keyword.add(chunks, sentence_vectors)
            store_bodies([release for release, _ in pending], self.keyword)  # what answers read of each, kept
            for release, _ in pending:
                if release.id in live:  # a new release has no older version (leftovers of a crash: ``sweep``)
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
            try:
                chunks = chunk_release(item, self.embedder.count_tokens, size=self._chunk_size(),
                                       overlap=s.chunk_overlap)
            except Exception as e:  # a bug or a library limit hit by one release must not lose the others
                log.warning("could not split %s into passages", item.path or item.id, exc_info=True)
                reason = f"could not be split into passages: {type(e).__name__}: {e}"
                report.rejected.append(Rejected(item.path or item.id, reason))
                continue
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

    def _chunk_size(self) -> int:
        """Tokens of text per chunk: the setting, at most what fits the model's window with its two special tokens.

        The title takes no room: the index embeds a chunk's sentences alone and pools them
        (``Embedder.embed_passages``), so a chunk may use its whole budget for text. (It used to leave room
        for the title; 254 tokens instead of ~230 put 7% fewer chunks in a release, and on the MultiHop-RAG
        dev split evidence recall@10 rose 0.009 on alternate-halves cross-validation and held on fact-disjoint
        ones. ``Chunk.embedding_text`` may then exceed the window by the title for a tool that embeds it whole.)
        """
        return max(32, min(self.settings.chunk_tokens, self.embedder.max_tokens - 2))

    @_writes
    def reconcile(self) -> dict[str, int]:
        """Make the vector store and the keyword index agree after an interrupted write.

        Chunks no live release owns are deleted from both; live chunks the keyword index lacks
        are copied into it from the vector store (no re-embedding needed). Every release's chunks
        are compared, whatever the generation token says.
        """
        dropped = self.store.sweep()
        return {"vector_chunks_dropped": dropped, **self.keyword.sync(self.store, force=True)}

    # ---- for the web app: follow-ups, streaming, uploads, re-index --------------------------
    def follow_up(self, question: str, history: Sequence[Mapping[str, Any]] | None = None) -> str:
        """The question to retrieve for, given the conversation so far (see ``with_context``)."""
        return with_context(question, history, self.settings.max_question_chars)

    def ask_stream(self, question: str, *, history: Sequence[Mapping[str, Any]] | None = None,
                   filters: Any = None, backend: str | None = None) -> Iterator[str | Answer]:
        """The answer as it is made: pieces of text, then the finished ``Answer``, always last.

        An LLM backend streams its tokens; the extractive one yields its composed answer a few words
        at a time, so that the pieces join to exactly ``Answer.text``.
        """
        answerer: Any = self.answerer(backend)
        if history and _takes_history(answerer):
            yield from answerer.stream(question, filters, history=list(history))
            return
        yield from answerer.stream(self.follow_up(question, history) if history else question, filters)

    def add_files(self, files: Iterable[tuple[str, bytes]], *, progress: Progress | None = None) -> IngestReport:
        """Index uploaded files given as (file name, bytes): the formats and checks of ``ingest``.

        A release's id is the URL found in it, else the file's base name, so uploading a file
        again updates its release instead of adding a copy.
        """
        from assistant import corpus

        files = list(files)
        limit = int(self.settings.max_file_mb * 1_000_000)

        def releases() -> Iterator[Release | Rejected]:
            for n, (name, data) in enumerate(files, 1):
                base = corpus.upload_name(name)
                if progress:
                    progress(n, len(files), base)
                yield from _guarded(base, partial(corpus.load_bytes, data, base, max_bytes=limit))

        return self.index_releases(releases())

    def add_text(self, text: str, *, title: str | None = None, date: str | None = None, url: str | None = None,
                 source: str | None = None) -> IngestReport:
        """Index one release given as text; its id is its URL, else a hash of its title and text."""
        import hashlib

        from assistant.corpus import release_from_text

        rid = url or "text-" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:16]
        release = release_from_text(text, release_id=rid, title=title, date=date, url=url, source=source)
        return self.index_releases([release])

    def reindex(self, *, progress: Progress | None = None) -> IngestReport:
        """Re-read the corpus folder (changed files replace their releases, vanished ones go) and repair."""
        folder = Path(self.settings.corpus_dir) if self.settings.corpus_dir else None
        if folder is not None and folder.is_dir():
            return self.ingest([folder], prune=True, progress=progress)
        self.reconcile()
        return IngestReport()

    # ---- LLM and summaries ------------------------------------------------------------------
    def llm(self) -> LLM:
        """The LLM given to the constructor, else the configured OpenAI-compatible one (ASSISTANT_LLM_*);
        a ConfigError with a hint when neither is set."""
        from assistant.backends import as_llm, llm_from_settings

        if "_llm_client" not in self.__dict__:  # one client (and its connection pool) for every request
            self.__dict__["_llm_client"] = as_llm(self._llm) if self._llm is not None else llm_from_settings(
                self.settings)
        return self.__dict__["_llm_client"]

    def summarizer(self, name: str | None = None) -> Summarizer:
        from assistant.backends import create_summarizer

        s = self.settings
        name = name or ("openai" if self._llm is not None else s.summarizer)
        if name == "extractive" and "_extractive_summarizer" in self.__dict__:
            return self.__dict__["_extractive_summarizer"]  # keeps its sentence vectors between calls
        llm = self.llm() if name == "openai" else None
        made = create_summarizer(name, embedder=self.embedder, llm=llm, drop_unsupported=s.drop_unsupported,
                                 support_threshold=s.support_threshold)
        if name == "extractive":
            self.__dict__["_extractive_summarizer"] = made
        return made

    def summary_releases(self, *, release_ids: Sequence[str] | None = None, query: str | None = None,
                         since: str | None = None, until: str | None = None,
                         sources: Sequence[str] | None = None) -> list[Release]:
        """The releases a summary covers: those named, else the best matches for a topic, else the newest
        that pass the date and source filters (at most ASSISTANT_SUMMARY_RELEASES)."""
        from assistant.summaries import select_releases, with_corrections

        s = self.settings
        return with_corrections(self.store, select_releases(
            self.store, self.retriever, release_ids=release_ids, query=query, since=since, until=until,
            sources=sources, limit=s.summary_releases, min_relevance=s.min_relevance,
            max_query_chars=s.max_question_chars))

    def summarize(self, *, release_ids: Sequence[str] | None = None, query: str | None = None,
                  since: str | None = None, until: str | None = None, sources: Sequence[str] | None = None,
                  fmt: str = "brief", backend: str | None = None) -> Summary:
        """A cited summary draft (brief, bullets, social, newsletter or exec) of one or more releases."""
        final = None
        for item in self.summarize_stream(release_ids=release_ids, query=query, since=since, until=until,
                                          sources=sources, fmt=fmt, backend=backend):
            final = item
        assert isinstance(final, Summary)
        return final

    def summarize_stream(self, *, release_ids: Sequence[str] | None = None, query: str | None = None,
                         since: str | None = None, until: str | None = None, sources: Sequence[str] | None = None,
                         fmt: str = "brief", backend: str | None = None) -> Iterator[str | Summary]:
        """The summary as it is made: text pieces (an LLM's tokens), then the checked ``Summary``, always last."""
        from assistant.summaries import check_format, empty_summary

        fmt = check_format(fmt)
        summarizer = self.summarizer(backend)
        releases = self.summary_releases(release_ids=release_ids, query=query, since=since, until=until,
                                         sources=sources)
        if not releases:
            yield empty_summary(fmt, summarizer.name)
            return
        yield from summarizer.stream(releases, fmt, query=query)


def with_context(question: str, history: Sequence[Mapping[str, Any]] | None, max_chars: int) -> str:
    """A follow-up completed with the previous user question from chat messages (see ``query.with_context``)."""
    from assistant.query import with_context as complete

    q = (question or "").strip()
    said = [m.get("content") for m in history or () if m.get("role") == "user"]
    previous = [p.strip() for p in said if isinstance(p, str) and p.strip() and p.strip() != q]
    combined = complete(q, previous) if q else question
    return combined if len(combined) <= max_chars else question


def _guarded(name: str, load: Callable[[], Iterable[Release | Rejected]]) -> list[Release | Rejected]:
    """What ``load`` gives for one file, or one ``Rejected`` naming the error when reading it fails unexpectedly:
    one file (a parser's bug, a library's limit) never loses the rest of a run."""
    try:
        return list(load())
    except Exception as e:
        log.warning("could not read %s", name, exc_info=True)
        return [Rejected(name, f"could not be read: {type(e).__name__}: {e}")]


def _takes_history(answerer: Any) -> bool:
    import inspect

    return "history" in inspect.signature(answerer.answer).parameters


def _is_folder_doc(path: Path) -> bool:
    """README and LICENSE files describe a folder of releases; they are not releases themselves."""
    return path.stem.upper() in {"README", "LICENSE", "LICENCE"} and path.suffix.lower() in {"", ".md", ".txt"}


def _progress_bar(show: bool) -> Any:
    """A release counter on stderr; tqdm hides it by itself when stderr is not a terminal."""
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(unit=" releases", desc="ingest", file=sys.stderr, disable=None)
