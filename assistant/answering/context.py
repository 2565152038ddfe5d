"""What each sentence of a release is read with, kept per release: its body sentence spans, the words it writes in
lower case, all its words, its context (title, issuer, opening) and the months it names. A release is read by many
questions, and finding these costs more than the rest of reading it, so each is cached per release (the body
spans are also stored in the index at ingest: ``bodies``).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from assistant.boilerplate import body_sentences
from assistant.caching import LRU
from assistant.reader import common_words, content, months
from assistant.types import Release

LEDE_WORDS = 0  # opening words of a release read with each sentence (``context_words``); 0: none (see --org-cv)
# Releases whose body sentence spans stay in memory: a few KB each (never the text), so an archive's working set
# fits; splitting one long release again costs about as much as the rest of an answer.
BODY_CACHE = 4096
Spans = tuple[tuple[int, int, int], ...]  # (start, end, index among the release's body sentences)
_bodies: LRU[Spans] = LRU(BODY_CACHE)


class BodyStore(Protocol):
    """Where body spans outlive the process (the keyword index): stored blobs by release id and text key."""

    def bodies(self, keys: Mapping[str, str]) -> dict[str, bytes]: ...

    def put_bodies(self, rows: Mapping[str, tuple[str, bytes]]) -> None: ...


@lru_cache(maxsize=1)
def _rules() -> bytes:
    """A digest of the code that finds body sentences: stored spans from other rules are found again."""
    import assistant.boilerplate
    import assistant.chunking
    import assistant.corpus.furniture

    h = hashlib.sha1()
    for module in (assistant.boilerplate, assistant.chunking, assistant.corpus.furniture):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.digest()


def text_key(release: Release) -> str:
    """What stored spans are valid for: this text, split by these rules."""
    return hashlib.sha1(_rules() + release.text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _pack(spans: Spans) -> bytes:
    return array("q", [n for span in spans for n in span]).tobytes()


def _unpack(blob: bytes) -> Spans:
    flat = array("q")
    flat.frombytes(blob)
    return tuple((flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat) - 2, 3))


def bodies(releases: Iterable[Release], stored: BodyStore | None = None) -> dict[str, Spans]:
    """Each release's body sentence spans: from memory, else from ``stored``, else split now (and kept in both).

    Ingest stores them, so a question reads them instead of splitting whole releases; a release indexed before
    that, or synced from another process, is split once, by the first question that reads it."""
    out: dict[str, Spans] = {}
    todo: dict[str, Release] = {}
    for r in releases:
        hit = _bodies.get((r.id, hash(r.text)))
        if hit is not None:
            out[r.id] = hit
        else:
            todo[r.id] = r
    if not todo:
        return out
    keys = {rid: text_key(r) for rid, r in todo.items()}
    held = stored.bodies(keys) if stored is not None else {}
    made: dict[str, tuple[str, bytes]] = {}
    for rid, r in todo.items():
        if rid in held:
            spans = _unpack(held[rid])
        else:
            spans = tuple((c.start, c.end, c.index) for c in body_sentences(r))
            made[rid] = (keys[rid], _pack(spans))
        _bodies.put((r.id, hash(r.text)), spans)
        out[rid] = spans
    if made and stored is not None:
        stored.put_bodies(made)
    return out


def store_bodies(releases: Sequence[Release], stored: BodyStore) -> None:
    """Split newly indexed releases and store their spans (always: the memory cache is the process's, not the
    index's, and may hold a release another index has)."""
    spans = {r.id: body_spans(r) for r in releases}
    stored.put_bodies({r.id: (text_key(r), _pack(spans[r.id])) for r in releases})


def body_spans(release: Release) -> Spans:
    """Body sentence spans of one release (memory only; see ``bodies``)."""
    return bodies([release])[release.id]


@lru_cache(maxsize=256)
def release_common(release: Release) -> frozenset[str]:
    return common_words(release.text)


@lru_cache(maxsize=256)
def release_words(release: Release) -> frozenset[str]:
    # the issuer's name counts: "the White House weekly address" is rarely repeated in the address itself
    return frozenset(content(f"{release.source or ''} {release.title} {release.text}"))


@lru_cache(maxsize=256)
def context_words(release: Release) -> tuple[frozenset[str], str]:
    """What every sentence of a release is read with: its title, its lede, its issuer (a release says "we" and
    "the company" where the question names it), and its address as one lower-case string (energy.example.gov)."""
    lede: list[str] = []  # the opening sentences, to LEDE_WORDS words (a lede split at "the Hon." is two)
    for start, end, _ in body_spans(release) if LEDE_WORDS else ():
        if sum(len(t.split()) for t in lede) >= LEDE_WORDS:
            break
        lede.append(" ".join(release.text[start:end].split()))
    words = frozenset(content(f"{release.source or ''} {release.title} {' '.join(lede)}"))
    return words, f"{release.source or ''} {release.url or ''}".lower().replace(" ", "")


def context_share(subject: Sequence[str], text: str, release: Release) -> float:
    """Share of the question's names in the sentence or its context (see ``context_words``)."""
    words, where = context_words(release)
    here = set(content(text)) | words
    parts = set(re.findall(r"[a-z0-9]+", where))  # gov.uk: "uk"
    return sum(t in here or t in parts or (len(t) > 3 and t in where) for t in subject) / len(subject)


@lru_cache(maxsize=256)
def release_months(release: Release) -> frozenset[int]:
    """The months a release names, and the month it came out ("the May 2021 release" rarely says May)."""
    published = {int(release.date[5:7])} if release.date and release.date[5:7].isdigit() else set()
    return frozenset(months(f"{release.title} {release.text}")) | published
