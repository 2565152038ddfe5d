"""LLM answers and LLM summaries, held to the same offline citation check.

Both stream the model's tokens as they come, then yield one final, checked result: each
sentence keeps only the ``[n]`` that name a real source, is verified against the passage it
cites by ``CitationChecker`` (and quotes must be verbatim in the cited release), and is marked
unverified — or removed, when ``drop_unsupported`` is set — when the check fails. The model
sees release text only as delimited data (``assistant.llm.format_sources``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.answering import COVERAGE_WEIGHT, NOT_COVERED, check_question, coverage, not_covered
from assistant.boilerplate import ATTRIBUTION, Candidate
from assistant.checking import CheckedClaim, CheckResult, CitationChecker
from assistant.llm import DATA_RULES, PromptSource, escape_source, format_sources
from assistant.protocols import LLM
from assistant.summaries import (
    MAX_BULLETS,
    NOT_SAID,
    SOCIAL_LIMIT,
    Summarizer,
    build_summary,
    check_format,
    clause_cut,
    empty_summary,
    render,
)
from assistant.types import Answer, Chunk, Citation, Release, Sentence, Summary, SummaryPoint

if TYPE_CHECKING:
    from assistant.embedding import Embedder
    from assistant.retrieval import Filters, Retriever
    from assistant.store import ChromaStore

_QUOTED = re.compile(r"[\"“]([^\"“”]{12,}?)[\"”]|(?:^|\s)['‘]([^'‘’]{12,}?)['’](?=[\s,.;:!?]|$)")


def _norm(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    return " ".join(text.split()).lower()


def quotes_verbatim(sentence: str, source_text: str) -> bool:
    """Every quoted passage of three words or more in ``sentence`` appears word for word in the source,
    and one of six words or more (a spokesperson quote, not a phrase) says who said it."""
    src = _norm(source_text)
    outside = _QUOTED.sub(" ", sentence)
    for m in _QUOTED.finditer(sentence):
        q = _norm((m.group(1) or m.group(2) or "").strip(" ,.;:"))
        words = len(q.split())
        if words >= 3 and q not in src:
            return False
        if words >= 6 and not ATTRIBUTION.search(outside):
            return False
    return True


# ---- answers ----------------------------------------------------------------------------------
ANSWER_SYSTEM = (
    "You answer questions from public-relations staff about their organisation's press releases. "
    + DATA_RULES
    + " If the sources do not answer the question, reply only: " + NOT_COVERED
)


def answer_messages(question: str, sources: Sequence[PromptSource], max_sentences: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": ANSWER_SYSTEM + f" Answer in at most {max_sentences} sentences."},
        {"role": "user", "content": f"{format_sources(sources)}\n\nQuestion: {escape_source(question)}"},
    ]


class LLMAnswerer:
    """The LLM answer backend (named ``openai``; any ``LLM`` client): retrieve, prompt with numbered passages,
    stream, check every sentence."""

    name = "openai"

    def __init__(self, retriever: Retriever, store: ChromaStore, embedder: Embedder, *, llm: LLM,
                 checker: CitationChecker | None = None, top_k: int = 10, min_relevance: float = 0.35,
                 max_sentences: int = 3, max_question_chars: int = 2000, drop_unsupported: bool = False,
                 support_threshold: float | None = None, max_sources: int = 5, max_tokens: int | None = None
                 ) -> None:
        self.retriever = retriever
        self.store = store
        self.embedder = embedder
        self.llm = llm
        self.checker = checker or CitationChecker(embedder)
        if support_threshold is not None:
            self.checker.threshold = support_threshold
        self.top_k = top_k
        self.min_relevance = min_relevance
        self.max_sentences = max(3, max_sentences)
        self.max_question_chars = max_question_chars
        self.drop_unsupported = drop_unsupported
        self.max_sources = max_sources
        self.max_tokens = max_tokens

    def answer(self, question: str, filters: Filters | None = None) -> Answer:
        return _last(self.stream(question, filters), Answer)

    def stream(self, question: str, filters: Filters | None = None) -> Iterator[str | Answer]:
        """The model's text as it is generated, then the checked ``Answer``."""
        q = check_question(question, self.max_question_chars)
        found = self.retriever.retrieve(q, self.top_k, filters)
        hits = found.hits
        relevance = max((h.dense_score or 0.0 for h in hits), default=0.0)
        # the extractive answerer's gate: no LLM call when the releases plainly do not cover the question
        cover = coverage(q, hits[:5], found.plan.sources)
        if relevance + COVERAGE_WEIGHT * cover < self.min_relevance + COVERAGE_WEIGHT:
            yield not_covered(q, self.name, relevance, cover)
            return
        chunks = {n: h.chunk for n, h in enumerate(hits[: self.max_sources], 1)}
        prompt = [PromptSource(n, c.text, c.title, c.date) for n, c in chunks.items()]
        parts: list[str] = []
        for token in self.llm.stream(answer_messages(q, prompt, self.max_sentences), max_tokens=self.max_tokens):
            parts.append(token)
            yield token
        releases = self.store.get_releases(list(dict.fromkeys(c.release_id for c in chunks.values())))
        yield self.checked_answer(q, "".join(parts), chunks, releases, relevance)

    def checked_answer(self, question: str, raw: str, chunks: dict[int, Chunk], releases: dict[str, Release],
                       relevance: float = 1.0) -> Answer:
        """Check ``raw`` (the model's reply) against the numbered ``chunks`` and build the Answer."""
        result = self.checker.check(raw, {n: c.text for n, c in chunks.items()})
        details: dict[str, Any] = {"relevance": round(relevance, 4), "llm_text": raw, "model": self.llm.model,
                                   "unknown_citations": sorted(set(result.unknown))}
        claims = [c for c in result.claims if not (c.declines and not c.citations)]
        if not claims:
            answer = not_covered(question, self.name, relevance)
            answer.details.update(details)
            return answer
        renumber: dict[int, int] = {}
        cites: dict[int, Citation] = {}
        sentences: list[Sentence] = []
        for c in claims:
            verified = c.verified and quotes_verbatim(c.claim.text, _release_text(chunks, releases, c.cited))
            if not verified and self.drop_unsupported:
                continue
            for n in c.citations:
                if n not in renumber:
                    renumber[n] = len(renumber) + 1
                    cites[n] = _chunk_citation(renumber[n], chunks[n], releases, c if c.cited == n else None)
            sentences.append(Sentence(c.claim.text, tuple(renumber[n] for n in c.citations), verified))
        details["unverified"] = sum(not s.verified for s in sentences)
        details["dropped"] = len(claims) - len(sentences)
        if not sentences:  # everything failed the check and was dropped
            answer = not_covered(question, self.name, relevance)
            answer.details.update(details)
            return answer
        text = " ".join(_sentence_text(s) for s in sentences)
        return Answer(question=question, text=text, citations=tuple(sorted(cites.values(), key=lambda x: x.number)),
                      sentences=tuple(sentences), covered=any(s.verified for s in sentences), backend=self.name,
                      details=details)


