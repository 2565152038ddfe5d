"""The offline answerer: quote the sentence that answers, first, with the answer marked; or say plainly that the
releases do not state it.

Retrieval finds the passages; the reader (``assistant.reader``) scores their body sentences (never a dateline,
an "About …" section, contacts or page clutter: ``boilerplate.body_sentences`` decides) against what the question
asks for. The best one leads, with at most two supporting sentences. When no sentence carries the kind of
value asked for under the question's constraints, the answer says so and cites what the releases do say.
Releases superseded by a correction are never quoted as fact; the correction is read instead and both are
labelled. Every quote is verified against the stored release text by ``compose``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.answering.base import (
    COVERAGE_WEIGHT,
    Quote,
    check_question,
    compose,
    coverage,
    not_covered,
    tokens,
)
from assistant.answering.context import bodies, context_share, release_common, release_months, release_words
from assistant.boilerplate import body_sentences, dateline_end
from assistant.chunking import chunk_spans
from assistant.corrections import Supersession, index_supersessions
from assistant.embedding import Embedder
from assistant.protocols import answer_pieces
from assistant.query import find_dates, is_follow_up, named_outlets, unknown_outlets, without_dates
from assistant.reader import (
    FEATURES,
    Need,
    ReaderModel,
    analyse,
    answer_span,
    content,
    default_model,
    features,
    role_named,
)
from assistant.retrieval import Filters, Retriever
from assistant.store import ChromaStore
from assistant.types import Answer, Hit, Release

if TYPE_CHECKING:
    import numpy as np

EMBEDDED_SENTENCES = 16  # candidate sentences compared by meaning for each answer; their vectors are stored at ingest
READ_PASSAGES = 8  # passages whose sentences the reader weighs
SUBJECT_SHARE = 0.75  # of the question's names that the answer's release must contain
CONTEXT_SHARE = 0.5  # ... and the sentence with its context (title, issuer); chosen by answers.py --org-cv
# A longer question describes its answer by several facts, often from several releases ("Which company, reported
# by A for X and by B for Y, ..."): no one sentence meets all it names, so only retrieval's gate decides there.
LONG_QUESTION = 30  # words
SUPPORT_SHARE = 0.25  # a supporting sentence is at least this likely, relative to the direct answer
SUPPORTING = 2  # sentences after the direct answer, at most
PARTIAL = "The releases mention this, but they do not state what was asked. What they do say:"
Turn = Mapping[str, Any] | str


@dataclass
class _Candidate(Quote):
    rank: int = 0
    index: int = 0  # position among its release's body sentences (0 = lede)
    title: str = ""
    date: str | None = None
    score: float = 0.0  # words, rank and value cues: which sentences are compared by meaning
    lexical: float = 0.0
    cosine: float = 0.0
    p: float = 0.0  # the reader's probability that the sentence answers
    x: list[float] = field(default_factory=list)
    vector: np.ndarray | None = None  # the sentence's stored vector, when the index keeps it


@dataclass
class Reading:
    """What the reader saw for one question: the need, the scored sentences (best first) and the evidence."""

    question: str
    need: Need
    candidates: list[_Candidate]
    relevance: float
    cover: float
    passed: bool  # retrieval found passages close enough to read
    releases: dict[str, Release]
    corrected: list[Supersession]  # superseded releases among the hits, with their corrections
    single: bool = True  # asks one fact: the checks of ``unmet`` apply
    outlets: tuple[str, ...] = ()  # outlets the question names that no indexed release comes from


def previous_turn(history: Sequence[Turn]) -> tuple[str, str]:
    """The last user question, completed with the one it followed up on, and the answer to it, from chat
    messages (or bare earlier questions): after "When did A sign with B?" and "and where?", "who signed it?"
    still refers to A and B."""
    question = answer = ""
    for turn in history or ():
        text = turn if isinstance(turn, str) else turn.get("content")
        role = "user" if isinstance(turn, str) else turn.get("role")
        if not isinstance(text, str) or not text.strip():
            continue
        if role == "user":
            base = question.split(" \n ")[-1] if question else ""
            question = f"{text.strip()} \n {base}" if base and is_follow_up(text) else text.strip()
            answer = ""
        elif role == "assistant":
            answer = text.strip()
    return question.replace(" \n ", " ").strip(), answer


class ExtractiveAnswerer:
    """Answers by quoting: the sentence that answers first, then up to two that support it, each cited."""

    name = "extractive"

    def __init__(self, retriever: Retriever, store: ChromaStore, embedder: Embedder, *, top_k: int = 10,
                 min_relevance: float = 0.35, max_sentences: int = 3, max_question_chars: int = 2000,
                 model: ReaderModel | None = None) -> None:
        self.retriever = retriever
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.min_relevance = min_relevance
        self.max_sentences = max_sentences
        self.max_question_chars = max_question_chars
        self.model = model or default_model()

    def answer(self, question: str, filters: Filters | None = None, history: Sequence[Turn] = ()) -> Answer:
        return self.decide(self.read(question, filters, history))

    def stream(self, question: str, filters: Filters | None = None, history: Sequence[Turn] = ()
               ) -> Iterator[str | Answer]:
        """The composed answer a sentence at a time, then the ``Answer`` (``assistant.protocols``)."""
        return answer_pieces(self.answer(question, filters, history))

    # ---- reading ------------------------------------------------------------------------------
    def read(self, question: str, filters: Filters | None = None, history: Sequence[Turn] = ()) -> Reading:
        q = check_question(question, self.max_question_chars)
        prev_q, prev_a = previous_turn(history)
        follow = bool(prev_q) and is_follow_up(q)
        search = f"{q} {prev_q}" if follow else q  # "it" is found through the question it refers to
        found = self.retriever.retrieve(search, self.top_k, filters)
        hits = found.hits
        if found.plan.dates and not follow:
            # "net income in 2024" is reported in 2025: search once more with the year as a plain word, so that
            # releases published after the period asked are read too
            plain = f"{without_dates(q)} {' '.join(_years(q))}"
            again = self.retriever.retrieve(plain, self.top_k, filters).hits
            kept = hits[: READ_PASSAGES - 2]
            have = {h.chunk.id for h in kept}  # a passage the first search ranked below the cut may come back here
            hits = kept + [h for h in again if h.chunk.id not in have][:READ_PASSAGES - 2]
        relevance = max((h.dense_score or 0.0) for h in hits) if hits else 0.0
        cover = coverage(search, hits[:5], found.plan.sources)
        passed = relevance + COVERAGE_WEIGHT * cover >= self.min_relevance + COVERAGE_WEIGHT
        need = analyse(q, prev_q if follow else "")
        outlets = unknown_outlets(q, self._sources()) if named_outlets(q) else ()
        # a name the passages themselves use is a topic of the releases, not a missing outlet: "the ESG report",
        # "the CEO interview", or a study the releases cite
        outlets = tuple(o for o in outlets if not any(_names(h.chunk.text, o) for h in hits))
        if not passed or not hits or outlets:
            return Reading(q, need, [], relevance, cover, False, {}, [], outlets=outlets)
        hits = hits[: 2 * READ_PASSAGES - 4 if found.plan.dates else READ_PASSAGES]
        versions = self._superseded()
        releases = self.store.get_releases([h.chunk.release_id for h in hits])
        corrected = [versions[i] for i in releases if i in versions]
        for s in corrected:
            releases.setdefault(s.new.id, s.new)
        candidates = self._candidates(hits, releases, corrected, dated=need.kind == "date")
        scored = self._score(q if not follow else f"{q} {prev_q}", need, found.vector, candidates, releases)
        single = len(q.split()) <= LONG_QUESTION and not found.plan.parts
        return Reading(q, need, scored, relevance, cover, True, releases, corrected, single)

    def _sources(self) -> list[str]:
        """Every source the index records (outlets, issuers), for questions that attribute facts to one."""
        return list(self.retriever.source_counts())

    def _superseded(self) -> dict[str, Supersession]:
        """The correction map, rebuilt only when the index changes (its generation token moves). Kept per store,
        not per answerer: the Assistant makes an answerer for every question."""
        return index_supersessions(self.store)

    def _candidates(self, hits: Sequence[Hit], releases: dict[str, Release],
                    corrected: Sequence[Supersession], dated: bool = False) -> list[_Candidate]:
        """Body sentences of the passages, as verbatim slices; a superseded release gives way to its correction.

        ``dated``: a date is asked, so a release's opening sentence keeps its dateline. "CITY, June 12, 2023 --
        Acme today opened …" is how a release dates its own news, and without the dateline "today" says no date."""
        body = bodies(releases.values(), getattr(self.retriever, "keyword", None))
        if dated:
            body = {rid: _with_dateline(releases[rid].text, spans) for rid, spans in body.items()}
        replaced = {s.old.id: s.new.id for s in corrected}
        stored = self.retriever.sentence_vectors([h.chunk for h in hits])
        seen: set[tuple[str, int]] = set()
        out: list[_Candidate] = []

        ends = {rid: [be for _, be, _ in spans] for rid, spans in body.items()}

        def add(release: Release, s: int, e: int, rank: int, vector: Any = None) -> None:
            spans = body.get(release.id, ())
            for bs, be, index in itertools.islice(spans, bisect.bisect_right(ends[release.id], s), None):
                if bs >= e:  # spans are in reading order: none further on overlaps
                    break
                start, end = max(s, bs), min(e, be)
                if end - start < 20 or (release.id, start) in seen:
                    continue
                text = release.text[start:end]
                if len(text.split()) < 4:
                    continue
                seen.add((release.id, start))
                out.append(_Candidate(release.id, start, end, text, rank=rank, index=index, title=release.title,
                                      date=release.date, vector=vector))  # a trimmed dateline keeps it

        for rank, hit in enumerate(hits):
            c = hit.chunk
            release = releases.get(c.release_id)
            if release is None:
                continue
            if c.release_id in replaced:
                new = releases[replaced[c.release_id]]
                for bs, be, _ in body.get(new.id, ()):
                    add(new, bs, be, rank)
                continue
            vectors = stored.get(c.id, {})
            for s, e in chunk_spans(c.text):
                add(release, c.start + s, c.start + e, rank, vectors.get(c.text[s:e].strip()))
        return out

    def _score(self, question: str, need: Need, qvec: object, candidates: list[_Candidate],
               releases: dict[str, Release]) -> list[_Candidate]:
        """The reader's probability for each sentence, best first.

        Embedding every sentence of the passages costs more than the whole retrieval, so words, rank and the
        presence of a value of the expected kind pick the ``EMBEDDED_SENTENCES`` compared by meaning; their
        vectors come from the index, and only a sentence it lacks is embedded now.
        """
        import numpy as np

        if not candidates:
            return []
        q_terms = set(content(question))
        docs = [set(content(c.text)) for c in candidates]
        df = Counter(t for d in docs for t in d if t in q_terms)
        n = len(candidates)
        idf = {t: math.log(1 + n / (1 + df.get(t, 0))) for t in q_terms}
        total = sum(idf.values()) or 1.0
        titles = {c.title: set(content(c.title)) for c in candidates}
        for c, d in zip(candidates, docs, strict=True):
            # the title counts for every sentence under it ("Full-Year 2023 Results" dates "Revenue rose …")
            words = d | titles[c.title]
            c.lexical = sum(w for t, w in idf.items() if t in words) / total
            c.x = features(need, c.text, c.title, c.date, cosine=0.0, lexical=c.lexical, rank=c.rank, index=c.index,
                           common=release_common(releases[c.release_id]))
            c.score = (0.35 * c.lexical + 0.1 / (1 + c.rank) + 0.12 * c.x[FEATURES.index("typed_new")]
                       + 0.15 * c.x[FEATURES.index("metric")])
        kept = sorted(candidates, key=lambda c: c.score, reverse=True)[:EMBEDDED_SENTENCES]
        todo = [c for c in kept if c.vector is None]
        qv = np.asarray(qvec)
        fresh = iter(self.embedder.embed([c.text for c in todo]) if todo else [])
        for c in kept:
            c.cosine = float((c.vector if c.vector is not None else next(fresh)) @ qv)
            c.x[FEATURES.index("cosine")] = c.cosine
            c.p = self.model.probability(c.x)
        return sorted(kept, key=lambda c: c.p, reverse=True)

    # ---- deciding -----------------------------------------------------------------------------
    def decide(self, r: Reading) -> Answer:
        details: dict[str, Any] = {"relevance": round(r.relevance, 4), "coverage": round(r.cover, 4),
                                   "kind": r.need.kind}
        if not r.passed or not r.candidates:
            answer = not_covered(r.question, self.name, r.relevance, r.cover)
            if r.outlets:  # "a Harbour Times article" asked of releases none of which comes from it
                answer.details.update(unmet=["source"], outlets=list(r.outlets))
            return answer
        fitting = [c for c in r.candidates if not self.unmet(r, c)] if r.single else r.candidates
        lead = self._lead(r, fitting) if fitting else r.candidates[0]
        details.update(reader_p=round(lead.p, 4), threshold=self.model.threshold)
        unmet = (self.unmet(r, lead) if r.single else []) or (["reader"] if lead.p < self.model.threshold else [])
        if unmet:
            details["unmet"] = unmet
            if "subject" in unmet:
                answer = not_covered(r.question, self.name, r.relevance, r.cover)
                answer.details.update(details)
                return answer
            partial = compose(r.question, [lead], r.releases, self.name, prefix=PARTIAL, covered=False)
            partial.details.update(details, partial=True)
            return partial
        chosen = _with_attributions([lead, *self._supporting(r, lead)], r.releases)
        span = answer_span(r.need, " ".join(lead.text.split()), release_common(r.releases[lead.release_id]))
        prefix = f"As of {_long_date(lead.date)}:" if r.need.present and lead.date else ""
        notes = [(_correction_sentence(s), [_lede(s.old), _lede(s.new)]) for s in r.corrected
                 if any(c.release_id == s.new.id for c in chosen)]
        answer = compose(r.question, chosen, r.releases, self.name, span=span, prefix=prefix,
                         notes=[(t, [q for q in qs if q]) for t, qs in notes])
        if not answer.citations:
            return not_covered(r.question, self.name, r.relevance, r.cover)
        if r.corrected:
            details["corrected"] = [{"release_id": s.old.id, "by": s.new.id, "date": s.new.date} for s in r.corrected]
        answer.details.update(details)
        return answer

    def unmet(self, r: Reading, c: _Candidate) -> list[str]:
        """What the sentence fails to give: the subject (names and figures the question hinges on, somewhere in
        its release), a value of the kind asked for, or the period asked (it names only another one)."""
        out = []
        release = r.releases.get(c.release_id)
        if r.need.subject and release is not None:
            words = release_words(release)
            # most of the names (a question may also name the publisher or the occasion), every figure
            where = f"{release.url or ''} {release.path or ''}".lower()  # archive.example.gov
            if sum(t in words or (len(t) > 3 and t in where) for t in r.need.subject) < SUBJECT_SHARE * len(
                    r.need.subject):
                out.append("subject")
            # "CEO" may be spelt either way; "pay" or "cost" is answered by the amount itself
            metric = [t for t in r.need.metric if t not in r.need.roles and t not in r.need.unit_words]
            if r.need.kind != "open" and metric and sum(t in words for t in metric) < 0.5 * len(metric):
                out.append("metric")  # "stock price" asked, and the release never speaks of one
        if r.need.figures and not all(re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d,])", f"{c.text} {c.title}")
                                      for f in r.need.figures):
            out.append("subject")
        if "subject" not in out and r.need.subject and release is not None and context_share(
                r.need.subject, c.text, release) < CONTEXT_SHARE:
            # the release names the subject somewhere, but not around this sentence: "Green SM in India" asked,
            # a sentence of its Copenhagen launch release, which lists India only among its markets
            out.append("subject_sentence")
        if r.need.kind != "open" and not c.x[FEATURES.index("typed_new")]:
            out.append("kind")
        if r.need.kind == "person" and not role_named(r.need, c.text):
            out.append("role")  # "who was CEO" asked, a sentence that quotes a vice president
        if c.x[FEATURES.index("period_other")] or (r.need.quarter and not c.x[FEATURES.index("quarter_match")]):
            out.append("period")
        elif r.need.months and release is not None and not set(r.need.months) & release_months(release):
            out.append("period")  # the months asked ("October–December") are neither named nor its date
        return out

    def _lead(self, r: Reading, fitting: list[_Candidate]) -> _Candidate:
        """The best sentence that meets the question; for a present-tense question ("who is", "current"), the
        newest release's among those nearly as good, since a later release may say something else."""
        best = fitting[0]
        if not r.need.present:
            return best
        close = [c for c in fitting if c.p >= 0.6 * best.p]
        return max(close, key=lambda c: (c.date or "", c.p))

    def _contradicts(self, r: Reading, lead: _Candidate, c: _Candidate) -> bool:
        """An amount asked, and a sentence that names the metric with another first value than the direct answer
        ("The release reported revenue of $584 million" beside the corrected $548 million): never support."""
        if r.need.kind != "amount" or not r.need.metric or c.x[FEATURES.index("metric")] < 1.0:
            return False
        common = release_common(r.releases[lead.release_id])
        mine, theirs = answer_span(r.need, lead.text, common), answer_span(r.need, c.text, common)
        if mine is None or theirs is None:
            return False
        return lead.text[mine[0]:mine[1]] != c.text[theirs[0]:theirs[1]]

    def _supporting(self, r: Reading, lead: _Candidate) -> list[_Candidate]:
        out: list[_Candidate] = []
        limit = min(SUPPORTING, self.max_sentences - 1)
        for c in r.candidates:
            if len(out) >= limit or c.p < max(SUPPORT_SHARE * lead.p, 0.5 * self.model.threshold):
                break
            if c is lead or any(_overlap(c.text, o.text) > 0.6 for o in [lead, *out]):
                continue
            if r.single and {"period", "subject", "subject_sentence"} & set(self.unmet(r, c)):
                continue  # support may lack the value asked, never the period or the subject
            if r.single and self._contradicts(r, lead, c):
                continue
            out.append(c)
        return out


