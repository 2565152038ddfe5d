"""PDF text layers -> ``Release``, within page, work and time limits."""

from __future__ import annotations

import contextlib
import io
import re
import time
from typing import Any

from ..types import Release
from .cleanup import _BULLET, _SENTENCE_END, _clean_units, _Unit
from .dates import find_text_date, stated_in_text
from .decode import _clean_chars, _collapse, _Skip
from .furniture import drop_furniture
from .release import _clean_title, _known, _title_from_paragraphs, _without_long_runs

_BAD_PDF_TITLES = re.compile(
    r"^(\(?untitled\)?.*|\(?anonymous\)?|microsoft (word|powerpoint) - .*|powerpoint presentation"
    r"|document\d*|slide \d+|.*\.(docx?|pdf|indd|pptx?|rtf|odt))$",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?-?\s*\d{1,4}\s*-?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)


def _release_from_pdf(data: bytes, *, name: str, id_base: str) -> Release:
    """The PDF's text layer. Its metadata dates are file dates, not publication dates."""
    if b"%PDF-" not in data[:1024]:
        raise _Skip("not a valid PDF: the file does not start with a %PDF- header")
    try:
        from pypdf import PdfReader
    except ImportError:
        raise _Skip("reading PDFs needs the pypdf package (pip install pypdf)") from None
    with _pdf_limits():
        pages, meta_title, meta_author = _pdf_text(PdfReader, data)
    units = _pdf_units([_clean_chars(p) for p in pages])
    if not units:
        raise _Skip("PDF has no text layer (scanned image?)")
    paras, found_title, lead = _clean_units(units, trim=True)
    paras = _without_long_runs(drop_furniture(paras))
    if not paras:
        raise _Skip("no text left after removing page clutter")
    title = _clean_title(meta_title)
    if not title or _BAD_PDF_TITLES.match(title) or len(title) > 300:
        title = found_title
    text_date = find_text_date(lead + paras[:3])
    return Release(
        id=id_base,
        title=title or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=text_date,
        date_inferred=bool(text_date) and not stated_in_text(lead + paras[:3], text_date or ""),
        author=_known(meta_author),
        path=name,
    )


# A press release is a few pages; a page of dense text is tens of KB of content stream and a few
# thousand operators. pypdf's own limits (75 MB and 2 million tokens per stream) let a 100 KB file
# spend 8 s on one page, so ours are lower, and the whole file has a page count and a time budget.
MAX_PDF_PAGES = 1000
PDF_SECONDS = 60.0
_PDF_LIMITS = {
    "stream_parsing_work_maximum_count": 300_000,
    "zlib_maximum_output_length": 10_000_000,
    "lzw_maximum_output_length": 10_000_000,
    "run_length_maximum_output_length": 10_000_000,
    "brotli_maximum_output_length": 10_000_000,
    "xform_maximum_invocations_per_extraction": 500,
}


def _pdf_limits() -> contextlib.AbstractContextManager[Any]:
    try:
        from pypdf import apply_configuration, get_configuration
    except ImportError:  # an older pypdf: only its built-in limits
        return contextlib.nullcontext()
    current = get_configuration()
    limits: dict[str, Any] = {k: v for k, v in _PDF_LIMITS.items() if hasattr(current, k)}
    return apply_configuration(None, **limits)


def _pdf_text(reader_class: Any, data: bytes) -> tuple[list[str], Any, Any]:
    """(text of each page, metadata title, metadata author), or ``_Skip`` saying why not."""
    try:
        reader = reader_class(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as e:  # noqa: BLE001 - unsupported cipher or missing crypto library
                raise _Skip(f"encrypted PDF: cannot read its text ({e})") from None
            if not opened:
                raise _Skip("encrypted PDF: cannot read its text (it needs a password)")
        pages: list[str] = []
        n_pages = len(reader.pages)
        if n_pages > MAX_PDF_PAGES:
            raise _Skip(f"PDF has {n_pages:,} pages; at most {MAX_PDF_PAGES:,} are read (is it a press release?)")
        started = time.monotonic()
        failed: list[str] = []
        for i, page in enumerate(reader.pages, 1):
            try:
                pages.append(page.extract_text() or "")
            except Exception as e:  # noqa: BLE001 - one broken page should not lose the others
                pages.append("")
                failed.append(f"page {i}: {e}")
            if i < n_pages and time.monotonic() - started > PDF_SECONDS:
                raise _Skip(
                    f"reading the PDF's text took over {PDF_SECONDS:g} s for {i} of its {n_pages} pages; "
                    "it is not an ordinary document"
                )
        if failed and not any(p.strip() for p in pages):
            raise _Skip(f"could not read the PDF's text ({failed[0]})")
        info = reader.metadata
        return pages, info.title if info is not None else None, info.author if info is not None else None
    except _Skip:
        raise
    except Exception as e:  # noqa: BLE001 - pypdf raises many types for damaged files
        raise _Skip(f"not a valid PDF: {e}") from None


def _pdf_units(pages: list[str]) -> list[_Unit]:
    """Re-join the PDF's visual lines into paragraphs.

    A PDF has lines, not paragraphs. A line much shorter than the full measure ends a
    paragraph (headings, last lines); so does a sentence end followed by a capital. Running
    heads and page numbers that repeat on most pages are dropped.
    """
    page_lines = [[_collapse(x) for x in p.split("\n")] for p in pages]
    counts: dict[str, int] = {}
    for lines in page_lines:
        for ln in set(lines):
            counts[ln] = counts.get(ln, 0) + 1
    repeated = {ln for ln, c in counts.items() if ln and len(page_lines) >= 3 and c >= 0.6 * len(page_lines)}
    lines = [
        ln for pl in page_lines for ln in pl + [""] if not (ln in repeated or _PAGE_NUMBER.match(ln or "x"))
    ]
    lengths = sorted(len(ln) for ln in lines if ln)
    if not lengths:
        return []
    full = lengths[int(0.9 * (len(lengths) - 1))]
    units: list[_Unit] = []
    para: list[str] = []
    block = 0

    def flush() -> None:
        nonlocal block
        if para:
            units.append(_Unit(" ".join(para), block))
            para.clear()
            block += 1

    for ln in lines:
        if not ln:
            flush()
            continue
        if para:
            prev = para[-1]
            if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and ln[0].islower():
                para[-1] = prev[:-1] + ln.split(" ", 1)[0]
                rest = ln.split(" ", 1)[1] if " " in ln else ""
                if rest:
                    para.append(rest)
                continue
            short = len(prev) < 0.7 * full
            sentence_break = _SENTENCE_END.search(prev) and ln[:1].isupper() and len(prev) < 0.9 * full
            if short or sentence_break or _BULLET.match(ln):
                flush()
        para.append(ln)
    flush()
    return units


# --------------------------------------------------------------------------------------------
# JSON and JSON Lines