def _sentence_text(s: Sentence) -> str:
    """A sentence as the answer text shows it: its markers, and a flag when the check failed."""
    line = f"{s.text} {''.join(f'[{n}]' for n in s.citations)}".strip()
    return line if s.verified else f"{line} (unverified)"


def _release_text(chunks: dict[int, Chunk], releases: dict[str, Release], n: int | None) -> str:
    if n is None or n not in chunks:
        return ""
    r = releases.get(chunks[n].release_id)
    return r.text if r else chunks[n].text


def _chunk_citation(number: int, chunk: Chunk, releases: dict[str, Release], claim: CheckedClaim | None
                    ) -> Citation:
    """The passage of ``chunk`` that best supports the claim citing it (the whole chunk when none was judged)."""
    release = releases.get(chunk.release_id)
    start, end = chunk.start, chunk.end
    if claim is not None and claim.support is not None and claim.support.end > claim.support.start:
        start, end = chunk.start + claim.support.start, chunk.start + claim.support.end
    quote = chunk.text[start - chunk.start:end - chunk.start]
    verified = release is not None and release.text[start:end] == quote
    return Citation(number=number, release_id=chunk.release_id, title=chunk.title, quote=quote, start=start, end=end,
                    date=chunk.date, source=chunk.source, url=chunk.url, path=release.path if release else None,
                    verified=verified, date_inferred=chunk.date_inferred)


