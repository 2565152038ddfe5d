"""Reads of any size from Chroma, in pages that stay under SQLite's limit on bound variables.

Chroma binds one SQLite variable per record a ``get()`` returns (and per id or ``$in`` value it is given),
and SQLite allows 32,766: a ``get()`` of a whole collection, or a filter naming more ids, fails past that
many ("too many SQL variables"). Every read of an unbounded set goes through here instead. These helpers
work on a collection object that ``assistant.store`` hands them and import nothing of Chroma's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from assistant.records import Where

PAGE = 5000  # rows per read, and ids per ``$in`` filter


def scan(collection: Any, include: list[str], where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every record of ``collection`` (those matching ``where``), one ``get()`` result per page of ``PAGE``.

    Pages are taken by offset; a write by another process between two pages may shift a record past the
    reader, which every caller tolerates (a leftover swept next time, a cache refreshed at the next change).
    """
    offset = 0
    while True:
        got = collection.get(where=where, include=include, limit=PAGE, offset=offset)
        yield got
        if len(got["ids"]) < PAGE:
            return
        offset += PAGE


def get_ids(collection: Any, ids: Sequence[str], include: list[str]) -> Iterator[dict[str, Any]]:
    """``get(ids=...)`` for any number of ids, ``PAGE`` at a time (duplicates asked once)."""
    unique = list(dict.fromkeys(ids))
    for i in range(0, len(unique), PAGE):
        yield collection.get(ids=unique[i : i + PAGE], include=include)


def rows(pages: Iterable[dict[str, Any]], *fields: str) -> Iterator[tuple[Any, ...]]:
    """(id, field, ...) for every record of every page."""
    for got in pages:
        columns = [got[f] if got.get(f) is not None else [None] * len(got["ids"]) for f in fields]
        yield from zip(got["ids"], *columns, strict=True)


def chroma_wheres(where: Where | None) -> list[dict[str, Any] | None]:
    """Chroma filters for ``where``: one, or one per ``PAGE`` release ids when it names more (each id is an SQL
    variable); the caller merges their results."""
    if where is None:
        return [None]
    ids = where.release_ids
    if len(ids) <= PAGE:
        return [where.to_chroma()]
    return [replace(where, release_ids=ids[i : i + PAGE]).to_chroma() for i in range(0, len(ids), PAGE)]
