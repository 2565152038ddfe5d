"""How releases and chunks are kept as Chroma records, and the filters over their metadata.

One place names the metadata fields of both record kinds and converts each way, so that a field added to
what the store persists (a release's new attribute) is written, read back and filtered on here alone;
``assistant.store`` moves these records in and out of Chroma, and ``Where`` is the one filter shape that
the vector store (``to_chroma``) and the keyword index (its own SQL) both apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.types import Chunk, Release, date_to_int


@dataclass(frozen=True)
class Where:
    """Metadata filters every retriever understands; translated to Chroma's ``where`` by ``to_chroma``."""

    since: int = 0  # yyyymmdd, inclusive
    until: int = 0  # yyyymmdd, inclusive
    sources: tuple[str, ...] = ()
    release_ids: tuple[str, ...] = ()

    def to_chroma(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.since:
            clauses.append({"date_int": {"$gte": self.since}})
        if self.until:
            clauses.append({"date_int": {"$lte": self.until}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.release_ids:
            clauses.append({"release_id": {"$in": list(self.release_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, release: Release) -> bool:
        return self.accepts_key(release.id, release.source or "", release.date_int)

    def accepts_key(self, release_id: str, source: str, date_int: int) -> bool:
        """Whether a chunk or release with these keys passes (a dateless one fails an ``until`` bound)."""
        return self.matcher()(release_id, source, date_int)

    def matcher(self) -> Callable[[str, str, int], bool]:
        """``accepts_key`` for many checks: the id and source lists made sets once (a filter may name 30k ids)."""
        since, until = self.since, self.until
        sources, ids = frozenset(self.sources), frozenset(self.release_ids)

        def accepts(release_id: str, source: str, date_int: int) -> bool:
            return ((not since or date_int >= since) and (not until or bool(date_int and date_int <= until))
                    and (not sources or source in sources) and (not ids or release_id in ids))

        return accepts


def release_meta(release: Release, n_chunks: int) -> dict[str, Any]:
    """A release record's metadata: its attributes, its live content hash and how many chunks that version has."""
    return {
        "title": release.title,
        "date": release.date or "",
        "date_int": release.date_int,
        "source": release.source or "",
        "url": release.url or "",
        "author": release.author or "",
        "path": release.path or "",
        "corrects": release.corrects or "",
        "date_inferred": release.date_inferred,
        "content_hash": release.content_hash,
        "n_chunks": n_chunks,
    }


def release_from(release_id: str, text: str, m: dict[str, Any]) -> Release:
    def opt(key: str) -> str | None:
        return str(m.get(key) or "") or None

    return Release(id=release_id, title=str(m.get("title", "")), text=text, date=opt("date"),
                   source=opt("source"), url=opt("url"), author=opt("author"), path=opt("path"),
                   corrects=opt("corrects"), date_inferred=bool(m.get("date_inferred", False)))


def chunk_meta(c: Chunk) -> dict[str, Any]:
    """A chunk record's metadata: what a hit shows without reading its release, and the keys filters use."""
    return {
        "release_id": c.release_id,
        "index": c.index,
        "start": c.start,
        "end": c.end,
        "title": c.title,
        "date": c.date or "",
        "date_int": date_to_int(c.date),
        "source": c.source or "",
        "url": c.url or "",
        "content_hash": c.content_hash,
        "date_inferred": c.date_inferred,
    }


def chunk_from(chunk_id: str, document: str, m: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        release_id=str(m["release_id"]),
        index=int(m.get("index", 0)),
        text=document,
        start=int(m.get("start", 0)),
        end=int(m.get("end", 0)),
        title=str(m.get("title", "")),
        date=str(m.get("date") or "") or None,
        source=str(m.get("source") or "") or None,
        url=str(m.get("url") or "") or None,
        content_hash=str(m.get("content_hash", "")),
        date_inferred=bool(m.get("date_inferred", False)),
    )
