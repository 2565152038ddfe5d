"""Summary -> .docx: the draft laid out for its format, with a numbered source list (python-docx, lazily).

Unlike ``assistant.export`` (any Markdown draft, as edited in the UI), this works from the
``Summary`` itself, so every point keeps its ``[n]`` markers, a point that failed the citation
check is flagged in the document, and the sources list carries title, date, outlet and link.
"""

from __future__ import annotations

import io
import re
from typing import Any

from assistant.errors import DependencyMissing
from assistant.types import Summary, SummaryPoint

FORMAT_TITLES = {"brief": "Brief", "bullets": "Key points", "social": "Social post", "newsletter": "Newsletter",
                 "exec": "Executive summary"}
SECTION_TITLES = {"what_happened": "What happened", "why_it_matters": "Why it matters",
                  "what_is_next": "What is next"}
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _add_point(paragraph: Any, point: SummaryPoint) -> None:
    text = point.text + (f" — {point.attribution}" if point.attribution else "")
    paragraph.add_run(_clean(text))
    if point.citations:
        paragraph.add_run(" " + "".join(f"[{n}]" for n in point.citations))
    if not point.verified:
        flag = paragraph.add_run(" (unverified: not supported by its source)")
        flag.italic = True


def summary_to_docx(summary: Summary) -> bytes:
    """The summary as the bytes of a Word document."""
    try:
        import docx
    except ImportError:
        raise DependencyMissing("python-docx is not installed: pip install python-docx") from None

    document = docx.Document()
    headline = next((p for p in summary.points if p.section == "headline"), None)
    document.core_properties.title = _clean(headline.text if headline else FORMAT_TITLES.get(summary.fmt, "Summary"))
    if headline is not None:
        _add_point(document.add_heading(level=1), headline)
    else:
        document.add_heading(FORMAT_TITLES.get(summary.fmt, "Summary"), level=1)
    body = [p for p in summary.points if p.section != "headline"]
    if not summary.points:
        document.add_paragraph(_clean(summary.plain))
    elif summary.fmt == "bullets":
        for p in body:
            _add_point(document.add_paragraph(style="List Bullet"), p)
    elif summary.fmt == "exec":
        for key, title in SECTION_TITLES.items():
            points = [p for p in body if p.section == key]
            if points:
                document.add_heading(title, level=2)
                para = document.add_paragraph()
                for i, p in enumerate(points):
                    if i:
                        para.add_run(" ")
                    _add_point(para, p)
    else:  # brief lede, social post, newsletter paragraph: one paragraph
        para = document.add_paragraph()
        for i, p in enumerate(body):
            if i:
                para.add_run(" ")
            _add_point(para, p)
    if summary.citations:
        document.add_heading("Sources", level=2)
        for c in summary.citations:
            para = document.add_paragraph()
            para.add_run(f"[{c.number}] ").bold = True
            para.add_run(_clean(c.title)).italic = True
            meta = ", ".join(x for x in (c.source, c.date) if x)
            if meta:
                para.add_run(_clean(f", {meta}"))
            where = c.url or c.path or c.release_id
            para.add_run(_clean(f" — {where}"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
