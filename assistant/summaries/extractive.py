"""The offline summariser: every point is a verbatim passage of a release, in any of the five formats.

1. ``boilerplate.body_sentences`` keeps the release proper (dateline stepped over; "About X", contacts,
   forward-looking statements, bylines, captions and clutter left out); ``with_lede`` brings back a lede
   sentence that lost only its final period.
2. A quote that the sentence splitter cut in two ('"We grew up here. We are proud," said the mayor.')
   is joined back into one passage, so that a quote is always whole, with its speaker; a quote that
   never closes inside its paragraph is left out. A sentence whose quotation marks hold only names or
   terms (``names_only``) is no quotation.
3. Corrections (``base.corrections``): nothing of a superseded release, of a correction's notice, or
   with a stale figure is used; the correction's note is stated instead.
4. ``scorer.score`` rates each passage with the model learned from news; ``scorer.mmr`` picks them;
   each format then selects and orders: the lead under a fitted word budget (``scorer.lead_budget``)
   for the lede of ``brief``, at most five points for ``bullets``
   (a spokesperson quote among them when there is one), a post of at most 280 characters for
   ``social``, one paragraph for ``newsletter``, and what happened / why it matters / what is
   next for ``exec``. A format never cuts a quote: when a whole one does not fit, it is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from assistant.boilerplate import ATTRIBUTION, Candidate, body_sentences, dateline_end, is_clutter
from assistant.protocols import summary_pieces
from assistant.summaries.base import (
    MAX_BULLETS,
    NOT_SAID,
    SOCIAL_LIMIT,
    build_summary,
    check_format,
    corrections,
    empty_summary,
)
from assistant.summaries.scorer import (
    DEFAULT_WEIGHTS,
    LinearModel,
    Weights,
    default_model,
    lead_budget,
    lead_swaps,
    lede_weights,
    mmr,
    score,
)
from assistant.types import Release, Summary, SummaryPoint

if TYPE_CHECKING:
    from assistant.embedding import Embedder

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
_OPEN = "“„«"
_CLOSE = "”»"


# ---- a lede the body filter dropped for its missing final mark ------------------------------------
_QUOTE_CHAR = re.compile(r"[\"“”„«»‘’]|(?<![A-Za-z])'|'(?![A-Za-z])")  # an apostrophe inside a word is no quote
_BREAK = re.compile(r"\n\s*\n")
_WORD_END = re.compile(r"[\w)%]$")  # a sentence that lost its period ends in a word, not in ":", "--" or "|"


def with_lede(cands: list[Candidate], release: Release, source: int) -> list[Candidate]:
    """``cands`` with the sentences before the first of them that ``body_sentences`` dropped only for their
    missing final mark.

    Scraped pages and PDFs lose a lede's final period when it was set apart (a standfirst, a bold first
    line); such a sentence is the release's own text, and often its point. Only sentences before the first
    body sentence come back (later ones without a final mark are captions and subheadings), and only those
    of ten words or more that are not the title and hold no quotation mark (a quote must be shown whole).
    """
    if not cands:
        return cands
    text = release.text
    title = {w.lower() for w in release.title.split()}
    lo, hi = 0, cands[0].start
    extra: list[Candidate] = []
    for s, e in sentence_spans_in(text, lo, hi):
        if not extra and not text[lo:s].strip():
            s += dateline_end(text[s:e])
        sentence = text[s:e].rstrip()
        words = sentence.split()
        if (not is_clutter(sentence) or is_clutter(sentence + ".") or len(words) < 10 or _QUOTE_CHAR.search(sentence)
                or not _WORD_END.search(sentence) or len(title & {w.lower() for w in words}) >= 0.8 * len(words)):
            continue
        extra.append(Candidate(source, release, s, s + len(sentence), len(_BREAK.findall(text[:s])), 0))
    if not extra:
        return cands
    out = [*extra, *cands]
    for k, c in enumerate(out):
        c.index = k
    return out


def sentence_spans_in(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    from assistant.chunking import sentence_spans

    return [(lo + s, lo + e) for s, e in sentence_spans(text[lo:hi])]


# ---- whole quotes ----------------------------------------------------------------------------
def _quote_open(text: str) -> bool:
    """Whether ``text`` leaves a quotation open (an odd number of straight marks, or more opening curly ones)."""
    curly = sum(text.count(ch) for ch in _OPEN) - sum(text.count(ch) for ch in _CLOSE)
    return curly > 0 or text.count('"') % 2 == 1


def whole_quotes(cands: list[Candidate]) -> list[Candidate]:
    """Sentences of one quotation joined into one passage; a quotation left open at its paragraph's end is dropped.

    The joined passage keeps the first sentence's place (``index``) and takes the speaker named in any of
    its sentences, so the quote and its attribution travel together.
    """
    out: list[Candidate] = []
    i = 0
    while i < len(cands):
        c = cands[i]
        if not (c.quote and _quote_open(c.text)):
            out.append(c)
            i += 1
            continue
        j, text = i, c.text
        while _quote_open(text) and j + 1 < len(cands):
            nxt = cands[j + 1]
            if nxt.source != c.source or nxt.para != c.para or c.release.text[cands[j].end:nxt.start].strip():
                break
            j += 1
            text = c.release.text[c.start:nxt.end]
        if _quote_open(text):
            i = j + 1  # a quotation that runs on past its paragraph: no whole quote to show
            continue
        group = cands[i:j + 1]
        speaker = next((g for g in group if g.attributed), None)
        out.append(Candidate(c.source, c.release, c.start, cands[j].end, c.para, c.index, True,
                             speaker is not None, None if speaker else c.attribution))
        i = j + 1
    return out


def _has_speaker(c: Candidate) -> bool:
    return c.attributed or c.attribution is not None


def _good_quote(c: Candidate) -> bool:
    return c.quote and _has_speaker(c) and c.words <= 60


def fact_or_quote(c: Candidate) -> bool:
    """A sentence without a quotation, or one that names who speaks in it ("…," he said; according to …)."""
    return not c.quote or _has_speaker(c) or bool(ATTRIBUTION.search(c.text))


# a quoted span: "…" / “…”, or '…' / ‘…’ opened after a space and closed before a space or punctuation
_QUOTED = re.compile(r"[\"“]([^\"“”]*)[\"”]|(?:^|(?<=\s))['‘]([^'‘’]*?)['’](?=[\s,.;:!?]|$)")


def names_only(text: str) -> bool:
    """Whether every quoted span of ``text`` is a name or a term (a film 'The First Great Escape', a
    "giga-coaster"): at most four words and no sentence of its own, so the sentence quotes no one."""
    spans = [a or b for a, b in _QUOTED.findall(text)]
    rest = _QUOTED.sub(" ", text)
    return (bool(spans) and not _QUOTE_CHAR.search(rest)
            and all(len(s.split()) <= 4 and not s.strip().endswith((".", "!", "?", ",")) for s in spans))


# ---- the summariser -------------------------------------------------------------------------
class Summarizer:
    """Extractive summaries of one or more releases in any of ``FORMATS``; needs only the embedder."""

    name = "extractive"

    def __init__(self, embedder: Embedder, *, weights: Weights | None = None, model: LinearModel | None = None,
                 cache_size: int = 20_000) -> None:
        self.embedder = embedder
        self.model = model or default_model()
        # the selection's redundancy trade-off is fitted with the model (its scores set the scale)
        self.weights = weights or lede_weights(DEFAULT_WEIGHTS, self.model.spec)
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

    def passages(self, releases: Sequence[Release], query: str | None = None
                 ) -> tuple[list[Candidate], Any, dict[int, Any], Any]:
        """Unscored candidates (whole quotes, nothing superseded or stale), their vectors, title and topic vectors."""
        fixes = corrections(releases)
        cands = [c for n, r in enumerate(releases, 1) for c in whole_quotes(with_lede(body_sentences(r, n), r, n))
                 if fixes.usable(c)]
        for c in cands:
            if c.quote and names_only(c.text):
                c.quote = False
        for k, c in enumerate(cands):  # the corrected text after a notice starts with its own dateline
            if c.source in fixes.notices and (k == 0 or cands[k - 1].source != c.source):
                c.start += dateline_end(c.release.text[c.start:c.end])
            c.index = 0 if k == 0 or cands[k - 1].source != c.source else cands[k - 1].index + 1
        if not cands:
            return [], None, {}, None
        titles = [(n, r.title) for n, r in enumerate(releases, 1) if r.title.strip()]
        texts = [c.text for c in cands] + [t for _, t in titles] + ([query] if query else [])
        vectors = self._embed(texts)
        title_vectors = {n: vectors[len(cands) + i] for i, (n, _) in enumerate(titles)}
        return cands, vectors[: len(cands)], title_vectors, vectors[-1] if query else None

    def candidates(self, releases: Sequence[Release], query: str | None = None
                   ) -> tuple[list[Candidate], Any]:
        """Body passages of every release, scored; their vectors come back too for MMR."""
        cands, V, title_vectors, qv = self.passages(releases, query)
        if cands:
            score(cands, V, title_vectors=title_vectors, query_vector=qv, weights=self.weights, model=self.model)
        return cands, V

    def lede(self, releases: Sequence[Release], query: str | None = None) -> list[str]:
        """The passages a brief's lede holds, in reading order (what the ROUGE benchmark scores)."""
        cands, _ = self.candidates(releases, query)
        if not cands:
            return []
        picked = lead_budget(cands, weights=self.weights, allow=fact_or_quote)
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
        notes = corrections(releases).notes
        points: list[SummaryPoint] = []
        if fmt == "brief":
            top = max(cands, key=lambda c: c.score)
            headline = releases[top.source - 1].title.strip()
            if headline:
                points.append(SummaryPoint(headline, (top.source,), True, "headline"))
            picked = lead_budget(cands, weights=w, allow=fact_or_quote)
            points += [_point(cands[i], "lede") for i in _reading_order(cands, picked)]
        elif fmt == "bullets":
            facts = mmr(cands, V, MAX_BULLETS - 1, weights=w, allow=lambda c: not c.quote)
            quote = mmr(cands, V, 1, weights=w, exclude=facts, allow=_good_quote)
            extra = [] if quote else mmr(cands, V, 1, weights=w, exclude=facts, allow=lambda c: not c.quote)
            points += [_point(cands[i], "bullet") for i in _reading_order(cands, facts + extra)]
            points += [_point(cands[i], "bullet") for i in quote]
        elif fmt == "social":
            points += _social(cands, V, w, notes)
        elif fmt == "newsletter":
            facts = mmr(cands, V, 3, weights=w, allow=lambda c: not c.quote and c.words <= 45)
            quote = mmr(cands, V, 1, weights=w, exclude=facts, allow=_good_quote)
            points += [_point(cands[i], "paragraph") for i in _reading_order(cands, facts) + quote]
        else:
            points += _exec(cands, V, w)
        summary = build_summary(fmt, points, releases, self.name)
        while fmt == "social" and len(summary.plain) > SOCIAL_LIMIT and len(points) > 1:
            points.pop()  # markers of several releases, or a correction's note, can push a post over the limit
            summary = build_summary(fmt, points, releases, self.name)
        return summary


