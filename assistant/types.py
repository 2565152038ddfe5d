"""The small data types that cross module borders.

Nothing here imports a third-party package: Chroma, llama-index and torch objects stay inside
the modules that wrap them, and everything else speaks in these dataclasses.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Release:
    """One press release after cleaning: the text a reader would call "the release".

    ``text`` is the clean body (paragraphs separated by blank lines). Every citation quotes a
    verbatim slice of it, so it must never be rewritten after the release is indexed.
    """

    id: str
    title: str
    text: str
    date: str | None = None  # ISO yyyy-mm-dd
    source: str | None = None  # organisation or outlet
    url: str | None = None
    author: str | None = None
    path: str | None = None  # file it came from, when it came from a file
    # what this release corrects or replaces (a URL, id or title), as its own metadata says
    corrects: str | None = None
    # True when the release states no date of its own and ``date`` was guessed (from an event its text
    # mentions, or its URL): people are shown "about <date> (inferred)"
    date_inferred: bool = False

    @property
    def content_hash(self) -> str:
        """A hash of everything that ends up in the index; equal hashes mean nothing to redo."""
        h = hashlib.sha256()
        for part in (self.title, self.date, self.source, self.url, self.author, self.text):
            h.update((part or "").encode("utf-8"))
            h.update(b"\x00")
        if self.corrects:  # only when set, so releases indexed before the field keep their hash
            h.update(b"corrects\x00" + self.corrects.encode("utf-8"))
        if self.date_inferred:  # likewise; an index from before the field re-reads only these releases
            h.update(b"date_inferred\x00")
        return h.hexdigest()

    @property
    def date_int(self) -> int:
        """The date as yyyymmdd, 0 when unknown: Chroma filters ranges on numbers only."""
        return date_to_int(self.date)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def date_to_int(date: str | None) -> int:
    if not date:
        return 0
    digits = date[:10].replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0


@dataclass(frozen=True)
class Chunk:
    """A passage of a release; ``text == release.text[start:end]`` always holds."""

    id: str
    release_id: str
    index: int
    text: str
    start: int
    end: int
    title: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    content_hash: str = ""
    date_inferred: bool = False  # the release's ``date_inferred``

    def embedding_text(self) -> str:
        """The passage with its title: what a whole-chunk embedding would read (baselines and tools use it;
        the index embeds a chunk's sentences instead, see ``Embedder.embed_passages``)."""
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score (higher is better; the scale depends on the retriever)."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    keyword_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: which release, and the exact passage quoted from it."""

    number: int
    release_id: str
    title: str
    quote: str
    start: int
    end: int
    date: str | None = None
    source: str | None = None
    url: str | None = None
    path: str | None = None
    verified: bool = False
    date_inferred: bool = False  # ``date`` is a guess: the release states none (see ``Release.date_inferred``)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Sentence:
    """One sentence of an answer with the citation numbers that back it."""

    text: str
    citations: tuple[int, ...] = ()
    verified: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.citations), "verified": self.verified}


@dataclass(frozen=True)
class Answer:
    """An answer as shown to people and programs: text with ``[n]`` markers, and its sources."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    covered: bool = True
    backend: str = "extractive"
    details: dict[str, Any] = field(default_factory=dict)
    # where in ``text`` the value asked for is (start, end): shown bold; None when the answer is not one value
    answer_span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "answer_span": list(self.answer_span) if self.answer_span else None,
            "covered": self.covered,
            "backend": self.backend,
            "sentences": [s.to_dict() for s in self.sentences],
            "citations": [c.to_dict() for c in self.citations],
            "details": self.details,
        }

    def to_markdown(self) -> str:
        """The answer (its span in bold) followed by its numbered sources, ready to paste."""
        text = self.text
        if self.answer_span:
            s, e = self.answer_span
            text = f"{text[:s]}**{text[s:e]}**{text[e:]}"
        lines = [text]
        if self.citations:
            lines.append("")
            lines.append("Sources:")
            for c in self.citations:
                where = c.url or c.release_id
                date = (f", about {c.date} (date inferred)" if c.date_inferred else f", {c.date}") if c.date else ""
                lines.append(f"[{c.number}] {c.title}{date} — {where}")
                lines.append(f'    "{c.quote}"')
        return "\n".join(lines)


@dataclass(frozen=True)
class Rejected:
    """A file that could not become a release, and why (a sentence meant for the user)."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What one ingest run did; printed by the CLI and returned by the API."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    chunks_embedded: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.rejected)} rejected; "
            f"{self.chunks_embedded} chunks embedded"
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["summary"] = self.summary()
        return d


@dataclass(frozen=True)
class SummaryPoint:
    """One point of a summary (a headline, a lede sentence, a bullet, a section line) and its sources.

    ``evidence`` holds ``(citation number, start, end)``: where in the cited release the point
    comes from (character offsets into ``Release.text``). ``quote`` marks a spokesperson quote,
    reproduced verbatim; ``attribution`` names the speaker when the sentence itself does not.
    """

    text: str
    citations: tuple[int, ...] = ()
    verified: bool = True
    section: str = ""
    quote: bool = False
    attribution: str | None = None
    evidence: tuple[tuple[int, int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.citations), "verified": self.verified,
                "section": self.section, "quote": self.quote, "attribution": self.attribution,
                "evidence": [{"citation": n, "start": s, "end": e} for n, s, e in self.evidence]}


@dataclass(frozen=True)
class Summary:
    """A cited summary draft in one PR format; ``text`` is Markdown, ``plain`` the same as plain text.

    ``citations`` has one entry per summarised release, numbered as the ``[n]`` in the text;
    its quote is the first passage of that release the summary uses.
    """

    fmt: str
    text: str
    plain: str
    points: tuple[SummaryPoint, ...] = ()
    citations: tuple[Citation, ...] = ()
    covered: bool = True
    backend: str = "extractive"
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.fmt, "summary": self.text, "plain": self.plain, "covered": self.covered,
                "backend": self.backend, "points": [p.to_dict() for p in self.points],
                "citations": [c.to_dict() for c in self.citations], "details": self.details}

