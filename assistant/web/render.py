"""HTML for the UI: answers with clickable citations, source cards, ingest reports, and the page's CSS/JS.

Everything that comes from a release (title, text, source, url, file name) or from a user is
untrusted and goes through ``esc`` before it is placed in markup; links are kept only for
http(s) URLs. No Gradio import here, so the rendering is testable on its own.
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

from assistant import inputs
from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.types import Answer, Citation, IngestReport

CONTEXT_CHARS = 280
_MARK = re.compile(r"\[(\d+)\]")


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def display_title(title: str) -> str:
    """A title as people read it: one set in capitals (a wire-service habit) is shown in title case."""
    letters = [c for c in title if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return string.capwords(title.lower())
    return title


INFERRED_TIP = "The release states no date of its own; this one was read from its text or its web address."


def date_text(date: str | None, inferred: bool = False) -> str:
    """A release's date as people should read it: a guessed one says so ("about 2022-07-30 (inferred)")."""
    if not date:
        return "undated"
    return f"about {date} (inferred)" if inferred else date


def date_html(date: str | None, inferred: bool = False) -> str:
    """``date_text``, escaped, with the reason for an inferred date as its tooltip."""
    if date and inferred:
        return f"<span class='inferred' title='{esc(INFERRED_TIP)}'>{esc(date_text(date, inferred))}</span>"
    return esc(date_text(date))


def release_label(release: Any) -> str:
    """How a release is named in lists: date, then title."""
    return f"{date_text(release.date, release.date_inferred)} · {display_title(release.title or release.id)}"


def _link(url: str | None, label: str) -> str:
    if url and url.startswith(("http://", "https://")):
        return f"<a href='{esc(url)}' target='_blank' rel='noopener noreferrer'>{label}</a>"
    return label


def render_answer(answer: Answer, turn: int, covers: str = "") -> str:
    """The answer for the chat: escaped text whose [n] link to source card n of this turn.

    ``covers`` names the filters the answer was limited to ("releases from 2023-01-01 on"), so that an
    answer never hides which releases it looked at.
    """
    scope = f"<div class='covers'>Searched only {esc(covers)}.</div>" if covers else ""
    if not answer.covered:
        hint = "widen the date and source filters" if covers else "widen the question"
        return ("<div class='not-covered'><b>Not covered.</b> " + esc(answer.text) +
                f"<br><span class='hint'>Try other words, or {hint}.</span>{scope}</div>")
    numbers = {c.number for c in answer.citations}

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in numbers:
            return m.group(0)
        return f"<a class='cite' href='#src-{turn}-{n}' title='Show source {n}'>[{n}]</a>"

    s, e = answer.answer_span or (0, 0)  # the value asked for, in bold
    html = esc(answer.text) if e <= s else \
        f"{esc(answer.text[:s])}<strong>{esc(answer.text[s:e])}</strong>{esc(answer.text[e:])}"
    return f"<div class='answer'>{_MARK.sub(link, html)}{scope}</div>"


def render_sources(assistant: Assistant, answer: Answer, turn: int = 1) -> str:
    """One card per cited release: title (linked), date, source, and each quote highlighted in its context."""
    if not answer.citations:
        return "<p class='no-sources'>No sources: the releases do not cover this question.</p>"
    by_release: dict[str, list[Citation]] = {}
    for c in answer.citations:
        by_release.setdefault(c.release_id, []).append(c)
    return "\n".join(_render_release(assistant, cites, turn) for cites in by_release.values())


def _quotes_in(assistant: Assistant, cites: list[Citation]) -> tuple[str, list[tuple[int, int, Citation]]]:
    """The release text and where each citation's quote sits in it (the quote alone when the release changed)."""
    try:
        text = assistant.release(cites[0].release_id).text
    except AssistantError:
        text = ""
    spans = []
    for c in cites:
        if text[c.start:c.end] == c.quote:
            spans.append((c.start, c.end, c))
    if len(spans) < len(cites):  # the release changed since the answer: show what was quoted
        text = "\n\n".join(c.quote for c in cites)
        spans, at = [], 0
        for c in cites:
            spans.append((at, at + len(c.quote), c))
            at += len(c.quote) + 2
    return text, sorted(spans, key=lambda s: s[0])