def _reading_order(cands: list[Candidate], picked: Sequence[int]) -> list[int]:
    return sorted(picked, key=lambda i: (cands[i].source, cands[i].start))


def _point(c: Candidate, section: str) -> SummaryPoint:
    return SummaryPoint(c.text, (c.source,), _verbatim(c.release, c.start, c.end, c.text), section, c.quote,
                        None if c.attributed else c.attribution, ((c.source, c.start, c.end),))


def _verbatim(release: Release, start: int, end: int, text: str) -> bool:
    """The point's text is exactly (up to whitespace) the release's text at its offsets."""
    shown = " ".join(text.removesuffix("…").split())
    return bool(shown) and " ".join(release.text[start:end].split()).startswith(shown)


def _social(cands: list[Candidate], V: Any, w: Weights, notes: dict[int, SummaryPoint]) -> list[SummaryPoint]:
    """The best passages that fit 280 characters with their markers (and a correction's note); quotes only whole.

    When no passage fits, the best one that is not a quote is cut at a clause."""
    order = sorted(range(len(cands)), key=lambda i: cands[i].score, reverse=True)
    used = 0
    points: list[SummaryPoint] = []
    for i in order[:8]:
        c = cands[i]
        if c.quote and not _has_speaker(c):
            continue
        note = notes.get(c.source)
        extra = len("Correction: ") + len(note.text) + len(f" [{c.source}] ") if note and not points else 0
        attribution = len(f" — {c.attribution}") if c.quote and not c.attributed and c.attribution else 0
        cost = len(c.text) + attribution + len(f" [{c.source}]") + (1 if points else 0) + extra
        if used + cost <= SOCIAL_LIMIT and (not points or float(V[i] @ V[order[0]]) < w.duplicate):
            points.append(_point(c, "social"))
            used += cost
        if len(points) == 2:
            break
    if points:
        return points
    plain = next((cands[i] for i in order if not cands[i].quote), None)
    if plain is None:
        return []
    c = plain
    note = notes.get(c.source)
    room = SOCIAL_LIMIT - len(f" [{c.source}]") - 1 - (len("Correction: ") + len(note.text) + 5 if note else 0)
    cut = clause_cut(c.text, max(40, room))
    return [SummaryPoint(cut, (c.source,), _verbatim(c.release, c.start, c.end, cut), "social", False,
                         None, ((c.source, c.start, c.start + len(cut)),))]


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
    happened = lead_swaps(cands, V, 2, weights=w, allow=lambda c: not c.quote and c.words <= 50)
    happened.sort(key=lambda i: -cands[i].score)
    happened = happened[:1] + [i for i in happened[1:] if cands[i].index <= 2]
    taken = list(happened)
    matters = mmr(cands, V, 2, weights=w, exclude=taken,
                  allow=lambda c: (bool(_IMPACT.search(c.text)) and not c.quote) or _good_quote(c))
    taken += matters
    nxt = mmr(cands, V, 2, weights=w, exclude=taken,
              allow=lambda c: bool(_FUTURE.search(c.text)) and fact_or_quote(c))
    points = [_point(cands[i], "what_happened") for i in _reading_order(cands, happened)]
    points += [_point(cands[i], "why_it_matters") for i in matters]
    if nxt:
        points += [_point(cands[i], "what_is_next") for i in _reading_order(cands, nxt)]
    else:
        points.append(SummaryPoint(NOT_SAID, (), True, "what_is_next"))
    return points
