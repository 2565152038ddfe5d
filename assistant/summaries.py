"""Releases -> cited summary drafts in the formats PR staff use: brief, bullets, social, newsletter, exec.

The offline summariser is extractive, so every point is a verbatim sentence of a release and
is checked against it before it leaves this module:

1. ``boilerplate.body_sentences`` keeps the release proper: the dateline is stepped over, and boilerplate
   never becomes a candidate ("About X" sections, media contacts, forward-looking statements,
   bylines, captions, share and "read more" clutter, lines that are not sentences).
2. ``score`` rates each sentence by a position prior (news and releases put the point first),
   its centrality (mean embedding similarity with the other sentences of its release), its
   similarity with the headline, and with the topic query when there is one.
3. ``mmr`` picks sentences by score minus redundancy with those already picked; each format
   then selects and orders: the lede for ``brief``, at most five points for ``bullets`` (a
   spokesperson quote among them when there is one), a post of at most 280 characters for
   ``social``, one paragraph for ``newsletter``, and what happened / why it matters / what is
   next for ``exec``.

Quotes are reproduced verbatim; a quote sentence that does not name its speaker gets the
attribution from its paragraph. ``benchmarks/summaries.py`` scores the lede with ROUGE on CNN/DM.
The LLM summariser (``assistant.generative``) uses the same sentences and the same checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.boilerplate import Candidate, body_sentences
from assistant.errors import BadInput
from assistant.protocols import summary_pieces
from assistant.types import Citation, Release, Summary, SummaryPoint

if TYPE_CHECKING:
    from assistant.embedding import Embedder

FORMATS = ("brief", "bullets", "social", "newsletter", "exec")
SOCIAL_LIMIT = 280
MAX_BULLETS = 5
LEDE_SENTENCES = 3
NOT_SAID = "The releases do not say."

# ---- cues for the exec format ----------------------------------------------------------------
_FUTURE = re.compile(
    r"\b(?:will|plans?\s+to|planned|expects?\s+to|expected|is\s+set\s+to|are\s+set\s+to|upcoming|"
    r"next\s+(?:year|month|week|quarter|phase|step|stage|spring|summer|fall|autumn|winter|season)|"
    r"later\s+this|in\s+the\s+coming|begin|begins|start(?:s)?\s+in|scheduled|intends?\s+to|aims?\s+to|"
    r"going\s+forward|by\s+(?:the\s+end\s+of\s+)?(?:19|20)\d\d)\b", re.I)
_IMPACT = re.compile(
    r"\b(?:customers?|members?|communit(?:y|ies)|residents|save[sd]?|saving|reduc\w+|lower\w*|cut\w*|improv\w+|"
    r"benefit\w*|help\w*|enabl\w+|first|largest|record|jobs|emissions|growth|increase\w*|strengthen\w*|"
    r"afford\w*|reliab\w+|resilien\w+|percent|%)", re.I)


# ---- scoring and selection ------------------------------------------------------------------
@dataclass(frozen=True)
class Weights:
    """How much each signal counts.

    Position, centrality, length and redundancy were set by a small grid search on half of the
    FRANK CNN/DM articles (the other half held out; see benchmarks/README.md); headline and query
    weights, which news articles cannot inform, by reading summaries of the bundled releases.
    """

    position: float = 1.0
    position_decay: float = 1.0  # prior = 1 / (1 + index) ** decay
    centrality: float = 0.4
    title: float = 0.5
    query: float = 0.8
    quote_penalty: float = 0.0  # formats decide where quotes go; the score itself does not shun them
    length_penalty: float = 0.3
    long_words: int = 25  # sentences longer than this pay the length penalty, in full at twice as long
    short_words: int = 8
    redundancy: float = 0.3  # MMR trade-off: score - redundancy * max similarity to what is picked
    duplicate: float = 0.85  # above this similarity a sentence repeats one already picked


DEFAULT_WEIGHTS = Weights()


def score(cands: list[Candidate], vectors: Any, *, title_vectors: dict[int, Any] | None = None,
          query_vector: Any = None, weights: Weights = DEFAULT_WEIGHTS) -> None:
    """Set ``Candidate.score`` from position, centrality, headline and query similarity, and length."""
    import numpy as np

    if not cands:
        return
    V = np.asarray(vectors)
    sims = V @ V.T
    by_source: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        by_source.setdefault(c.source, []).append(i)
    centrality = np.zeros(len(cands))
    for idx in by_source.values():
        sub = sims[np.ix_(idx, idx)]
        n = len(idx)
        cent = (sub.sum(axis=1) - 1.0) / max(1, n - 1) if n > 1 else np.ones(1)
        lo, hi = float(cent.min()), float(cent.max())
        centrality[idx] = (cent - lo) / (hi - lo) if hi > lo else 1.0
    for i, c in enumerate(cands):
        f: dict[str, float] = {"position": 1.0 / (1.0 + c.index) ** weights.position_decay,
                               "centrality": float(centrality[i])}
        s = weights.position * f["position"] + weights.centrality * f["centrality"]
        tv = (title_vectors or {}).get(c.source)
        if tv is not None:
            f["title"] = float(V[i] @ tv)
            s += weights.title * f["title"]
        if query_vector is not None:
            f["query"] = float(V[i] @ query_vector)
            s += weights.query * f["query"]
        words = c.words
        if words > weights.long_words:
            s -= weights.length_penalty * min(1.0, (words - weights.long_words) / weights.long_words)
        elif words < weights.short_words:
            s -= weights.length_penalty * (weights.short_words - words) / weights.short_words
        if c.quote:
            s -= weights.quote_penalty
        c.features = f
        c.score = float(s)


def mmr(cands: list[Candidate], vectors: Any, k: int, *, weights: Weights = DEFAULT_WEIGHTS,
        exclude: Sequence[int] = (), allow: Any = None) -> list[int]:
    """Indices of up to ``k`` candidates: best score minus redundancy with those already chosen."""
    import numpy as np

    V = np.asarray(vectors)
    chosen: list[int] = list(exclude)
    picked: list[int] = []
    pool = [i for i in range(len(cands)) if i not in chosen and (allow is None or allow(cands[i]))]
    while pool and len(picked) < k:
        best, best_val = -1, -1e9
        for i in pool:
            red = max((float(V[i] @ V[j]) for j in chosen), default=0.0)
            if red >= weights.duplicate:
                continue
            val = cands[i].score - weights.redundancy * red
            if val > best_val:
                best, best_val = i, val
        if best < 0:
            break
        picked.append(best)
        chosen.append(best)
        pool.remove(best)
    return picked


# ---- the summariser -------------------------------------------------------------------------
class Summarizer:
    """Extractive summaries of one or more releases in any of ``FORMATS``; needs only the embedder."""

    name = "extractive"

    def __init__(self, embedder: Embedder, *, weights: Weights = DEFAULT_WEIGHTS, cache_size: int = 20_000) -> None:
        self.embedder = embedder
        self.weights = weights
        self.cache_size = cache_size
        self._vectors: dict[str, Any] = {}  # sentence -> vector: a release summarised again costs nothing

    def _embed(self, texts: list[str]) -> Any:
        import numpy as np

        todo = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        new = dict(zip(todo, self.embedder.embed(todo), strict=True)) if todo else {}
        out = np.stack([new[t] if t in new else self._vectors[t] for t in texts])
        for t, v in new.items():
            if len(self._vectors) >= self.cache_size:
                self._vectors.pop(next(iter(self._vectors)))
            self._vectors[t] = v
        return out

    def candidates(self, releases: Sequence[Release], query: str | None = None
                   ) -> tuple[list[Candidate], Any]:
        """Body sentences of every release, scored; their vectors come back too for MMR."""
        cands = [c for n, r in enumerate(releases, 1) for c in body_sentences(r, n)]
        if not cands:
            return [], None
        titles = [(n, r.title) for n, r in enumerate(releases, 1) if r.title.strip()]
        texts = [c.text for c in cands] + [t for _, t in titles] + ([query] if query else [])
        vectors = self._embed(texts)
        V = vectors[: len(cands)]
        title_vectors = {n: vectors[len(cands) + i] for i, (n, _) in enumerate(titles)}
        qv = vectors[-1] if query else None
        score(cands, V, title_vectors=title_vectors, query_vector=qv, weights=self.weights)
        return cands, V

    def lede(self, releases: Sequence[Release], n: int = LEDE_SENTENCES, query: str | None = None) -> list[str]:
        """The ``n`` sentences a brief's lede would hold, in reading order (what the ROUGE benchmark scores)."""
        cands, V = self.candidates(releases, query)
        if not cands:
            return []
        picked = mmr(cands, V, n, weights=self.weights)
        return [cands[i].text for i in _reading_order(cands, picked)]

    def stream(self, releases: Sequence[Release], fmt: str = "brief", *, query: str | None = None
               ) -> Iterator[str | Summary]:
        """The whole draft at once, then the ``Summary``: nothing to stream offline (``assistant.protocols``)."""
        return summary_pieces(self.summarize(releases, fmt, query=query))

    def summarize(self, releases: Sequence[Release], fmt: str = "brief", *, query: str | None = None) -> Summary:
        fmt = check_format(fmt)
        if not releases:
            return empty_summary(fmt, self.name)
        cands, V = self.candidates(releases, query)
        if not cands:
            return empty_summary(fmt, self.name, releases)
        w = self.weights
        points: list[SummaryPoint] = []
        if fmt == "brief":
            top = max(cands, key=lambda c: c.score)
            headline = releases[top.source - 1].title.strip()
            if headline:
                points.append(SummaryPoint(headline, (top.source,), True, "headline"))
            picked = mmr(cands, V, LEDE_SENTENCES, weights=w, allow=lambda c: not c.quote or c.attributed)
            points += [_point(cands[i], "lede") for i in _reading_order(cands, picked)]
        elif fmt == "bullets":
            facts = mmr(cands, V, MAX_BULLETS - 1, weights=w, allow=lambda c: not c.quote)
            quote = mmr(cands, V, 1, weights=w, exclude=facts, allow=_good_quote)
            extra = [] if quote else mmr(cands, V, 1, weights=w, exclude=facts, allow=lambda c: not c.quote)
            points += [_point(cands[i], "bullet") for i in _reading_order(cands, facts + extra)]
            points += [_point(cands[i], "bullet") for i in quote]
        elif fmt == "social":
            points += _social(cands, V, w)
        elif fmt == "newsletter":
            facts = mmr(cands, V, 3, weights=w, allow=lambda c: not c.quote and c.words <= 45)
            quote = mmr(cands, V, 1, weights=w, exclude=facts, allow=_good_quote)
            points += [_point(cands[i], "paragraph") for i in _reading_order(cands, facts) + quote]
        else:
            points += _exec(cands, V, w)
        summary = build_summary(fmt, points, releases, self.name)
        while fmt == "social" and len(summary.plain) > SOCIAL_LIMIT and len(points) > 1:
            points.pop()  # markers of several releases can push a post over the limit
            summary = build_summary(fmt, points, releases, self.name)
        return summary