def _render_release(assistant: Assistant, cites: list[Citation], turn: int) -> str:
    first = cites[0]
    text, spans = _quotes_in(assistant, cites)
    numbers = "".join(f"<span class='num'>[{c.number}]</span>" for c in cites)
    anchors = "".join(f"<span class='anchor' id='src-{turn}-{c.number}'></span>" for c in cites[1:])
    meta = " · ".join([date_html(first.date, first.date_inferred), *([esc(first.source)] if first.source else [])])
    verified = all(c.verified for c in cites)
    check = ("<span class='ok' title='The quote was found word for word in the release'>✓ quote checked</span>"
             if verified else "<span class='warn'>⚠ quote not verified</span>")
    contexts = []
    for start, end, c in spans:
        before = text[max(0, start - CONTEXT_CHARS):start]
        after = text[end:end + CONTEXT_CHARS]
        contexts.append(
            f"<blockquote class='context'><span class='num'>[{c.number}]</span> "
            f"{'…' if start > CONTEXT_CHARS else ''}{esc(before)}<mark>{esc(text[start:end])}</mark>"
            f"{esc(after)}{'…' if end + CONTEXT_CHARS < len(text) else ''}</blockquote>")
    full, at = [], 0
    for start, end, _ in spans:
        if start < at:  # overlapping quotes: the first one's mark covers both
            continue
        full.append(f"{esc(text[at:start])}<mark>{esc(text[start:end])}</mark>")
        at = end
    full.append(esc(text[at:]))
    title = esc(display_title(first.title or "Untitled release"))
    return (
        f"<div class='source' id='src-{turn}-{first.number}' tabindex='-1'>{anchors}"
        f"<div class='source-head'>{numbers} {_link(first.url, title)}</div>"
        f"<div class='meta'>{meta} {check}</div>{''.join(contexts)}"
        f"<details class='full'><summary>Whole release</summary><div class='fulltext'>{''.join(full)}</div>"
        f"</details></div>"
    )


def render_preview(release: Any, chars: int = 1200) -> str:
    """A release in the Library: title, date, source, link, and the opening of its text."""
    meta = " · ".join([date_html(release.date, release.date_inferred),
                       *([esc(release.source)] if release.source else [])])
    text = release.text[:chars] + ("…" if len(release.text) > chars else "")
    return (f"<div class='preview'><h3>{_link(release.url, esc(display_title(release.title or release.id)))}</h3>"
            f"<div class='meta'>{meta}</div><div class='preview-text'>{esc(text)}</div></div>")


def render_source_turns(turns: list[dict[str, Any]]) -> str:
    """The sources panel: the latest answer's sources open, earlier answers' sources folded below."""
    if not turns:
        return ("<p class='sources-empty'>Sources of each answer appear here: the release, its date and "
                "source, and the quoted passage highlighted in its text.</p>")
    latest, earlier = turns[-1], turns[:-1]
    parts = [f"<section class='turn'><div class='turn-q'>{esc(latest['question'])}</div>{latest['html']}</section>"]
    for t in reversed(earlier):
        parts.append(f"<details class='earlier'><summary>Earlier: {esc(t['question'])}</summary>{t['html']}</details>")
    return "\n".join(parts)


