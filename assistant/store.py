"""The vector store: the only module that imports chromadb.

Two collections per index: ``<name>-chunks`` holds one vector per chunk (cosine space, our own
embeddings always passed, so Chroma never tries to download its default model), and
``<name>-releases`` holds one record per release with its full clean text and its current
content hash. The release record is the switch that makes a version live: a changed release's
new chunks are written first, then its record flips to the new hash, then the old chunks are
deleted. Searches drop chunks whose hash is not the live one, so at no moment are both
versions, or neither, searchable; a crash between the steps leaves only invisible leftovers
that ``sweep()`` removes.

A third collection, ``<name>-state``, holds one record: a generation token that every change of
the live set (release records written or deleted, leftovers swept) replaces. Several app
processes can share one ``chroma run`` server; each keeps derived state (the keyword index) of
its own and uses the token to notice, cheaply, that another process changed the index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import paging
from assistant.errors import AssistantError, ConfigError, disk_full, disk_full_said, writes_index
from assistant.records import Where, chunk_from, chunk_meta, release_from, release_meta
from assistant.types import Chunk, Release

if TYPE_CHECKING:
    import numpy as np

# HNSW defaults give poor recall on small collections; these values trade a little speed for it.
_HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 128, "max_neighbors": 32}
_BATCH = 2000  # Chroma caps the size of one write
_ID_BATCH = 200  # release ids per ``$in`` filter when fetching their chunks
_GENERATION = "generation"
# How chunk vectors are made (``Embedder.embed_passages``), recorded with the collection: an index from before
# pooling holds whole-chunk vectors, whose cosines run higher than the relevance thresholds expect.
CHUNK_VECTORS = "sentence-mean"
log = logging.getLogger(__name__)


class ChromaStore:
    """Chunks and release records in Chroma, embedded (a folder) or over HTTP (a ``chroma run`` server)."""

    def __init__(self, *, path: Path | None = None, url: str = "", name: str = "releases",
                 embedding_model: str = "", cache_seconds: float = 2.0) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                from urllib.parse import urlparse

                u = urlparse(url if "://" in url else f"http://{url}")
                self._client = chromadb.HttpClient(
                    host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path / "chroma"), settings=chroma_settings)
        except Exception as e:
            where = url or str(path)
            full = disk_full(e, where)
            if full is not None:
                raise full from None
            raise AssistantError(f"cannot open the Chroma store at {where}: {e}", status=503,
                                 code="store_unavailable") from None
        self.location = url or str(path)
        self._folder = None if url else path  # embedded: the folder whose writer lock guards it
        with disk_full_said(self.location):  # creating a new index writes too
            self._open_collections(name, embedding_model)
        self.cache_seconds = cache_seconds
        self._live: tuple[str, dict[str, str]] | None = None  # (generation, release id -> live hash)
        self._live_checked = float("-inf")

    def _open_collections(self, name: str, embedding_model: str) -> None:
        self._chunks = self._client.get_or_create_collection(
            f"{name}-chunks", embedding_function=None, configuration={"hnsw": _HNSW},
            metadata={"embedding_model": embedding_model or "default", "chunk_vectors": CHUNK_VECTORS},
        )
        meta = self._chunks.metadata or {}
        stored_model = meta.get("embedding_model")
        if meta.get("chunk_vectors") != CHUNK_VECTORS and self._chunks.count():
            log.warning("the index at %s holds whole-chunk vectors from an older version; answers stay correct, but "
                        "relevance thresholds are calibrated for chunk vectors pooled from sentences: ingest into a "
                        "new ASSISTANT_DATA_DIR to rebuild it", self.location)
        if embedding_model and stored_model and stored_model != (embedding_model or "default"):
            raise ConfigError(
                f"the index at {self.location} was built with embedding model {stored_model!r}, "
                f"not {embedding_model!r}: use another ASSISTANT_DATA_DIR or ASSISTANT_COLLECTION"
            )
        self._releases = self._client.get_or_create_collection(
            f"{name}-releases", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self._state = self._client.get_or_create_collection(
            f"{name}-state", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )

    # ---- one writing process per embedded index (see assistant/locking.py) ---------------------------
    def writing(self) -> AbstractContextManager[None]:
        """Hold this index's writer lock for a block of writes; ``IndexBusy`` if another process has it."""
        from assistant import locking

        return locking.writing(self._folder)

    def claim(self) -> None:
        """Hold this index's writer lock until the process ends (a server, which writes whenever asked to)."""
        from assistant import locking

        if self._folder is not None:
            locking.acquire(self._folder)

    # ---- change tracking ------------------------------------------------------------------
    def generation(self) -> str:
        """A token that changes whenever the set of live releases or chunks changes ('' before the first)."""
        got = self._state.get(ids=[_GENERATION], include=["metadatas"])
        return str((got["metadatas"] or [{}])[0].get("value", "")) if got["ids"] else ""

    def live_hashes(self) -> dict[str, str]:
        """Live hash of every release, for filtering search results: cached while the generation stays.

        The generation is checked at most every ``cache_seconds``; this process's own writes drop the
        cache at once. A cache that lags another process's write still names one version per release
        (the previous one), so results stay consistent, and catch up within ``cache_seconds``.
        """
        import time

        cached, now = self._live, time.monotonic()
        if cached is not None and now - self._live_checked < self.cache_seconds:
            return cached[1]
        generation = self.generation()
        self._live_checked = now
        if cached is None or cached[0] != generation:
            cached = (generation, self.release_hashes())
            self._live = cached
        return cached[1]

    @writes_index
    def _changed(self) -> None:
        import uuid

        self._live = None

        self._state.upsert(ids=[_GENERATION], embeddings=[[1.0]], metadatas=[{"value": uuid.uuid4().hex}])

    # ---- releases -------------------------------------------------------------------------
    def release_hashes(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        """Live content hash of each release (all releases when ``ids`` is None)."""
        if ids is not None and not ids:
            return {}
        pages = (paging.scan(self._releases, ["metadatas"]) if ids is None
                 else paging.get_ids(self._releases, ids, ["metadatas"]))
        return {i: str(m.get("content_hash", "")) for i, m in paging.rows(pages, "metadatas")}

    def release_states(self) -> dict[str, tuple[str, int]]:
        """Every live release: id -> (content hash, number of chunks), from the release records."""
        return {i: (str(m.get("content_hash", "")), int(m.get("n_chunks", 0)))
                for i, m in paging.rows(paging.scan(self._releases, ["metadatas"]), "metadatas")}

    def get_release(self, release_id: str) -> Release | None:
        got = self._releases.get(ids=[release_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return release_from(got["ids"][0], got["documents"][0], got["metadatas"][0])

    def get_releases(self, ids: Sequence[str]) -> dict[str, Release]:
        pages = paging.get_ids(self._releases, ids, ["metadatas", "documents"])
        return {i: release_from(i, d, m) for i, m, d in paging.rows(pages, "metadatas", "documents")}

    def list_releases(self) -> list[tuple[Release, int]]:
        """Every release with its chunk count, newest first."""
        pages = paging.scan(self._releases, ["metadatas", "documents"])
        rows = [(release_from(i, d, m), int(m.get("n_chunks", 0)))
                for i, m, d in paging.rows(pages, "metadatas", "documents")]
        rows.sort(key=lambda r: (r[0].date_int, r[0].title), reverse=True)
        return rows

    def put_release(self, release: Release, n_chunks: int) -> None:
        """Write the release record: from this call on, chunks with its hash are the live ones."""
        self.put_releases([(release, n_chunks)])

    @writes_index
    def put_releases(self, items: Sequence[tuple[Release, int]]) -> None:
        """Write several release records in one call (each with its number of chunks), then mark the change."""
        if not items:
            return
        for i in range(0, len(items), _BATCH):
            part = items[i : i + _BATCH]
            self._releases.upsert(
                ids=[r.id for r, _ in part], embeddings=[[1.0]] * len(part), documents=[r.text for r, _ in part],
                metadatas=[release_meta(r, n) for r, n in part],
            )
        self._changed()

    @writes_index
    def delete_release(self, release_id: str) -> bool:
        """Remove a release: its record first (its chunks stop being served), then its chunks."""
        if not self._releases.get(ids=[release_id], include=[])["ids"]:
            return False
        self._releases.delete(ids=[release_id])
        self._changed()
        self._chunks.delete(where={"release_id": release_id})
        return True

    # ---- chunks ---------------------------------------------------------------------------
    @writes_index
    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for i in range(0, len(chunks), _BATCH):
            part = chunks[i : i + _BATCH]
            self._chunks.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i : i + _BATCH],
                documents=[c.text for c in part],
                metadatas=[chunk_meta(c) for c in part],
            )

    @writes_index
    def drop_stale_chunks(self, release_id: str, live_hash: str) -> None:
        self._chunks.delete(where={"$and": [{"release_id": release_id}, {"content_hash": {"$ne": live_hash}}]})

    @writes_index
    def sweep(self) -> int:
        """Delete chunks that no live release owns (leftovers of an interrupted write); returns how many.

        Each release record counts its chunks, so when the store holds exactly as many chunks as the
        records add up to, there are no leftovers (every write adds a version's chunks before its record
        flips, and removes a record before its chunks): the chunks are then not read at all, which keeps
        an ingest into an index of a million chunks from reading them all.
        """
        states = self.release_states()
        if self._chunks.count() == sum(n for _, n in states.values()):
            return 0
        stale = [
            i for i, m in paging.rows(paging.scan(self._chunks, ["metadatas"]), "metadatas")
            if states.get(str(m.get("release_id")), ("",))[0] != m.get("content_hash")
        ]
        for i in range(0, len(stale), _BATCH):
            self._chunks.delete(ids=stale[i : i + _BATCH])
        if stale:
            self._changed()
        return len(stale)

    def chunk_ids(self) -> list[str]:
        return [i for (i,) in paging.rows(paging.scan(self._chunks, []))]

    def all_chunks(self) -> list[Chunk]:
        pages = paging.scan(self._chunks, ["metadatas", "documents"])
        return [chunk_from(i, d, m) for i, m, d in paging.rows(pages, "metadatas", "documents")]

    def get_chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        pages = paging.get_ids(self._chunks, ids, ["metadatas", "documents"])
        return {i: chunk_from(i, d, m) for i, m, d in paging.rows(pages, "metadatas", "documents")}

    def live_chunks(self, states: dict[str, tuple[str, int]]) -> list[Chunk]:
        """The chunks of the given releases whose hash is the live one (``states`` as ``release_states``)."""
        return [c for part in self.iter_live_chunks(states) for c in part]

    def iter_live_chunks(self, states: dict[str, tuple[str, int]]) -> Iterator[list[Chunk]]:
        """``live_chunks`` a batch of releases at a time, so that a caller copying a whole index holds one batch."""
        ids = list(states)
        for i in range(0, len(ids), _ID_BATCH):
            part = ids[i : i + _ID_BATCH]
            out: list[Chunk] = []
            pages = paging.scan(self._chunks, ["metadatas", "documents"], {"release_id": {"$in": part}})
            for cid, m, d in paging.rows(pages, "metadatas", "documents"):
                if states[str(m.get("release_id"))][0] == m.get("content_hash"):
                    out.append(chunk_from(cid, d, m))
            yield out

    def get_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        import numpy as np

        pages = paging.get_ids(self._chunks, ids, ["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in paging.rows(pages, "embeddings")}

    def query(self, vector: Sequence[float], k: int, where: Where | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity (1 - distance), live versions only."""
        n = k * 2 + 4
        rows: list[tuple[Chunk, float]] = []
        for w in paging.chroma_wheres(where):
            got = self._chunks.query(query_embeddings=[list(map(float, vector))], n_results=n, where=w,
                                     include=["metadatas", "documents", "distances"])
            rows += [(chunk_from(i, d, m), 1.0 - float(dist))
                     for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                              got["distances"][0], strict=True)]
        rows = sorted(rows, key=lambda r: -r[1])[:n]
        live = self.live_hashes()
        return [(c, s) for c, s in rows if live.get(c.release_id) == c.content_hash][:k]

    def query_ids(self, vector: Sequence[float], k: int, where: Where | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, any version: the caller checks liveness.

        Chroma's metadata and documents cost most of a query; a caller that knows the chunks' keys
        (the keyword index does) asks for ids and distances only, then fetches the few chunks it keeps.
        """
        return self.query_ids_many([vector], k, where)[0]

    def query_ids_many(self, vectors: Sequence[Sequence[float]] | np.ndarray, k: int, where: Where | None = None
                       ) -> list[list[tuple[str, float]]]:
        """``query_ids`` for several vectors in one call (the clauses of a question), one list per vector."""
        if not len(vectors):
            return []
        out: list[list[tuple[str, float]]] = [[] for _ in vectors]
        for w in paging.chroma_wheres(where):
            got = self._chunks.query(query_embeddings=[list(map(float, v)) for v in vectors], n_results=k,
                                     where=w, include=["distances"])
            for row, ids, dists in zip(out, got["ids"], got["distances"], strict=True):
                row += [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]
        return [sorted(row, key=lambda r: -r[1])[:k] for row in out] if where and where.release_ids else out

    def counts(self) -> dict[str, int]:
        return {"releases": self._releases.count(), "chunks": self._chunks.count()}


def open_store(kind: str, **kwargs: Any) -> ChromaStore:
    """Stores by name: ``chroma`` (embedded, or over HTTP when a URL is given)."""
    if kind == "chroma":
        return ChromaStore(**kwargs)
    raise ConfigError(f"unknown store backend {kind!r} (known: chroma)")