def _good_quote(c: Candidate) -> bool:
    return c.quote and (c.attributed or c.attribution is not None) and c.words <= 60


def _reading_order(cands: list[Candidate], picked: Sequence[int]) -> list[int]:
    return sorted(picked, key=lambda i: (cands[i].source, cands[i].start))


def _point(c: Candidate, section: str) -> SummaryPoint:
    return SummaryPoint(c.text, (c.source,), _verbatim(c.release, c.start, c.end, c.text), section, c.quote,
                        c.attribution, ((c.source, c.start, c.end),))


def _verbatim(release: Release, start: int, end: int, text: str) -> bool:
    """The point's text is exactly (up to whitespace) the release's text at its offsets."""
    shown = " ".join(text.removesuffix("…").split())
    return bool(shown) and " ".join(release.text[start:end].split()).startswith(shown)


def _social(cands: list[Candidate], V: Any, w: Weights) -> list[SummaryPoint]:
    """The best sentences that fit 280 characters with their markers; a clause-cut sentence if none fits."""
    order = sorted(range(len(cands)), key=lambda i: cands[i].score, reverse=True)
    used = 0
    points: list[SummaryPoint] = []
    for i in order[:8]:
        c = cands[i]
        if c.quote and not c.attributed:
            continue
        cost = len(c.text) + len(f" [{c.source}]") + (1 if points else 0)
        if used + cost <= SOCIAL_LIMIT and (not points or float(V[i] @ V[order[0]]) < w.duplicate):
            points.append(_point(c, "social"))
            used += cost
        if len(points) == 2:
            break
    if points:
        return points
    c = cands[order[0]]
    room = SOCIAL_LIMIT - len(f" [{c.source}]") - 1
    cut = clause_cut(c.text, room)
    return [SummaryPoint(cut, (c.source,), _verbatim(c.release, c.start, c.end, cut), "social", c.quote,
                         c.attribution, ((c.source, c.start, c.start + len(cut)),))]