def _last(items: Iterator[Any], kind: type) -> Any:
    final = None
    for item in items:
        if isinstance(item, kind):
            final = item
    if final is None:  # pragma: no cover - every stream ends with its result
        raise RuntimeError("the stream ended without a result")
    return final


# ---- summaries --------------------------------------------------------------------------------
FORMAT_INSTRUCTIONS = {
    "brief": "Write a headline on the first line, starting with 'Headline:', then a lede of exactly three "
             "sentences.",
    "bullets": f"Write at most {MAX_BULLETS} bullet points, one per line, each starting with '- '.",
    "social": f"Write one social-media post of at most {SOCIAL_LIMIT} characters, counting the [n] markers.",
    "newsletter": "Write one paragraph of three to five sentences for a newsletter.",
    "exec": "Write three short sections for an executive, each on its own line: 'What happened:', "
            "'Why it matters:' and 'What is next:', one or two sentences each.",
}
SUMMARY_SYSTEM = ("You draft summaries of press releases for public-relations staff. " + DATA_RULES
                  + " Leave out boilerplate: 'About' paragraphs, media contacts and forward-looking statements.")
_SECTIONS = {"headline": "headline", "what happened": "what_happened", "why it matters": "why_it_matters",
             "what is next": "what_is_next", "what's next": "what_is_next", "next steps": "what_is_next",
             "what comes next": "what_is_next"}
_DEFAULT_SECTION = {"brief": "lede", "bullets": "bullet", "social": "social", "newsletter": "paragraph",
                    "exec": "what_happened"}


@dataclass
class _SourceText:
    """What the model is shown of one release, and where each piece sits in the release."""

    number: int
    release: Release
    text: str
    segments: list[tuple[int, int, Candidate]]  # (start, end) in ``text`` -> the candidate sentence

    def to_release(self, start: int, end: int) -> tuple[int, int] | None:
        hit = [c for s, e, c in self.segments if s < end and start < e]
        if not hit:
            return None
        return hit[0].start, hit[-1].end


