"""Drafts out as files: Markdown text -> a Word (.docx) document.

The UI lets people edit a summary draft before downloading it, so the conversion works on the
Markdown text itself (headings, bullets, numbered items, quotes, **bold**), not on a Summary
object. python-docx is imported only when a .docx is asked for.
"""

from __future__ import annotations

import io
import re
from typing import Any

from assistant.errors import DependencyMissing

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
# characters XML 1.0 forbids: python-docx refuses them, and they never belong in a draft
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def markdown_to_docx(markdown: str) -> bytes:
    """The draft as .docx bytes: one Word paragraph per Markdown block, with matching styles."""
    try:
        import docx
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise DependencyMissing("python-docx is not installed: pip install python-docx") from None

    document = docx.Document()
    paragraph_lines: list[str] = []

    def flush() -> None:
        if paragraph_lines:
            _add_runs(document.add_paragraph(), " ".join(paragraph_lines))
            paragraph_lines.clear()

    for raw in _XML_ILLEGAL.sub("", markdown or "").splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        if m := _HEADING.match(line):
            flush()
            document.add_heading(m.group(2).strip(), level=min(len(m.group(1)), 4))
        elif m := _BULLET.match(line):
            flush()
            _add_runs(document.add_paragraph(style="List Bullet"), m.group(1))
        elif m := _NUMBERED.match(line):
            flush()
            _add_runs(document.add_paragraph(style="List Number"), m.group(1))
        elif m := _QUOTE.match(line):
            flush()
            _add_runs(document.add_paragraph(style="Quote"), m.group(1))
        else:
            paragraph_lines.append(line.strip())
    flush()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_runs(paragraph: Any, text: str) -> None:
    """Plain text with **bold** spans as bold runs."""
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            paragraph.add_run(text[pos:m.start()])
        paragraph.add_run(m.group(1) or m.group(2)).bold = True
        pos = m.end()
    if pos < len(text):
        paragraph.add_run(text[pos:])