def clause_cut(text: str, room: int) -> str:
    """``text`` cut to at most ``room`` characters at a clause boundary (else a word), ending in an ellipsis."""
    head = text[:room]
    for sep in (", ", "; ", " — ", " – ", " and ", " "):
        k = head.rfind(sep)
        if k > room // 3:
            return head[:k].rstrip(",;:— –") + "…"
    return head[: max(1, room - 1)].rstrip() + "…"


def _exec(cands: list[Candidate], V: Any, w: Weights) -> list[SummaryPoint]:
    """What happened (the lede), why it matters (impact: figures, customers, firsts, a quote), what is next."""
    happened = mmr(cands, V, 2, weights=w, allow=lambda c: not c.quote and c.words <= 50)
    happened = happened[:1] + [i for i in happened[1:] if cands[i].index <= 2]
    taken = list(happened)
    matters = mmr(cands, V, 2, weights=w, exclude=taken,
                  allow=lambda c: (bool(_IMPACT.search(c.text)) and not c.quote) or _good_quote(c))
    taken += matters
    nxt = mmr(cands, V, 2, weights=w, exclude=taken, allow=lambda c: bool(_FUTURE.search(c.text))
              and not (c.quote and not c.attributed))
    points = [_point(cands[i], "what_happened") for i in _reading_order(cands, happened)]
    points += [_point(cands[i], "why_it_matters") for i in matters]
    if nxt:
        points += [_point(cands[i], "what_is_next") for i in _reading_order(cands, nxt)]
    else:
        points.append(SummaryPoint(NOT_SAID, (), True, "what_is_next"))
    return points