class LLMSummarizer:
    """The ``openai`` summary backend: the best body sentences of each release go to the model, its draft is checked."""

    name = "openai"

    def __init__(self, embedder: Embedder, llm: LLM, *, checker: CitationChecker | None = None,
                 drop_unsupported: bool = False, support_threshold: float | None = None,
                 max_tokens: int | None = None, source_chars: int = 6000) -> None:
        self.extractive = Summarizer(embedder)
        self.llm = llm
        self.checker = checker or CitationChecker(embedder)
        if support_threshold is not None:
            self.checker.threshold = support_threshold
        self.drop_unsupported = drop_unsupported
        self.max_tokens = max_tokens
        self.source_chars = source_chars

    def sources(self, releases: Sequence[Release], query: str | None = None) -> list[_SourceText]:
        """Each release's highest-scoring body sentences, in reading order, within the character budget."""
        cands, _ = self.extractive.candidates(releases, query)
        budget = max(400, self.source_chars // max(1, len(releases)))
        out = []
        for n, release in enumerate(releases, 1):
            mine = [c for c in cands if c.source == n]
            kept: list[Candidate] = []
            used = 0
            for c in sorted(mine, key=lambda c: c.score, reverse=True):
                if used + len(c.text) + 1 > budget and kept:
                    continue
                kept.append(c)
                used += len(c.text) + 1
            kept.sort(key=lambda c: c.start)
            text, segments, prev_para = "", [], None
            for c in kept:
                if text:
                    text += "\n\n" if c.para != prev_para else " "
                segments.append((len(text), len(text) + len(c.text), c))
                text += c.text
                prev_para = c.para
            out.append(_SourceText(n, release, text, segments))
        return out

    def summarize(self, releases: Sequence[Release], fmt: str = "brief", *, query: str | None = None) -> Summary:
        return _last(self.stream(releases, fmt, query=query), Summary)

    def stream(self, releases: Sequence[Release], fmt: str = "brief", *, query: str | None = None
               ) -> Iterator[str | Summary]:
        fmt = check_format(fmt)
        if not releases:
            yield empty_summary(fmt, self.name)
            return
        sources = [s for s in self.sources(releases, query) if s.text]
        if not sources:
            yield empty_summary(fmt, self.name, releases)
            return
        topic = f" about {query}" if query else ""
        messages = [
            {"role": "system", "content": f"{SUMMARY_SYSTEM} {FORMAT_INSTRUCTIONS[fmt]}"},
            {"role": "user", "content": format_sources([PromptSource(s.number, s.text, s.release.title,
                                                                     s.release.date) for s in sources])
             + f"\n\nWrite the {fmt} summary{topic} now."},
        ]
        parts: list[str] = []
        for token in self.llm.stream(messages, max_tokens=self.max_tokens):
            parts.append(token)
            yield token
        yield self.checked_summary(fmt, "".join(parts), sources, releases)

    def checked_summary(self, fmt: str, raw: str, sources: Sequence[_SourceText], releases: Sequence[Release]
                        ) -> Summary:
        by_number = {s.number: s for s in sources}
        result: CheckResult = self.checker.check(raw, {n: s.text for n, s in by_number.items()})
        points: list[SummaryPoint] = []
        section = _DEFAULT_SECTION[fmt]
        for c in result.claims:
            label = _SECTIONS.get(c.claim.section.strip().lower().rstrip(":"))
            if label:
                section = label
            elif fmt != "exec":
                section = _DEFAULT_SECTION[fmt]
            if c.declines and not c.citations:
                continue
            src = by_number.get(c.cited) if c.cited is not None else None
            verified = c.verified and src is not None and quotes_verbatim(c.claim.text, src.release.text)
            if not verified and self.drop_unsupported:
                continue
            evidence: tuple[tuple[int, int, int], ...] = ()
            if src is not None and c.support is not None:
                span = src.to_release(c.support.start, c.support.end)
                if span:
                    evidence = ((src.number, *span),)
            quote = bool(_QUOTED.search(c.claim.text))
            points.append(SummaryPoint(c.claim.text, c.citations, verified, section, quote, None, evidence))
        points = _enforce(fmt, points)
        details = {"llm_text": raw, "model": self.llm.model, "unknown_citations": sorted(set(result.unknown))}
        if not points:
            empty = empty_summary(fmt, self.name, releases)
            empty.details.update(details)
            return empty
        return build_summary(fmt, points, releases, self.name, details)


def _enforce(fmt: str, points: list[SummaryPoint]) -> list[SummaryPoint]:
    """Hold the model to the format's lengths: they are promises to PR staff, not suggestions."""
    if fmt == "brief":
        head = [p for p in points if p.section == "headline"][:1]
        return head + [p for p in points if p.section != "headline"][:3]
    if fmt == "bullets":
        return [p for p in points if p.section != "headline"][:MAX_BULLETS]
    if fmt == "exec":
        order = ("what_happened", "why_it_matters", "what_is_next")
        kept = [p for key in order for p in points if p.section == key][:6]
        if not any(p.section == "what_is_next" for p in kept):
            kept.append(SummaryPoint(NOT_SAID, (), True, "what_is_next"))
        return kept
    if fmt == "social":
        kept = list(points)
        while len(kept) > 1 and len(render(fmt, kept)[1]) > SOCIAL_LIMIT:
            kept.pop()
        if kept and len(render(fmt, kept)[1]) > SOCIAL_LIMIT:
            p = kept[0]
            marks = "".join(f"[{n}]" for n in p.citations)
            cut = clause_cut(p.text, SOCIAL_LIMIT - len(marks) - 1)
            kept = [SummaryPoint(cut, p.citations, p.verified, p.section, p.quote, p.attribution, p.evidence)]
        return kept
    return points