def _years(text: str) -> list[str]:
    return re.findall(r"\b(?:19|20)\d{2}\b", text)


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokens(a)), set(tokens(b))
    return len(ta & tb) / (min(len(ta), len(tb)) or 1)


_QUOTE = re.compile(r"[\"“”]")
_ATTRIBUTION = re.compile(r"\b(?:said|says|added|noted|explained|commented|stated|told)\b|\baccording to\b", re.I)


def _with_attributions(chosen: list[_Candidate], releases: dict[str, Release]) -> list[_Candidate]:
    """A quote whose speaker is named only in the next sentence brings that sentence along, so that a quote
    never reaches a reader without its attribution."""
    out = list(chosen)
    for c in chosen:
        release = releases.get(c.release_id)
        if release is None or not _QUOTE.search(c.text) or _ATTRIBUTION.search(c.text):
            continue
        following = next((b for b in body_sentences(release) if 0 <= b.start - c.end <= 3), None)
        if following is None or not _ATTRIBUTION.search(following.text) or len(following.text.split()) > 30:
            continue
        if all(o.start != following.start or o.release_id != c.release_id for o in out):
            text = release.text[following.start:following.end]
            out.insert(out.index(c) + 1, _Candidate(c.release_id, following.start, following.end, text,
                                                    title=c.title, date=c.date))
    return out