def render_report(report: IngestReport, title: str = "Upload") -> str:
    """What an upload or re-index did, with each rejected file and its reason."""
    counts = (f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
              + (f", {len(report.removed)} removed" if report.removed else "")
              + f", {len(report.rejected)} rejected.")
    parts = [f"<div class='report'><p><b>{esc(title)}:</b> {esc(counts)}</p>"]
    for label, ids in (("Added", report.added), ("Updated", report.updated)):
        if ids:
            parts.append(f"<p>{label}: " + ", ".join(f"<code>{esc(i)}</code>" for i in ids) + "</p>")
    if report.rejected:
        rows = "".join(f"<tr><td><code>{esc(r.path)}</code></td><td>{esc(r.reason)}</td></tr>"
                       for r in report.rejected)
        parts.append(f"<table class='rejected'><thead><tr><th>Not added</th><th>Why</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    parts.append("</div>")
    return "".join(parts)


def filters_text(since: str | None, until: str | None, sources: Any = ()) -> str:
    """The filters in words ("" when none is on)."""
    parts = [inputs.date_range_text(since, until)]
    sources = [s for s in sources or () if s]
    if sources:
        parts.append("from " + ", ".join(sources))
    return ", ".join(p for p in parts if p)


def format_label(fmt: str) -> str:
    help_text = inputs.FORMAT_HELP.get(fmt)
    return f"{fmt}: {help_text}" if help_text else fmt


SCROLL_TO_DRAFT_JS = """
() => { const el = document.getElementById('sum-status');
  if (el) el.scrollIntoView({behavior: 'smooth', block: 'start'}); return []; }
"""


COPY_JS = """
async (text) => {
  const button = document.getElementById('copy-answer');
  const say = (words) => { if (!button) return; const old = button.dataset.label || button.textContent;
    button.dataset.label = old; button.textContent = words; setTimeout(() => { button.textContent = old; }, 1800); };
  if (!text) { say('Nothing to copy yet'); return []; }
  try { await navigator.clipboard.writeText(text); }
  catch (e) { const t = document.createElement('textarea'); t.value = text; document.body.appendChild(t);
    t.select(); document.execCommand('copy'); t.remove(); }
  window.__copiedAnswer = text;
  say('Copied ✓');
  return [];
}
"""


CSS = """
/* Colours chosen for WCAG AA contrast (4.5:1 or more) on white; Gradio's defaults fall short. */
:root, .gradio-container, .light {
  --body-text-color-subdued: #52525b !important; --block-info-text-color: #52525b !important;
  --input-placeholder-color: #6b7280 !important; --color-accent: #c2410c !important;
  --link-text-color: #c2410c !important; --button-primary-background-fill: #c2410c !important;
  --button-primary-background-fill-hover: #9a3412 !important; --button-primary-text-color: #ffffff !important;
  --button-cancel-background-fill: #b91c1c !important; --button-cancel-background-fill-hover: #991b1b !important;
  --button-cancel-text-color: #ffffff !important; --block-label-text-color: #3f3f46 !important;
  --block-title-text-color: #3f3f46 !important; --checkbox-label-text-color: #27272a !important;
}
footer, footer a, .show-api, .built-with { color: #52525b !important; }
.app-head h1 { margin: 0 0 2px 0; font-size: 1.5em; }
.app-head p { margin: 0; color: var(--body-text-color-subdued); }
#chat .answer, #chat .not-covered { line-height: 1.55; }
a.cite { text-decoration: none; font-weight: 600; padding: 0 1px; border-radius: 3px;
         color: var(--color-accent); cursor: pointer; }
a.cite:hover { background: var(--color-accent-soft); }
.not-covered { border-left: 3px solid #d97706; padding: 2px 10px; }
.not-covered .hint { color: var(--body-text-color-subdued); font-size: 0.9em; }
.thinking { color: var(--body-text-color-subdued); font-style: italic; }
#sources { max-height: 640px; overflow-y: auto; padding: 0 6px; }
#sum-pick { max-height: 380px; overflow-y: auto; }
.turn-q { font-weight: 600; margin: 2px 0 6px 0; }
.source { border-left: 3px solid #6b7280; padding: 4px 10px; margin: 8px 0; border-radius: 2px;
          transition: background-color 0.6s; }
.source.flash { background-color: rgba(250, 204, 21, 0.25); border-left-color: #ca8a04; }
.source .num { font-weight: 700; margin-right: 2px; }
.source:focus { outline: 2px solid #c2410c; outline-offset: 2px; }
.covers { color: var(--body-text-color-subdued); font-size: 0.9em; margin-top: 4px; }
#try { align-items: center; flex-wrap: wrap; gap: 6px; }
.try-label { color: var(--body-text-color-subdued); font-size: 0.9em; }
.lib-count { margin: 0; color: var(--body-text-color-subdued); }
#lib-table, #lib-table * { font-family: var(--font) !important; }
#lib-table .body-cell:nth-child(2) span, #lib-table td:nth-child(2) span { white-space: nowrap !important; }
@media (max-width: 600px) {  /* narrow screens: title and date first; the chunk count is for admins */
  /* the date column keeps room for one line; only here, where the header follows it (on wide screens the
     header cells stretch with the table while the body cells would not, and the columns drift apart) */
  #lib-table .body-cell:nth-child(2), #lib-table .header-cell:nth-child(2) {
    width: 92px !important; min-width: 92px !important; max-width: 92px !important; }
  #lib-table .body-cell:nth-child(4), #lib-table .header-cell:nth-child(4), #lib-table th:nth-child(4),
  #lib-table td:nth-child(4) { display: none !important; }
}
.preview { border-left: 3px solid #6b7280; padding: 4px 10px; }
.preview h3 { margin: 0 0 2px 0; font-size: 1.05em; }
.preview .meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.preview-text { white-space: pre-wrap; max-height: 260px; overflow-y: auto; font-size: 0.93em; margin-top: 6px; }
#sum-rendered { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 4px 12px;
                min-height: 60px; }
.source .meta { color: var(--body-text-color-subdued); font-size: 0.88em; margin: 2px 0; }
.source .meta .ok, .source .meta .warn { margin-left: 6px; white-space: nowrap; }
.source .ok, p.ok { color: #15803d; }
.source .warn, p.warn { color: #9a3412; }
.source blockquote.context { margin: 6px 0; padding: 0; border: 0; font-size: 0.95em; }
.source mark { background: #fde68a; color: inherit; padding: 0 2px; border-radius: 2px; }
.source details.full summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: 0.9em; }
.source .fulltext { white-space: pre-wrap; max-height: 320px; overflow-y: auto; font-size: 0.92em;
                    padding: 6px; background: var(--background-fill-secondary); border-radius: 4px; }
details.earlier { margin-top: 10px; }
details.earlier > summary { cursor: pointer; color: var(--body-text-color-subdued); }
.report table.rejected { border-collapse: collapse; margin-top: 4px; font-size: 0.92em; }
.report table.rejected td, .report table.rejected th { border: 1px solid var(--border-color-primary);
                                                       padding: 3px 8px; text-align: left; }
"""

# Our own script (trusted): a click on a citation [n] scrolls to its source card and flashes it.
HEAD = """
<script>
document.addEventListener('click', function (event) {
  const link = event.target.closest ? event.target.closest('a.cite') : null;
  if (!link) return;
  const id = (link.getAttribute('href') || '').replace(/^#/, '');
  const card = id ? document.getElementById(id) : null;
  event.preventDefault();
  event.stopPropagation();
  if (!card) return;
  const box = card.classList.contains('source') ? card : card.closest('.source') || card;
  for (let d = box.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) d.open = true;
  box.scrollIntoView({behavior: 'smooth', block: 'center'});
  box.focus({preventScroll: true});  // keyboard users land on the source, not back on the link
  box.classList.remove('flash');
  void box.offsetWidth;
  box.classList.add('flash');
  setTimeout(function () { box.classList.remove('flash'); }, 2500);
}, true);
</script>
"""