# ---- assembling and rendering ---------------------------------------------------------------
SECTION_TITLES = {"what_happened": "What happened", "why_it_matters": "Why it matters",
                  "what_is_next": "What is next"}


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "brief").strip().lower()
    if fmt not in FORMATS:
        raise BadInput(f"unknown summary format {fmt!r} (use one of: {', '.join(FORMATS)})", code="bad_format")
    return fmt


def empty_summary(fmt: str, backend: str, releases: Sequence[Release] = ()) -> Summary:
    text = "The releases do not cover this topic." if not releases else "The releases have no text to summarise."
    return Summary(fmt=fmt, text=text, plain=text, covered=False, backend=backend,
                   details={"releases": [r.id for r in releases]})


def release_citation(number: int, release: Release, points: Sequence[SummaryPoint]) -> Citation:
    """The source entry of a release: its first passage the summary uses (the headline when none is)."""
    spans = sorted((s, e) for p in points for n, s, e in p.evidence if n == number)
    if spans:
        s, e = spans[0]
        quote = release.text[s:e]
        return Citation(number, release.id, release.title, quote, s, e, release.date, release.source, release.url,
                        None, verified=quote in release.text)
    return Citation(number, release.id, release.title, release.title, 0, 0, release.date, release.source,
                    release.url, None, verified=bool(release.title))


