"""Drafts as documents: one writer for Markdown, plain text and Word (.docx), from a Summary or edited Markdown.

Every draft is first laid out as a few ``Block``s (headings, paragraphs, bullets, quotes) made of
``Run``s (text, bold, italic, a link), then written out: so the CLI's ``-o``, the API's
``Accept`` and the UI's download give the same document, with a heading per section, one
paragraph per source and clickable source links. The UI lets people edit the Markdown before
downloading, so Markdown is also read back into blocks (markdown-it-py, CommonMark).

Release titles and URLs are untrusted: only http(s) URLs are ever linked or shown, Markdown
output escapes markup in the text, and .docx and .txt get the text itself, unescaped.
python-docx is imported only when a .docx is asked for.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.errors import DependencyMissing

if TYPE_CHECKING:
    from assistant.types import Citation, Summary, SummaryPoint

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMAT_TITLES = {"brief": "Brief", "bullets": "Key points", "social": "Social post", "newsletter": "Newsletter",
                 "exec": "Executive summary"}
SECTION_TITLES = {"what_happened": "What happened", "why_it_matters": "Why it matters",
                  "what_is_next": "What is next"}
CORRECTION_LABEL = "Correction:"
UNVERIFIED = " (unverified)"
# characters XML 1.0 forbids: python-docx refuses them, and they never belong in a draft
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")  # only an "&" that would start an entity ("&lt;") needs escaping
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.I)


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None  # an http(s) URL, never anything else
    markup: bool = False  # our own text ("[1]" markers): never escaped


@dataclass
class Block:
    kind: str  # "heading" | "paragraph" | "bullet" | "number" | "quote" | "source" (a paragraph per source)
    runs: list[Run] = field(default_factory=list)
    level: int = 0  # heading level

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) URL; else None (``javascript:``, ``data:``, paths, ids)."""
    u = (url or "").strip()
    return u if _SAFE_URL.match(u) else None


def clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text or "")


def escape_markdown(text: str) -> str:
    """Release text as literal Markdown: no markup, links or HTML of its own survive rendering."""
    return _ENTITY.sub("&amp;", _MD_SPECIAL.sub(r"\\\1", clean(text)))


# ---- a summary as blocks ---------------------------------------------------------------------
def _point_runs(p: SummaryPoint) -> list[Run]:
    runs = [Run(CORRECTION_LABEL, bold=True), Run(" ")] if p.section == "correction" else []
    text = p.text + (f" — {p.attribution}" if p.attribution else "")
    runs.append(Run(text))
    if p.citations:
        runs.append(Run(" " + "".join(f"[{n}]" for n in p.citations), markup=True))
    if not p.verified:
        runs.append(Run(UNVERIFIED, italic=True))
    return runs


def _joined(points: Sequence[SummaryPoint]) -> list[Run]:
    runs: list[Run] = []
    for i, p in enumerate(points):
        if i:
            runs.append(Run(" "))
        runs += _point_runs(p)
    return runs


def point_blocks(fmt: str, points: Sequence[SummaryPoint]) -> list[Block]:
    """The body of a draft in the layout of its format."""
    if fmt == "brief":
        head = [p for p in points if p.section == "headline"]
        out = [Block("heading", _point_runs(head[0]), 2)] if head else []
        body = [p for p in points if p.section != "headline"]
        return out + ([Block("paragraph", _joined(body))] if body else [])
    if fmt == "bullets":
        return [Block("bullet", _point_runs(p)) for p in points]
    if fmt in ("social", "newsletter"):
        return [Block("paragraph", _joined(points))] if points else []
    out = []
    note = [p for p in points if p.section == "correction"]
    if note:
        out.append(Block("paragraph", _joined(note)))
    for key, title in SECTION_TITLES.items():
        section = [p for p in points if p.section == key]
        if section:
            out += [Block("heading", [Run(title)], 2), Block("paragraph", _joined(section))]
    return out


def source_block(c: Citation) -> Block:
    """One paragraph per source: number, title (linked when its URL is http(s)), outlet and date."""
    url = safe_url(c.url)
    runs = [Run(f"[{c.number}]", bold=True, markup=True), Run(" "), Run(c.title or c.release_id, italic=True, link=url)]
    meta = ", ".join(x for x in (c.source, c.date) if x)
    if meta:
        runs.append(Run(f", {meta}"))
    if url:
        runs.append(Run(" — "))
        runs.append(Run(url, link=url))
    return Block("source", runs)


def summary_blocks(summary: Summary, *, title: bool = False) -> list[Block]:
    blocks = [Block("heading", [Run(FORMAT_TITLES.get(summary.fmt, "Summary"))], 1)] if title else []
    body = point_blocks(summary.fmt, summary.points)
    blocks += body or [Block("paragraph", [Run(summary.plain)])]
    if summary.citations:
        blocks.append(Block("heading", [Run("Sources:")], 2))
        blocks += [source_block(c) for c in summary.citations]
    return blocks


