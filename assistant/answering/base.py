"""What every answerer shares: question checks, the words a question hinges on, composing an Answer whose
every quote is verified against the stored release text (the factory that picks a backend is ``assistant.backends``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.dates import MONTH_PATTERN, MONTH_WORDS
from assistant.errors import BadInput
from assistant.text import BASE_STOPWORDS
from assistant.types import Answer, Citation, Hit, Release, Sentence

NOT_COVERED = "The releases do not cover this question."
# An answer needs relevance + COVERAGE_WEIGHT * coverage >= min_relevance + COVERAGE_WEIGHT: a question whose
# names and figures all appear in the passages needs only min_relevance; one whose names are missing needs
# more. Calibrated with benchmarks/retrieval.py on the MultiHop-RAG dev split (see README).
COVERAGE_WEIGHT = 0.2

# Questions add words that ask rather than name.
STOPWORDS = BASE_STOPWORDS | {"tell", "please", "many", "much"}
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’.-]*[A-Za-z0-9]|[A-Za-z0-9]")
_MONTHS = MONTH_PATTERN


def tokens(text: str) -> list[str]:
    """Lower-cased content words, with a light plural strip so 'agreements' meets 'agreement'."""
    out = []
    for t in _TOKEN.findall(text.lower()):
        t = t.replace("’", "'").removesuffix("'s")
        if t in STOPWORDS or len(t) < 2 and not t.isdigit():
            continue
        if len(t) > 4 and t.endswith("s") and not t.endswith("ss"):
            t = t[:-1]
        out.append(t)
    return out


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’.-]*[A-Za-z0-9]|[A-Za-z0-9]")
_MONTH_WORDS = MONTH_WORDS | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def salient_terms(question: str, skip: Sequence[str] = ()) -> list[str]:
    """The names and figures a question hinges on: capitalised words (not the first) and numbers.

    Words of ``skip`` (the sources the question names, handled by retrieval) and dates are left
    out: a release rarely repeats its outlet's name or its own date in the text.
    """
    skipped = {t for name in skip for t in tokens(name)}
    out: list[str] = []
    words = _WORD.findall(question)
    for i, w in enumerate(words):
        lw = w.lower()
        if lw in STOPWORDS or lw in _MONTH_WORDS or (w.isdigit() and len(w) == 4 and w[:2] in {"19", "20"}):
            continue
        if (i > 0 and w[0].isupper()) or any(ch.isdigit() for ch in w):
            for t in tokens(w):
                if t not in skipped and t not in out:
                    out.append(t)
    return out


def coverage(question: str, hits: Sequence[Hit], skip: Sequence[str] = ()) -> float:
    """Share of the question's names and figures found in the passages (or their titles)."""
    terms = salient_terms(question, skip)
    if not terms:
        return 1.0
    found = set()
    for h in hits:
        found.update(tokens(f"{h.chunk.title} {h.chunk.text}"))
    return sum(t in found for t in terms) / len(terms)


def check_question(question: str, max_chars: int) -> str:
    q = (question or "").strip()
    if not q:
        raise BadInput("the question is empty")
    if len(q) > max_chars:
        raise BadInput(f"the question is {len(q):,} characters long; the limit is {max_chars:,}",
                       code="question_too_long")
    return q


def not_covered(question: str, backend: str, relevance: float = 0.0, cover: float = 0.0) -> Answer:
    return Answer(question=question, text=NOT_COVERED, covered=False, backend=backend,
                  sentences=(Sentence(NOT_COVERED, (), True),),
                  details={"relevance": round(relevance, 4), "coverage": round(cover, 4)})


@dataclass
class Quote:
    """A verbatim slice of a release that an answer may quote: ``release.text[start:end] == text``."""

    release_id: str
    start: int
    end: int
    text: str


def compose(question: str, chosen: Sequence[Quote], releases: dict[str, Release], backend: str, *,
            span: tuple[int, int] | None = None, prefix: str = "", covered: bool = True,
            notes: Sequence[tuple[str, Sequence[Quote]]] = ()) -> Answer:
    """Number the sources of the chosen sentences, verify every quote, and write the answer text.

    The first chosen sentence is the direct answer and comes first; ``span`` marks the answer inside it
    (offsets into its one-line text) and becomes ``Answer.answer_span`` (offsets into ``Answer.text``).
    Adjacent sentences of one release share one citation. ``prefix`` ("As of …:") opens the text;
    ``notes`` are our own sentences (a correction's label) with the quotes that back them.
    """
    citations: list[Citation] = []
    sentences: list[Sentence] = []

    def cite(c: Quote, merge: bool) -> int | None:
        release = releases.get(c.release_id)
        if release is None or release.text[c.start:c.end] != c.text:
            return None  # the release changed or vanished under us: never cite what we cannot show
        for old in citations:
            if old.release_id == c.release_id and old.start == c.start and old.end == c.end:
                return old.number
        prev = citations[-1] if citations else None
        if merge and prev and prev.release_id == c.release_id and release.text[prev.end:c.start].strip() == "":
            citations[-1] = _citation(prev.number, release, prev.start, c.end, release.text[prev.start:c.end])
        else:
            citations.append(_citation(len(citations) + 1, release, c.start, c.end, c.text))
        return citations[-1].number

    lead_at: int | None = None
    for i, c in enumerate(chosen):
        number = cite(c, merge=i > 0)
        if number is None:
            continue
        if lead_at is None and i == 0:
            lead_at = len(sentences)
        sentences.append(Sentence(_one_line(c.text), (number,), True))
    for note, backing in notes:
        numbers = tuple(n for n in (cite(c, merge=False) for c in backing) if n is not None)
        if numbers:
            sentences.append(Sentence(note, numbers, True))
    pieces = [f"{s.text} " + " ".join(f"[{n}]" for n in s.citations) for s in sentences]
    text = (prefix + " " if prefix and pieces else "") + " ".join(pieces)
    answer_span = None
    if span is not None and lead_at == 0 and sentences:
        offset = len(prefix) + 1 if prefix else 0
        answer_span = (offset + span[0], offset + span[1])
    return Answer(question=question, text=text, citations=tuple(citations), sentences=tuple(sentences),
                  covered=covered and bool(citations), backend=backend, details={}, answer_span=answer_span)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _citation(number: int, release: Release, start: int, end: int, quote: str) -> Citation:
    verified = release.text[start:end] == quote and quote in release.text
    return Citation(number=number, release_id=release.id, title=release.title, quote=quote, start=start, end=end,
                    date=release.date, source=release.source, url=release.url, path=None,
                    verified=verified, date_inferred=release.date_inferred)