def build_summary(fmt: str, points: list[SummaryPoint], releases: Sequence[Release], backend: str,
                  details: dict[str, Any] | None = None) -> Summary:
    """Renumber the sources the points cite (1..n in order of use), render, and keep only cited releases."""
    order: dict[int, int] = {}
    for p in points:
        for n in p.citations:
            order.setdefault(n, len(order) + 1)
    renumbered = [
        SummaryPoint(p.text, tuple(order[n] for n in p.citations), p.verified, p.section, p.quote, p.attribution,
                     tuple((order[n], s, e) for n, s, e in p.evidence if n in order))
        for p in points
    ]
    citations = tuple(release_citation(new, releases[old - 1], renumbered) for old, new in order.items())
    markdown, plain = render(fmt, renumbered)
    info = {"releases": [r.id for r in releases], "unverified": sum(not p.verified for p in renumbered)}
    info.update(details or {})
    return Summary(fmt=fmt, text=markdown, plain=plain, points=tuple(renumbered), citations=citations,
                   covered=any(p.citations for p in renumbered), backend=backend, details=info)


def _line(p: SummaryPoint, markdown: bool = False) -> str:
    text = p.text
    if p.attribution:
        text = f"{text} — {p.attribution}"
    if markdown:  # generated text must not smuggle HTML into a page that renders the Markdown
        text = text.replace("<", "&lt;").replace(">", "&gt;")
    marks = "".join(f"[{n}]" for n in p.citations)
    line = f"{text} {marks}" if marks else text
    return line if p.verified else f"{line} (unverified)"


def render(fmt: str, points: Sequence[SummaryPoint]) -> tuple[str, str]:
    """(Markdown, plain text) of the points in the layout of ``fmt``; unverified points say so."""
    return _render(fmt, points, True), _render(fmt, points, False)


def _render(fmt: str, points: Sequence[SummaryPoint], markdown: bool) -> str:
    def line(p: SummaryPoint) -> str:
        return _line(p, markdown)

    if fmt == "brief":
        head = [p for p in points if p.section == "headline"]
        body = " ".join(line(p) for p in points if p.section != "headline")
        if not head:
            return body
        return f"## {line(head[0])}\n\n{body}" if markdown else f"{line(head[0])}\n\n{body}"
    if fmt == "bullets":
        return "\n".join(f"- {line(p)}" for p in points)
    if fmt in ("social", "newsletter"):
        return " ".join(line(p) for p in points)
    parts = []
    for key, title in SECTION_TITLES.items():
        body = " ".join(line(p) for p in points if p.section == key)
        if body:
            parts.append(f"**{title}.** {body}" if markdown else f"{title}: {body}")
    return "\n\n".join(parts)


# ---- choosing releases, and backends by name ------------------------------------------------
def select_releases(store: Any, retriever: Any, *, release_ids: Sequence[str] | None = None,
                    query: str | None = None, since: str | None = None, until: str | None = None,
                    sources: Sequence[str] | None = None, limit: int = 5, min_relevance: float = 0.35,
                    max_query_chars: int = 2000) -> list[Release]:
    """Releases named by id (all of them, in the order given); else the best matches for ``query``
    (ranked by hybrid retrieval, using most of the topic's words; ``min_relevance`` is kept for callers);
    else the newest passing the filters. Filters apply throughout."""
    from assistant.errors import NotFound
    from assistant.retrieval import Filters

    filters = Filters.from_input(since, until, sources)
    where = filters.to_where()
    if release_ids:
        ids = list(dict.fromkeys(i for i in release_ids if i))
        found = store.get_releases(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"no release with id {missing[0]!r}")
        return [found[i] for i in ids if where.accepts(found[i])]
    if query and query.strip():
        q = query.strip()
        if len(q) > max_query_chars:
            raise BadInput(f"the topic is {len(q):,} characters long; the limit is {max_query_chars:,}")
        # The same hybrid retrieval as questions ranks the releases (meaning alone let a look-alike through and
        # missed plain topics); a release is kept when it uses most of the topic's words.
        from assistant.reader import topic_share

        hits = retriever.search(q, max(20, 4 * limit), filters)
        ids = list(dict.fromkeys(h.chunk.release_id for h in hits))
        found = store.get_releases(ids)
        kept = [i for i in ids if i in found and topic_share(q, f"{found[i].title} {found[i].text}") >= 0.5]
        return [found[i] for i in kept[:limit]]
    if not (since or until or sources):
        raise BadInput("choose releases to summarise: release ids, a topic, dates or sources")
    return [r for r, _ in store.list_releases() if where.accepts(r)][:limit]