def _lede(release: Release) -> Quote | None:
    first = next(iter(body_sentences(release)), None)
    return Quote(release.id, first.start, first.end, release.text[first.start:first.end]) if first else None


def _long_date(date: str | None) -> str:
    try:
        d = dt.date.fromisoformat((date or "")[:10])
    except ValueError:
        return date or ""
    return f"{d:%B} {d.day}, {d.year}"


def _correction_sentence(s: Supersession) -> str:
    old_date = f" of {_long_date(s.old.date)}" if s.old.date else ""
    new_date = f" on {_long_date(s.new.date)}" if s.new.date else ""
    return (f"The release \u201c{s.old.title}\u201d{old_date} was corrected{new_date} by \u201c{s.new.title}\u201d; "
            "the answer uses the correction.")


def _names(text: str, name: str) -> bool:
    """Whether ``text`` uses ``name`` as words (case as written, so "Times" is not "times")."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def _with_dateline(text: str, spans: tuple[tuple[int, int, int], ...]) -> tuple[tuple[int, int, int], ...]:
    """``spans`` with the first sentence reaching back over a dateline that names a date (see ``_candidates``)."""
    if not spans:
        return spans
    start, end, index = spans[0]
    line = text.rfind("\n", 0, start) + 1
    if 0 < start - line <= 160 and dateline_end(text[line:end]) == start - line and find_dates(text[line:start])[0]:
        return ((line, end, index), *spans[1:])
    return spans
