"""Files and pages -> ``Release``: the one package that turns what people give us into clean text.

It owns reading files (size limits, encodings, binary detection), the per-format readers
(HTML, browser-saved text, Markdown, PDF, JSON and JSON Lines), the clean-up that keeps the
release and drops the website around it, and the metadata a citation needs: title, date, URL,
source and author. Everything else in the package sees only ``Release`` and ``Rejected``.

Bad content never raises: each problem becomes a ``Rejected`` whose reason is a sentence for
the user, because one broken file must not stop an ingest of ten thousand good ones.
"""

from __future__ import annotations

from .dates import find_text_date, parse_date
from .files import (
    DEFAULT_MAX_BYTES,
    MAX_NAME_CHARS,
    SUPPORTED_SUFFIXES,
    iter_files,
    load_bytes,
    load_file,
    upload_name,
)
from .json import MAX_LISTED_REJECTIONS
from .pdf import MAX_PDF_PAGES
from .release import MAX_META_CHARS, MAX_RUN_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, release_from_text

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_LISTED_REJECTIONS",
    "MAX_META_CHARS",
    "MAX_NAME_CHARS",
    "MAX_PDF_PAGES",
    "MAX_RUN_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "SUPPORTED_SUFFIXES",
    "find_text_date",
    "iter_files",
    "load_bytes",
    "load_file",
    "parse_date",
    "release_from_text",
    "upload_name",
]
