"""The ``Release`` builder: metadata limits, "unknown" values, titles of last resort, and the text
checks every reader ends with."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date as Date
from typing import Any, TypedDict, Unpack

from ..errors import BadInput
from ..types import Release
from .cleanup import _clean_units, _units_from_text
from .dates import find_text_date, parse_date, stated_in_text
from .decode import _ASCII_WS, _clean_chars, _collapse, _printable
from .furniture import drop_furniture
from .titles import is_title_candidate, tidy_title

# Metadata travels with every chunk of a release (and the title into every embedded passage),
# so a 5 MB og:title or JSON "title" would be copied thousands of times. Real ones are short.
MAX_TITLE_CHARS = 300
MAX_META_CHARS = 300
MAX_URL_CHARS = 2048


def _bounded(release: Release) -> Release:
    """The release with its metadata printable and cut to a sane length.

    Control and format characters (terminal escapes, NUL, right-to-left overrides that show
    ``txt.exe`` as ``exe.txt``) are removed from the title, source, author, id, URL and
    ``corrects``: metadata is printed on terminals and in lists, where they forge or hide text.
    """
    title, source, author = (
        _clip(_meta(release.title), MAX_TITLE_CHARS),
        _clip(_meta(release.source), MAX_META_CHARS),
        _clip(_meta(release.author), MAX_META_CHARS),
    )
    corrects = _clip(_meta(release.corrects), MAX_URL_CHARS)
    rid, url = _meta(release.id) or release.id, _meta(release.url)
    new = (title, source, author, corrects, rid, url)
    if new == (release.title, release.source, release.author, release.corrects, release.id, release.url):
        return release
    return replace(release, title=title or "", source=source, author=author, corrects=corrects, id=rid, url=url)


def _meta(s: str | None) -> str | None:
    """A metadata value without control and format characters (whitespace ones become a space);
    other characters, even a no-break space, stay as written."""
    if s is None or s.isprintable():
        return s
    return _printable(s) or None


def _clip(s: str | None, limit: int) -> str | None:
    if s is None or len(s) <= limit:
        return s
    cut = s[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def _link(value: Any) -> str | None:
    """A URL worth keeping (and using as the release id): known, and not absurdly long."""
    url = _known(value, limit=None)
    return url if url and len(url) <= MAX_URL_CHARS else None


class ReleaseMeta(TypedDict, total=False):
    """What a caller may already know about a release; the rest is found in the text."""

    title: str | None
    date: str | None
    url: str | None
    source: str | None
    author: str | None
    path: str | None


def release_from_text(text: str, *, release_id: str, **meta: Unpack[ReleaseMeta]) -> Release:
    """Build a release from raw text (pasted into the API, or a saved web page's text).

    The text gets the same clean-up as a ``.txt`` file: menus, share bars and footers go, the
    release stays. Title and date are taken from the text when not given. Raises ``BadInput``
    when nothing is left, because the caller asked for exactly this one release.
    """
    return _bounded(_make_release(_clean_chars(text), release_id=release_id, light=False, **meta))


def _make_release(text: str, *, release_id: str, light: bool, **meta: Unpack[ReleaseMeta]) -> Release:
    """``light`` keeps every word (JSON bodies are already clean; evaluation quotes them)."""
    title, date, url = meta.get("title"), meta.get("date"), meta.get("url")
    source, author = meta.get("source"), meta.get("author")
    if light:
        no_lead: list[str] = []
        paras, found_title, lead = _light_paragraphs(text), None, no_lead
    else:
        paras, found_title, lead = _clean_units(_units_from_text(text), trim=True)
        paras, found_title = drop_furniture(paras), tidy_title(found_title, site_name=source, url=url)
    paras = _without_long_runs(paras)
    if not paras:
        raise BadInput("the text is empty" if light else "no text left after removing page clutter")
    found_date = parse_date(date) if date else None
    text_date = None if found_date else find_text_date(lead + paras[:3])
    return Release(
        id=release_id,
        title=(_light_title(title) if light else _clean_title(title))
        or found_title
        or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=found_date or text_date,
        date_inferred=bool(text_date) and not stated_in_text(lead + paras[:3], text_date or ""),
        source=_known(source),
        url=_link(url),
        author=_known(author),
        path=meta.get("path"),
    )


# No word is 5,000 characters long: a longer run without a space is base64, a hex dump or junk.
# The chunker cuts only between words, so such a run would become one passage of any size (a
# 5 MB line took 20 s and 1.9 GB to chunk and embed), and nobody can search for it anyway.
MAX_RUN_CHARS = 5000
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_RUN_CHARS + 1},}}")


def _without_long_runs(paras: list[str]) -> list[str]:
    """Paragraphs with every run of more than ``MAX_RUN_CHARS`` non-space characters removed.

    Raises ``BadInput`` when nothing else is left, saying how long the run was.
    """
    if all(len(p) <= MAX_RUN_CHARS for p in paras):
        return paras
    out: list[str] = []
    longest = 0
    for p in paras:
        if len(p) > MAX_RUN_CHARS:
            runs = [m.span() for m in _LONG_RUN.finditer(p)]
            if runs:
                longest = max(longest, *(e - s for s, e in runs))
                edges = [0, *(x for span in runs for x in span), len(p)]
                pieces = (p[edges[i] : edges[i + 1]].strip() for i in range(0, len(edges), 2))
                p = " ".join(x for x in pieces if x)
        if p:
            out.append(p)
    if not out:
        raise BadInput(f"no text left: it is one run of {longest:,} characters without a space, not prose")
    return out


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.1f} KB" if n >= 1000 else f"{n} bytes"


def _light_paragraphs(text: str) -> list[str]:
    """Whitespace only: paragraphs at blank lines, runs of ASCII whitespace to one space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paras = (_ASCII_WS.sub(" ", p).strip() for p in re.split(r"\n[ \t\f\v]*\n", text))
    return [p for p in paras if p]


def _clean_title(title: Any) -> str | None:
    if title is None:
        return None
    t = _collapse(str(title))
    return t or None


def _light_title(title: str | None) -> str | None:
    """A record's title with ASCII whitespace tidied and everything else (even NBSP) as written."""
    t = _ASCII_WS.sub(" ", title or "").strip(" ")
    return t or None


def _title_from_paragraphs(paras: list[str]) -> str:
    """Last resort: the first sentence, cut at a word boundary, so every release has a title.

    A one-sentence headline set as body text (a PDF's long headline under "PRESS RELEASE") is
    kept whole up to 250 characters; a longer first sentence is a paragraph, cut at 120.
    """
    first = next((p for p in paras[:5] if is_title_candidate(p)), paras[0])  # not a caption or a notice
    m = re.search(r"[.!?](?:\s|$)", first)
    title = first[: m.start() + 1] if m else first
    if len(title) > (250 if title == first else 120):
        title = title[:120].rsplit(" ", 1)[0] + "…"
    return title


def _known(value: Any, *, limit: int | None = MAX_META_CHARS, _depth: int = 0) -> str | None:
    """A metadata value, or None for the ways files say "unknown" ("", "None", "null", "n/a").

    Lists of names are joined and ``{"name": ...}`` objects read, two levels deep at most and
    20 names at most: deeper or longer structures are data, not an author or a publisher.
    """
    if value is None or _depth > 2:
        return None
    if isinstance(value, list):
        parts = [p for p in (_known(v, limit=limit, _depth=_depth + 1) for v in value[:20]) if p]
        joined = ", ".join(parts)
        return (_clip(joined, limit) if limit else joined) or None
    if isinstance(value, dict):
        return _known(value.get("name"), limit=limit, _depth=_depth + 1)
    if not isinstance(value, str | int | float | Date):
        return None
    s = _collapse(str(value)[: (limit or MAX_URL_CHARS) * 4])
    if s.lower() in {"", "none", "null", "nan", "n/a", "unknown"}:
        return None
    return _clip(s, limit) if limit else s