# ---- writers -----------------------------------------------------------------------------------
def to_markdown(blocks: Sequence[Block]) -> str:
    def runs(rs: Sequence[Run]) -> str:
        out = []
        for r in rs:
            t = r.text if r.markup else escape_markdown(r.text)
            if r.bold and t.strip():
                t = f"**{t}**"
            if r.italic and t.strip():
                t = f"*{t}*"
            if r.link:
                t = f"[{t}](<{r.link}>)" if t != escape_markdown(r.link) else f"<{r.link}>"
            out.append(t)
        return "".join(out)

    parts: list[str] = []
    for b in blocks:
        text = runs(b.runs)
        if b.kind == "heading":
            parts.append(f"{'#' * max(1, b.level)} {text}")
        elif b.kind == "bullet":
            parts.append(f"- {text}")
        elif b.kind == "number":
            parts.append(f"1. {text}")
        elif b.kind == "quote":
            parts.append(f"> {text}")
        else:
            parts.append(text)
    # consecutive list items stay one list; other blocks are separated by a blank line
    out = ""
    for prev, (b, part) in zip([None, *blocks[:-1]], zip(blocks, parts, strict=True), strict=True):
        if out:
            same_list = prev is not None and prev.kind == b.kind and b.kind in ("bullet", "number")
            out += "\n" if same_list else "\n\n"
        out += part
    return out


def to_text(blocks: Sequence[Block]) -> str:
    """Plain text: the runs' own characters, a blank line between blocks, one line per list item and source."""
    out = ""
    prev: Block | None = None
    for b in blocks:
        text = clean(b.text)
        line = f"- {text}" if b.kind == "bullet" else f"> {text}" if b.kind == "quote" else text
        if out:
            tight = prev is not None and (prev.kind == b.kind and b.kind in ("bullet", "number", "source")
                                          or (prev.kind == "heading" and b.kind == "source"))
            out += "\n" if tight else "\n\n"
        out += line
        prev = b
    return out


def to_docx(blocks: Sequence[Block], title: str = "") -> bytes:
    try:
        import docx
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise DependencyMissing("python-docx is not installed: pip install python-docx") from None

    document = docx.Document()
    if title:
        document.core_properties.title = clean(title)[:250]
    styles = {"bullet": "List Bullet", "number": "List Number", "quote": "Quote", "source": None}
    for b in blocks:
        if b.kind == "heading":
            para = document.add_heading(level=min(max(1, b.level), 4))
        else:
            para = document.add_paragraph(style=styles.get(b.kind))
        for r in b.runs:
            if r.link and safe_url(r.link):
                _hyperlink(para, clean(r.text), r.link, bold=r.bold, italic=r.italic)
            else:
                run = para.add_run(clean(r.text))
                run.bold = r.bold or None
                run.italic = r.italic or None
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _hyperlink(paragraph: Any, text: str, url: str, *, bold: bool = False, italic: bool = False) -> None:
    """A clickable external link: python-docx has no API for it, so the run is built in OOXML."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml.shared import OxmlElement, qn

    rid = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0563C1")
    props.append(color)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(underline)
    for on, tag in ((bold, "w:b"), (italic, "w:i")):
        if on:
            props.append(OxmlElement(tag))
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


# ---- edited Markdown as blocks (markdown-it-py) ---------------------------------------------
def markdown_blocks(markdown: str) -> list[Block]:
    """CommonMark -> blocks: escapes and entities are resolved, links kept only when http(s)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(clean(markdown))
    blocks: list[Block] = []
    kind, level = "paragraph", 0
    lists: list[str] = []
    quote = 0
    for tok in tokens:
        if tok.type == "heading_open":
            kind, level = "heading", int(tok.tag[1:])
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            lists.append("bullet" if tok.type == "bullet_list_open" else "number")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif tok.type == "blockquote_open":
            quote += 1
        elif tok.type == "blockquote_close":
            quote -= 1
        elif tok.type == "paragraph_open":
            kind = lists[-1] if lists else "quote" if quote else "paragraph"
        elif tok.type in ("fence", "code_block", "html_block"):
            blocks.append(Block("paragraph", [Run(tok.content.rstrip("\n"))]))
        elif tok.type == "inline":
            blocks.append(Block(kind, _inline_runs(tok.children or []), level))
            kind, level = "paragraph", 0
    return blocks


def _inline_runs(children: Sequence[Any]) -> list[Run]:
    runs: list[Run] = []
    bold = italic = 0
    link: list[str | None] = []
    for t in children:
        if t.type == "strong_open":
            bold += 1
        elif t.type == "strong_close":
            bold -= 1
        elif t.type == "em_open":
            italic += 1
        elif t.type == "em_close":
            italic -= 1
        elif t.type == "link_open":
            link.append(safe_url(str(t.attrs.get("href", ""))))
        elif t.type == "link_close":
            link.pop()
        elif t.type in ("softbreak", "hardbreak"):
            runs.append(Run(" "))
        elif t.type in ("text", "code_inline", "html_inline"):
            runs.append(Run(t.content, bool(bold), bool(italic), link[-1] if link else None))
    return runs


# ---- the public calls ------------------------------------------------------------------------
def markdown_to_docx(markdown: str) -> bytes:
    """An (edited) Markdown draft as .docx bytes: headings, one paragraph per block, clickable links."""
    blocks = markdown_blocks(markdown or "")
    first = next((b.text for b in blocks if b.kind == "heading"), "")
    return to_docx(blocks, first)


def summary_to_markdown(summary: Summary) -> str:
    return to_markdown(summary_blocks(summary))


def summary_to_text(summary: Summary) -> str:
    return to_text(summary_blocks(summary))


def summary_to_docx(summary: Summary) -> bytes:
    """The summary as a Word document: format title, its sections as headings, one paragraph per source."""
    head = next((p.text for p in summary.points if p.section == "headline"), "")
    return to_docx(summary_blocks(summary, title=True), head or FORMAT_TITLES.get(summary.fmt, "Summary"))
