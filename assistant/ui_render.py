"""HTML for the UI: answers with clickable citations, source cards, ingest reports, and the page's CSS/JS.

Everything that comes from a release (title, text, source, url, file name) or from a user is
untrusted and goes through ``esc`` before it is placed in markup; links are kept only for
http(s) URLs. No Gradio import here, so the rendering is testable on its own.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.types import Answer, Citation, IngestReport

CONTEXT_CHARS = 280
_MARK = re.compile(r"\[(\d+)\]")


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def release_label(release: Any) -> str:
    """How a release is named in lists: date, then title."""
    return f"{release.date or '----------'} · {release.title or release.id}"


def _link(url: str | None, label: str) -> str:
    if url and url.startswith(("http://", "https://")):
        return f"<a href='{esc(url)}' target='_blank' rel='noopener noreferrer'>{label}</a>"
    return label


def render_answer(answer: Answer, turn: int) -> str:
    """The answer for the chat: escaped text whose [n] link to source card n of this turn."""
    if not answer.covered:
        return ("<div class='not-covered'><b>Not covered.</b> " + esc(answer.text) +
                "<br><span class='hint'>Try other words, or widen the date and source filters.</span></div>")
    numbers = {c.number for c in answer.citations}

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in numbers:
            return m.group(0)
        return f"<a class='cite' href='#src-{turn}-{n}' title='Show source {n}'>[{n}]</a>"

    s, e = answer.answer_span or (0, 0)  # the value asked for, in bold
    html = esc(answer.text) if e <= s else \
        f"{esc(answer.text[:s])}<strong>{esc(answer.text[s:e])}</strong>{esc(answer.text[e:])}"
    return f"<div class='answer'>{_MARK.sub(link, html)}</div>"


def render_sources(assistant: Assistant, answer: Answer, turn: int = 1) -> str:
    """Each cited release: title (linked), date, source, and the quote highlighted in its context."""
    if not answer.citations:
        return "<p class='no-sources'>No sources: the releases do not cover this question.</p>"
    return "\n".join(_render_citation(assistant, c, turn) for c in answer.citations)


def _render_citation(assistant: Assistant, c: Citation, turn: int) -> str:
    try:
        text = assistant.release(c.release_id).text
    except AssistantError:
        text, start, end = c.quote, 0, len(c.quote)
    else:
        start, end = c.start, c.end
        if text[start:end] != c.quote:  # the release changed since the answer: show what was quoted
            text, start, end = c.quote, 0, len(c.quote)
    before = text[max(0, start - CONTEXT_CHARS):start]
    after = text[end:end + CONTEXT_CHARS]
    quote = esc(text[start:end])
    meta = " · ".join(esc(x) for x in (c.date, c.source, None if c.url else c.release_id) if x)
    check = ("<span class='ok' title='The quote was found word for word in the release'>✓ quote checked</span>"
             if c.verified else "<span class='warn'>⚠ quote not verified</span>")
    return (
        f"<div class='source' id='src-{turn}-{c.number}'>"
        f"<div class='source-head'><span class='num'>[{c.number}]</span> {_link(c.url, esc(c.title or c.release_id))}"
        f"</div><div class='meta'>{meta} {check}</div>"
        f"<blockquote class='context'>{'…' if start > CONTEXT_CHARS else ''}{esc(before)}<mark>{quote}</mark>"
        f"{esc(after)}{'…' if end + CONTEXT_CHARS < len(text) else ''}</blockquote>"
        f"<details class='full'><summary>Whole release</summary><div class='fulltext'>{esc(text[:start])}"
        f"<mark>{quote}</mark>{esc(text[end:])}</div></details></div>"
    )


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


CSS = """
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
.source .num { font-weight: 700; }
.source .meta { color: var(--body-text-color-subdued); font-size: 0.88em; margin: 2px 0; }
.source .meta .ok, .source .meta .warn { margin-left: 6px; white-space: nowrap; }
.source .ok, p.ok { color: #15803d; }
.source .warn, p.warn { color: #b45309; }
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
  for (let d = card.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) d.open = true;
  card.scrollIntoView({behavior: 'smooth', block: 'center'});
  card.classList.remove('flash');
  void card.offsetWidth;
  card.classList.add('flash');
  setTimeout(function () { card.classList.remove('flash'); }, 2500);
}, true);
</script>
"""
