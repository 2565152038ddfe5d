"""What every summary backend shares: the formats, assembling points into a cited ``Summary``, rendering,
and choosing the releases to summarise.

The offline summariser (``assistant.summaries.extractive``) and the LLM one (``assistant.generative``)
both end in ``build_summary``: sources renumbered in order of use, a correction note when a
summarised release corrects another, and the draft rendered by ``assistant.documents``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.corrections import (
    correction_note,
    index_supersessions,
    is_correction,
    states_correction,
    supersessions,
)
from assistant.errors import BadInput
from assistant.types import Citation, Release, Summary, SummaryPoint

if TYPE_CHECKING:
    from assistant.boilerplate import Candidate

FORMATS = ("brief", "bullets", "social", "newsletter", "exec")
SOCIAL_LIMIT = 280
MAX_BULLETS = 5
NOT_SAID = "The releases do not say."

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# a figure a correction can change: an amount, a percentage, a quantity with its unit (not a date's day)
_FIGURE = re.compile(r"(?:[$€£¥]\s?)(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?(?:%|percent\b|per\s+cent\b|"
                     r"million\b|billion\b|thousand\b|[kMGT]Wh?\b|customers\b|homes\b|jobs\b)", re.I)
_PARAGRAPH = re.compile(r"\n\s*\n")
_CORRECT = re.compile(r"\bcorrect(?:ed)?\b", re.I)


# ---- corrections -----------------------------------------------------------------------------
@dataclass
class Corrections:
    """What a set of releases says about corrections, for every summary backend.

    A superseded release gives no sentence; a correction's notice paragraph ("In the release …
    issued on …, X misstated its revenue. The release reported $584 million.") gives none either,
    except through its note; and no sentence stating a stale figure (one the superseded text or
    the notice states and the corrected text does not) is ever used.
    """

    superseded: dict[int, int] = field(default_factory=dict)  # release number -> its correction's number
    notices: dict[int, tuple[int, int]] = field(default_factory=dict)  # correction number -> notice span
    stale: set[str] = field(default_factory=set)
    notes: dict[int, SummaryPoint] = field(default_factory=dict)  # correction number -> its note

    def usable(self, c: Candidate) -> bool:
        if c.source in self.superseded:
            return False
        span = self.notices.get(c.source)
        if span and span[0] <= c.start < span[1]:
            return False
        return not (self.stale and self.stale & _numbers(c.text))


def _numbers(text: str) -> set[str]:
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def _figures(text: str) -> set[str]:
    return {(m.group(1) or m.group(2)).replace(",", "") for m in _FIGURE.finditer(text)}


def _notice(release: Release) -> tuple[int, int] | None:
    """The span of a correction's opening paragraph when it tells what was corrected."""
    text = release.text or ""
    pos = 0
    for m in _PARAGRAPH.finditer(text + "\n\n"):
        para = text[pos:m.start()]
        if para.strip() and not para.lstrip().startswith("#"):
            return (pos, m.start()) if states_correction(para) else None
        pos = m.end()
    return None


def corrections(releases: Sequence[Release]) -> Corrections:
    """The corrections among ``releases`` (numbered from 1), with a note for each: ``assistant.corrections``
    finds which release replaces which; this decides what a summary may state."""
    from assistant.chunking import sentence_spans

    out = Corrections()
    number = {r.id: n for n, r in enumerate(releases, 1)}
    replaced = {}
    for old_id, sup in supersessions(releases).items():
        if old_id in number and sup.new.id in number:
            out.superseded[number[old_id]] = number[sup.new.id]
            replaced[number[sup.new.id]] = sup
    for n, release in enumerate(releases, 1):
        if not is_correction(release):
            continue
        span = _notice(release)
        text = release.text or ""
        rest = text[:span[0]] + text[span[1]:] if span else text
        current = _numbers(rest)
        if span:
            out.notices[n] = span
            out.stale |= _figures(text[span[0]:span[1]]) - current
        if n in replaced:
            out.stale |= _figures(replaced[n].old.text) - current
        statement = None
        if span:
            for s, e in sentence_spans(text[span[0]:span[1]]):
                sentence = text[span[0] + s:span[0] + e]
                if _CORRECT.search(sentence) and _numbers(sentence) and not _numbers(sentence) & out.stale:
                    statement = (span[0] + s, span[0] + e)
                    break
        if statement:
            s, e = statement
            shown = " ".join(text[s:e].replace("**", "").split())
            out.notes[n] = SummaryPoint(shown, (n,), True, "correction", evidence=((n, s, e),))
        elif n in replaced:
            sup = replaced[n]
            when = f" ({sup.old.date})" if sup.old.date else ""
            out.notes[n] = SummaryPoint(f"\u201c{sup.old.title}\u201d{when} was {correction_note(sup)}.", (n,), True,
                                        "correction")
        else:
            when = f" on {release.date}" if release.date else ""
            out.notes[n] = SummaryPoint(f"This release, issued{when}, corrects an earlier one.", (n,), True,
                                        "correction")
    return out


def with_notes(points: list[SummaryPoint], notes: dict[int, SummaryPoint]) -> list[SummaryPoint]:
    """The points with the note of every correction they cite (after a headline), once each."""
    have = {n for p in points if p.section == "correction" for n in p.citations}
    cited = list(dict.fromkeys(n for p in points for n in p.citations))
    add = [notes[n] for n in cited if n in notes and n not in have]
    if not add:
        return points
    head = 1 if points and points[0].section == "headline" else 0
    return points[:head] + add + points[head:]


def with_corrections(store: Any, releases: list[Release]) -> list[Release]:
    """``releases`` plus the correction of any of them that was corrected, so that its summary states the
    corrected text and says so. The map over all releases is built once per index generation."""
    if not releases:
        return releases
    fixes = {old: sup.new for old, sup in index_supersessions(store).items()}
    have = {r.id for r in releases}
    extra = [fixes[r.id] for r in releases if r.id in fixes and fixes[r.id].id not in have]
    return releases + list({r.id: r for r in extra}.values())


# ---- assembling and rendering ---------------------------------------------------------------
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
                        None, verified=quote in release.text, date_inferred=release.date_inferred)
    return Citation(number, release.id, release.title, release.title, 0, 0, release.date, release.source,
                    release.url, None, verified=bool(release.title), date_inferred=release.date_inferred)


def build_summary(fmt: str, points: list[SummaryPoint], releases: Sequence[Release], backend: str,
                  details: dict[str, Any] | None = None) -> Summary:
    """Renumber the sources the points cite (1..n in order of use), render, and keep only cited releases.

    A point citing a correction brings the correction's note with it, whatever the backend."""
    points = with_notes(points, corrections(releases).notes)
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


def render(fmt: str, points: Sequence[SummaryPoint]) -> tuple[str, str]:
    """(Markdown, plain text) of the points in the layout of ``fmt``; unverified points say so."""
    from assistant.documents import point_blocks, to_markdown, to_text

    blocks = point_blocks(fmt, points)
    return to_markdown(blocks), to_text(blocks)


# ---- choosing releases -----------------------------------------------------------------------
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
