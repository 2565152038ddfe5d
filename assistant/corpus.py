"""Files and pages -> ``Release``: the one module that turns what people give us into clean text.

It owns reading files (size limits, encodings, binary detection), the per-format readers
(HTML, browser-saved text, Markdown, PDF, JSON and JSON Lines), the clean-up that keeps the
release and drops the website around it, and the metadata a citation needs: title, date, URL,
source and author. Everything else in the package sees only ``Release`` and ``Rejected``.

Bad content never raises: each problem becomes a ``Rejected`` whose reason is a sentence for
the user, because one broken file must not stop an ingest of ten thousand good ones.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import json
import os
import re
import stat
import time
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from datetime import date as Date
from pathlib import Path
from typing import Any

from .errors import BadInput
from .types import Rejected, Release

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".html", ".htm", ".txt", ".md", ".markdown", ".pdf", ".json", ".jsonl"}
)
DEFAULT_MAX_BYTES = 20_000_000


class _Skip(Exception):
    """Internal: this input cannot become a release; ``str(self)`` is the reason for the user."""


# --------------------------------------------------------------------------------------------
# Finding files
# --------------------------------------------------------------------------------------------


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every file named or found below the folders named.

    ``root`` is the folder the user gave (or a file's own folder), so that release ids can be
    paths relative to it and stay the same wherever the corpus is checked out. Hidden files and
    folders are skipped because they are editor and VCS litter, never releases. Every path is
    checked before anything is yielded, so a typo fails the run before any work is done.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    given = [Path(p) for p in paths]
    for p in given:
        if not p.exists():
            raise BadInput(f"no such file or folder: {p}")
    for p in given:
        if p.is_dir():
            for f in _walk(p):
                yield f, p
        else:
            yield p, p.parent


MAX_NAME_CHARS = 255


def upload_name(name: str | None) -> str:
    """A file name sent by a client, made safe to show and to use as a release id.

    Only the last path part is kept (``/`` and ``\\`` both separate: ``../../x.txt`` and
    ``C:\\x.txt`` become ``x.txt``); control and format characters are removed (terminal escapes,
    NUL, right-to-left overrides that show ``txt.exe`` as ``exe.txt``), other whitespace runs become
    one space, and a name longer than ``MAX_NAME_CHARS`` is cut, keeping its extension. Nothing
    is ever written under this name: uploads are read in memory.
    """
    base = " ".join(_printable(re.split(r"[/\\]", name or "")[-1]).split())
    if base in ("", ".", ".."):
        return "upload"
    if len(base) > MAX_NAME_CHARS:
        suffix = Path(base).suffix[:16]
        base = base[: MAX_NAME_CHARS - len(suffix) - 1].rstrip() + "…" + suffix
    return base


def _printable(s: str) -> str:
    """``s`` without control and format characters (whitespace ones become a space)."""
    if s.isprintable():
        return s
    return "".join(
        c if not unicodedata.category(c).startswith("C") else " " if c.isspace() else "" for c in s
    )


def _shown(path: Path) -> str:
    """A path as text that can be printed and stored: undecodable bytes in it become U+FFFD."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _walk(root: Path) -> list[Path]:
    """Files below ``root``. Links to folders are not followed (a link to ``.`` would loop), but
    they are listed, so that ``load_file`` can say so instead of skipping them in silence."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(base / d for d in dirs if os.path.islink(base / d))
        found.extend(base / name for name in files if not name.startswith("."))
    return sorted(found, key=lambda f: f.relative_to(root).parts)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_file(
    path: Path, root: Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Release | Rejected]:
    """Read one file and yield its release(s), or a ``Rejected`` for each problem.

    The id basis is the path relative to ``root`` (default: the file's folder) in posix form;
    a URL found inside the document wins over it. The size is checked before reading so that a
    stray video in the corpus folder costs nothing, and only regular files are opened so that
    a FIFO or device file can never hang an ingest.
    """
    path = Path(path)
    where = _shown(path)
    if where != str(path):  # Linux file names are bytes; Python shows undecodable ones as surrogates
        part = "file name" if _shown(Path(path.name)) != path.name else "path to the file"
        yield Rejected(where, f"the {part} is not valid UTF-8: rename it")
        return
    suffix = path.suffix.lower()
    if path.is_symlink() and path.is_dir():
        yield Rejected(where, "a link to a folder: links to folders are not followed (name the folder itself)")
        return
    if suffix not in SUPPORTED_SUFFIXES:
        yield Rejected(where, _unsupported(suffix))
        return
    try:
        st = path.stat()
    except OSError as e:
        yield Rejected(where, f"cannot read file: {e.strerror or e}")
        return
    if stat.S_ISDIR(st.st_mode):
        yield Rejected(where, "this is a folder, not a file")
        return
    if not stat.S_ISREG(st.st_mode):
        yield Rejected(where, "not a regular file")
        return
    if st.st_size > max_bytes:
        yield Rejected(where, _too_big(st.st_size, max_bytes))
        return
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as e:
        yield Rejected(where, f"cannot read file: {e.strerror or e}")
        return
    yield from load_bytes(data, where, release_id=_relative_id(path, root), max_bytes=max_bytes)


def load_bytes(
    data: bytes, name: str, *, release_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Release | Rejected]:
    """Turn the bytes of a file (an upload, or a file read by ``load_file``) into release(s).

    ``name`` gives the type (its suffix) and is recorded as ``Release.path``; ``release_id``
    replaces ``name`` as the id basis. A URL found in the document (canonical link, og:url,
    front matter, JSON field) is the id when present, because it is what a reader can follow.
    """
    suffix = Path(name).suffix.lower()
    id_base = release_id or name
    if suffix not in SUPPORTED_SUFFIXES:
        yield Rejected(name, _unsupported(suffix))
        return
    if not data:
        yield Rejected(name, "empty file")
        return
    if len(data) > max_bytes:
        yield Rejected(name, _too_big(len(data), max_bytes))
        return
    try:
        for item in _read(data, suffix, name=name, id_base=id_base):
            yield _bounded(item) if isinstance(item, Release) else item
    except _Skip as e:
        yield Rejected(name, str(e))
    except BadInput as e:
        yield Rejected(name, e.message)
    except RecursionError:
        yield Rejected(name, "document is nested too deeply to read")
    except Exception as e:  # noqa: BLE001 - one odd file must not abort a whole ingest
        yield Rejected(name, f"could not read this {suffix} file ({type(e).__name__}: {e})")


def _read(data: bytes, suffix: str, *, name: str, id_base: str) -> Iterator[Release | Rejected]:
    if suffix == ".pdf":
        yield _release_from_pdf(data, name=name, id_base=id_base)
        return
    text = _decode(data, html=suffix in {".html", ".htm"})
    if not text.strip():
        raise _Skip("file holds only whitespace")
    if suffix in {".json", ".jsonl"}:
        yield from _releases_from_json(text, name=name, id_base=id_base, lines=suffix == ".jsonl")
    elif suffix in {".html", ".htm"}:
        yield _release_from_html(text, name=name, id_base=id_base)
    elif suffix in {".md", ".markdown"}:
        yield _release_from_markdown(text, name=name, id_base=id_base)
    else:
        yield _make_release(_clean_chars(text), release_id=id_base, path=name, light=False)


# Metadata travels with every chunk of a release (and the title into every embedded passage),
# so a 5 MB og:title or JSON "title" would be copied thousands of times. Real ones are short.
MAX_TITLE_CHARS = 300
MAX_META_CHARS = 300
MAX_URL_CHARS = 2048


def _bounded(release: Release) -> Release:
    """The release with its title, source and author cut to a sane length."""
    title, source, author = (
        _clip(release.title, MAX_TITLE_CHARS),
        _clip(release.source, MAX_META_CHARS),
        _clip(release.author, MAX_META_CHARS),
    )
    corrects = _clip(release.corrects, MAX_URL_CHARS)
    if (title, source, author, corrects) == (release.title, release.source, release.author, release.corrects):
        return release
    return replace(release, title=title or "", source=source, author=author, corrects=corrects)


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


def release_from_text(
    text: str,
    *,
    release_id: str,
    title: str | None = None,
    date: str | None = None,
    url: str | None = None,
    source: str | None = None,
    author: str | None = None,
    path: str | None = None,
) -> Release:
    """Build a release from raw text (pasted into the API, or a saved web page's text).

    The text gets the same clean-up as a ``.txt`` file: menus, share bars and footers go, the
    release stays. Title and date are taken from the text when not given. Raises ``BadInput``
    when nothing is left, because the caller asked for exactly this one release.
    """
    release = _make_release(
        _clean_chars(text),
        release_id=release_id,
        title=title,
        date=date,
        url=url,
        source=source,
        author=author,
        path=path,
        light=False,
    )
    return _bounded(release)


def _make_release(
    text: str,
    *,
    release_id: str,
    title: str | None = None,
    date: str | None = None,
    url: str | None = None,
    source: str | None = None,
    author: str | None = None,
    path: str | None = None,
    light: bool,
) -> Release:
    """``light`` keeps every word (JSON bodies are already clean; evaluation quotes them)."""
    if light:
        no_lead: list[str] = []
        paras, found_title, lead = _light_paragraphs(text), None, no_lead
    else:
        paras, found_title, lead = _clean_units(_units_from_text(text), trim=True)
    paras = _without_long_runs(paras)
    if not paras:
        raise BadInput("the text is empty" if light else "no text left after removing page clutter")
    found_date = parse_date(date) if date else None
    return Release(
        id=release_id,
        title=(_light_title(title) if light else _clean_title(title))
        or found_title
        or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=found_date or find_text_date(lead + paras[:3]),
        source=_known(source),
        url=_link(url),
        author=_known(author),
        path=path,
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


def _unsupported(suffix: str) -> str:
    shown = f"'{suffix}'" if suffix else "(no extension)"
    return f"unsupported file type {shown} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"


def _too_big(size: int, limit: int) -> str:
    return f"file is {_size(size)}, over the {_size(limit)} limit"


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.1f} KB" if n >= 1000 else f"{n} bytes"


def _relative_id(path: Path, root: Path | None) -> str:
    root = root if root is not None else path.parent
    for p, r in ((path, root), (path.resolve(), root.resolve())):
        try:
            return _printable(p.relative_to(r).as_posix())
        except ValueError:
            continue
    return _printable(path.name)


# --------------------------------------------------------------------------------------------
# Bytes -> str
# --------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_BYTES = frozenset(range(32)) - {9, 10, 12, 13} | {127}
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})""",
    re.IGNORECASE,
)
# Browsers read these labels as windows-1252; pages that declare them usually contain it.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}


def _decode(data: bytes, *, html: bool = False) -> str:
    """Bytes -> text, or ``_Skip`` saying why not. Never guesses a legacy charset silently."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as e:
                raise _Skip(f"not valid {codec.upper()} text ({e.reason} at offset {e.start})") from None
    utf16 = _sniff_utf16(data)
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            raise _Skip(f"not valid {utf16.upper()} text") from None
    sample = data[:8192]
    if b"\x00" in data or sum(b in _CONTROL_BYTES for b in sample) > 0.05 * len(sample):
        raise _Skip("binary file, not text")
    if html:
        m = _DECLARED_CHARSET.search(data[:4096])
        if m:
            label = (m.group(1) or m.group(2)).decode("ascii").lower()
            label = _CHARSET_ALIASES.get(label, label)
            codec = _declared_codec(label)
            if codec != "utf-8":
                for attempt in (codec, "latin-1") if codec == "cp1252" else (codec,):
                    try:
                        return data.decode(attempt)
                    except UnicodeError:
                        continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _Skip(f"not valid UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None


# Labels a page can declare that no browser honours: a page whose <meta> is readable as ASCII is
# not UTF-16 or UTF-32 (the HTML standard reads those as UTF-8), UTF-7 was an XSS vector, and
# Python's other codecs (zlib, rot13, punycode, "undefined") are not web encodings at all.
_NOT_WEB_CODECS = ("utf-16", "utf-32", "utf-7", "idna", "punycode", "undefined", "unicode-escape",
                   "raw-unicode-escape", "unicode_escape", "raw_unicode_escape")


def _declared_codec(label: str) -> str:
    """The Python codec for a page's declared charset; ``utf-8`` for unknown or unusable labels."""
    try:
        info = codecs.lookup(label)
    except LookupError:
        return "utf-8"
    if not getattr(info, "_is_text_encoding", True) or info.name.startswith(_NOT_WEB_CODECS):
        return "utf-8"
    return info.name


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text shows NUL bytes in every other position."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


_DROP_CHARS: dict[int, str | None] = {c: None for c in range(32) if c not in (9, 10, 12, 13)}
_DROP_CHARS.update({0x7F: None, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0xAD: None})
_DROP_CHARS[12] = "\n\n"


def _clean_chars(text: str) -> str:
    """Line ends to ``\\n``; invisible characters (controls, zero-width, soft hyphens) removed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_DROP_CHARS)


_WS = re.compile(r"\s+")
_ASCII_WS = re.compile(r"[ \t\n\r\f\v]+")


def _collapse(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _light_paragraphs(text: str) -> list[str]:
    """Whitespace only: paragraphs at blank lines, runs of ASCII whitespace to one space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paras = (_ASCII_WS.sub(" ", p).strip() for p in re.split(r"\n[ \t\f\v]*\n", text))
    return [p for p in paras if p]


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_DATE_PATTERNS = [
    re.compile(rf"(?<![\d.]){_YEAR}-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"),
    re.compile(rf"(?<![\d.]){_YEAR}[/.](?P<m>\d{{1,2}})[/.](?P<d>\d{{1,2}})(?![\d/])"),
    re.compile(rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}\s*,?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"{_YEAR}\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*日"),
    # dd.mm.yyyy is European; dd/mm/yyyy vs mm/dd/yyyy is settled only when a part is > 12.
    re.compile(rf"(?<![\d/.])(?P<a>\d{{1,2}})(?P<sep>[/.])(?P<b>\d{{1,2}})(?P=sep){_YEAR}(?![\d/])"),
]


def _date_from_match(m: re.Match[str]) -> str | None:
    g = m.groupdict()
    y = int(g["y"])
    if g.get("mon"):
        mo, d = _MONTHS[g["mon"][:3].lower()], int(g["d"])
    elif g.get("a"):
        a, b = int(g["a"]), int(g["b"])
        if g["sep"] == "." or a > 12:
            d, mo = a, b
        elif b > 12 or a == b:
            mo, d = a, b
        else:
            return None  # 03/04/2025: March or April? A wrong date is worse than none.
    else:
        mo, d = int(g["m"]), int(g["d"])
    try:
        return Date(y, mo, d).isoformat()
    except ValueError:
        return None


def _first_date(text: str) -> str | None:
    """The earliest full date (day, month and year) anywhere in ``text``."""
    best: tuple[int, str] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if best is not None and m.start() >= best[0]:
                break
            iso = _date_from_match(m)
            if iso:
                best = (m.start(), iso)
                break
    return best[1] if best else None


def parse_date(value: str) -> str | None:
    """Any common way of writing a date -> ``YYYY-MM-DD``, or None when there is no full date.

    Times and time zones are ignored: the date as the publisher wrote it is the date readers
    see. ``"2023-11-27 08:45:59.000000000Z"``, ``"Mar. 3, 2025"``, ``"12 June 2023"``,
    ``"2025/03/03"`` and ``"Mon, 27 Nov 2023 08:45:59 GMT"`` all work.
    """
    if not isinstance(value, str):
        return None
    v = value.strip()[:200]
    if re.fullmatch(r"(?:19|20)\d{6}", v):
        v = f"{v[:4]}-{v[4:6]}-{v[6:]}"
    return _first_date(v) if v else None


def find_text_date(paragraphs: list[str], *, limit: int = 3000) -> str | None:
    """The first full date in the dateline zone: the paragraphs given, at most ``limit`` chars.

    Only the opening is searched because later dates in a release are about other events
    ("the plant opened on June 1, 2019"), not about when the release was issued.
    """
    zone = "\n".join(paragraphs)[:limit]
    return _first_date(zone)


# --------------------------------------------------------------------------------------------
# Page clean-up shared by .txt, raw text, PDF (and, without trimming, HTML)
# --------------------------------------------------------------------------------------------


def _phrases(text: str) -> frozenset[str]:
    return frozenset(w.strip() for w in text.replace("\n", "|").split("|") if w.strip())


# Whole lines that are site furniture wherever they appear (compared after _norm).
_BOILERPLATE = _phrases(
    """
    language switch|language|languages|select language|english|back to top|return to top|top|
    home|homepage|menu|main menu|open menu|close menu|toggle navigation|navigation|share|
    share this|share this article|share this page|share this story|share article|tweet|facebook|
    twitter|linkedin|instagram|youtube|wechat|weibo|x|email|e-mail|print|print this page|
    print page|skip to content|skip to main content|skip navigation|skip to navigation|follow us|
    follow us on|connect with us|subscribe|subscribe now|search|close|next|previous|prev|
    read more|more|login|log in|sign in|sign up|register|sitemap|site map|privacy|privacy policy|
    terms of use|terms and conditions|terms|cookie policy|cookie settings|accessibility|
    accept|accept all|accept cookies|reject all|manage cookies|got it|newsroom|news|
    press releases|press release|media center|media centre|news center|news centre|contact us|
    about us|careers|investors|email address|enter your email
    """
)
# Lines after which a page has left the release (once the body has started).
_END_MARKERS = _phrases(
    """
    back to top|return to top|top of page|go to top|scroll to top|to top|related articles|related news|
    related posts|related stories|related content|related releases|you may also like|you might also like|
    more news|latest news|recommended|recommended for you|read next|more stories|more press releases
    """
)
_MENU_SEPARATORS = re.compile(r"\s(?:\||•|·|/|>|›|»|→)\s")
_BULLET = re.compile(r"^\s*(?:[•·▪●◦‣∙○■□➢►*+]|[-–—](?=\s))\s*")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")
_CONTACT = re.compile(
    r"@|\b(?:contacts?|media|press|inquiries|enquiries|phone|tel|telephone|e-?mail|fax|investor relations)\b"
    r"|^#{3}$|^-\s*30\s*-$|^ends$|https?://|www\.|\+?\d[\d ().-]{6,}\d",
    re.IGNORECASE,
)


def _norm(s: str) -> str:
    s = re.sub(r"^[^\w©]+|[^\w]+$", "", s.lower())
    return _WS.sub(" ", s)


def _is_boilerplate(s: str) -> bool:
    n = _norm(s)
    if not n or n in _BOILERPLATE or n in _END_MARKERS:
        return True
    low = s.lower()
    if len(s) < 300 and (
        n.startswith(("©", "copyright ")) or "all rights reserved" in low or low.startswith("(c) ")
    ):
        return True
    if (
        "cookie" in low
        and len(s) < 500
        and re.search(r"\b(we use|this (web)?site|accept|consent|privacy)", low)
    ):
        return True
    words = n.split()
    if len(words) <= 6 and re.match(
        r"(share|follow us|connect with us|skip to|print this|email this|search)\b", n
    ):
        return True
    pieces = _MENU_SEPARATORS.split(s)
    return "@" not in s and len(pieces) >= 3 and all(len(p.split()) <= 4 for p in pieces)


def _is_prose(s: str) -> bool:
    """A sentence-like paragraph: the body of a release is a run of these."""
    words = len(s.split())
    return (words >= 6 and bool(_SENTENCE_END.search(s))) or words >= 30


def _is_heading_like(s: str) -> bool:
    words = s.split()
    if not 1 <= len(words) <= 30 or len(s) >= 200 or s.endswith((".", ",", ";", ":")):
        return False
    if _BULLET.match(s) or _is_boilerplate(s) or s.lower().startswith(("by ", "for immediate release")):
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 3 or letters < 0.5 * len(s.replace(" ", "")):
        return False
    date_found = _first_date(s)
    return not (date_found and len(re.findall(r"[A-Za-z]{3,}", s)) <= 3)


class _Unit:
    """One line or paragraph of a page, and which blank-line-separated block it came from."""

    __slots__ = ("text", "block")

    def __init__(self, text: str, block: int) -> None:
        self.text = text
        self.block = block


def _units_from_text(text: str) -> list[_Unit]:
    """Blocks at blank lines; a block is one paragraph when it is hard-wrapped prose, else one
    unit per line (menus and stat boxes put one item per line)."""
    units: list[_Unit] = []
    for bi, block in enumerate(re.split(r"\n[^\S\n]*\n", text)):
        lines = [ln for ln in (_collapse(x) for x in block.split("\n")) if ln]
        if not lines:
            continue
        wrapped = len(lines) > 1 and all(len(x) >= 40 and not _BULLET.match(x) for x in lines[:-1])
        if wrapped and not _BULLET.match(lines[-1]):
            units.append(_Unit(" ".join(lines), bi))
        else:
            units.extend(_Unit(x, bi) for x in lines)
    return units


def _clean_units(
    units: list[_Unit], *, trim: bool, trim_tail: bool = True
) -> tuple[list[str], str | None, list[str]]:
    """Site clutter out, release in. Returns (body paragraphs, title found, lines above the body).

    With ``trim`` the body is the run from the first prose paragraph to the last, plus a
    contact block right after it: menus and breadcrumbs sit above the headline, stat boxes and
    link lists below the body, and neither is made of sentences.
    """
    kept: list[_Unit] = []
    seen_prose = False
    for u in units:
        if _norm(u.text) in _END_MARKERS:
            if seen_prose:
                break
            continue
        if _is_boilerplate(u.text):
            continue
        kept.append(u)
        seen_prose = seen_prose or _is_prose(u.text)
    if not trim:
        return [u.text for u in kept], None, []
    prose = [i for i, u in enumerate(kept) if _is_prose(u.text)]
    if not prose:
        if len(kept) >= 2 and _is_heading_like(kept[0].text):
            return [u.text for u in kept[1:]], kept[0].text, [kept[0].text]
        return [u.text for u in kept], None, []
    first, last = prose[0], prose[-1]
    lead = [u.text for u in kept[:first]]
    title = _lead_title(lead, units)
    if not trim_tail:
        return [u.text for u in kept[first:]], title, lead
    end = last + 1
    while end < len(kept) and kept[end].block == kept[last].block:
        end += 1  # lines set directly under the last paragraph belong to it
    while end < len(kept):
        stop = end + 1
        while stop < len(kept) and kept[stop].block == kept[end].block:
            stop += 1
        if not any(_CONTACT.search(u.text) for u in kept[end:stop]):
            break
        end = stop  # a media-contact block right after the body is part of the release
    return [u.text for u in kept[first:end]], title, lead


def _lead_title(lead: list[str], units: list[_Unit]) -> str | None:
    """The headline among the lines above the body.

    A page that opens with a heading and goes almost straight to the body starts with its
    headline (a deck line may follow it). Otherwise menus and breadcrumbs come first and the
    headline is the last heading-like line before the body.
    """
    headings = [s for s in lead if _is_heading_like(s)]
    if not headings:
        return None
    if units and lead and units[0].text == lead[0] and len(lead) <= 3 and headings[0] == lead[0]:
        return lead[0]
    long_headings = [s for s in headings if len(s.split()) >= 3]
    return (long_headings or headings)[-1]


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
    """Last resort: the first sentence, cut at a word boundary, so every release has a title."""
    first = paras[0]
    m = re.search(r"[.!?](?:\s|$)", first)
    title = first[: m.start() + 1] if m else first
    if len(title) > 120:
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


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_NEVER_CONTENT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "canvas",
        "object",
        "embed",
        "head",
        "title",
        "meta",
        "link",
    }
)
_CLUTTER_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "form", "button", "select", "input", "textarea", "dialog", "menu"}
)
_CLUTTER_WORDS = frozenset(
    "nav navbar navigation navi menu menubar megamenu breadcrumb breadcrumbs crumbs share shares sharing "
    "sharebar addthis social socials cookie cookies consent gdpr banner sidebar related footer lang "
    "language languages langswitch subscribe subscription newsletter skip skiplink toolbar masthead topbar "
    "pagination pager popup modal advert advertisement ads sponsor sponsored comments disqus".split()
)
_CLUTTER_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "dialog",
        "alertdialog",
        "toolbar",
    }
)
_HIDDEN_CLASSES = ("sr-only", "visually-hidden", "visuallyhidden", "screen-reader")
_BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table thead tbody tfoot "
    "tr figure figcaption address hr br center caption details summary fieldset legend body html hgroup "
    "header footer aside nav form".split()
)
_LD_CONTAINERS = frozenset({"@graph", "mainEntity", "mainEntityOfPage", "itemListElement"})
_ARTICLE_TYPES = ("article", "newsarticle", "pressrelease", "blogposting", "report", "reportagenewsarticle")


def _attr_words(el: Any) -> set[str]:
    raw = " ".join(el.get(a) or "" for a in ("class", "id", "aria-label"))
    raw = re.sub(r"([a-z])([A-Z])", r"\1 \2", raw).lower()
    return set(re.split(r"[^a-z0-9]+", raw))


def _is_clutter(el: Any) -> bool:
    tag = el.tag
    if tag in _CLUTTER_TAGS:
        return True
    if (el.get("role") or "").strip().lower() in _CLUTTER_ROLES:
        return True
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    if re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", el.get("style") or "", re.IGNORECASE):
        return True
    cls = (el.get("class") or "").lower()
    if any(h in cls for h in _HIDDEN_CLASSES):
        return True
    return bool(_attr_words(el) & _CLUTTER_WORDS)


def _release_from_html(text: str, *, name: str, id_base: str) -> Release:
    from lxml import etree
    from lxml import html as lxml_html

    text = _clean_chars(text)
    text = re.sub(r"^\s*<\?xml[^>]{0,200}\?>", "", text)  # lxml refuses str input that declares an encoding
    parser = lxml_html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        raise _Skip("no text left after removing page clutter") from None
    too_deep = any("depth" in e.message.lower() for e in parser.error_log)

    meta = _html_meta(root)
    canonical = next(
        (
            link.get("href", "").strip()
            for link in root.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split()
        ),
        "",
    )
    url = next(
        (
            u
            for u in (canonical, meta.get("og:url", ""))
            if u.startswith(("http://", "https://")) and len(u) <= MAX_URL_CHARS
        ),
        None,
    )
    ld = _json_ld(root)
    title_tag = _collapse(root.findtext(".//title") or "")

    main = None if too_deep else _semantic_main(root)
    h1 = next((main if main is not None else root).iter("h1"), None)
    h1_text = _collapse(h1.text_content()) if h1 is not None else ""
    time_el = next((t for t in (main if main is not None else root).iter("time") if t.get("datetime")), None)
    if too_deep:
        # libxml2 stops at 2048 levels and drops the rest; a flat scan has no depth at all.
        paras = _flat_html_paragraphs(text)
    else:
        main = _strip_clutter(root, main)
        paras = _render_blocks(main, skip=h1)
    title = _pick_title(
        meta.get("og:title"), ld.get("headline"), h1_text, title_tag, meta.get("og:site_name")
    )
    # Kickers, date lines and bylines above the first sentence are page furniture; keep the rest.
    paras, _, lead = _clean_units([_Unit(p, i) for i, p in enumerate(paras)], trim=True, trim_tail=too_deep)
    paras = _without_long_runs(paras)
    if paras and title and _norm(paras[0]) == _norm(title):
        paras = paras[1:]
    if not paras:
        raise _Skip("no text left after removing page clutter")
    found_date = None
    for raw in (
        ld.get("datePublished"),
        meta.get("article:published_time"),
        meta.get("datepublished"),
        *(
            meta.get(k)
            for k in (
                "date",
                "pubdate",
                "publishdate",
                "dc.date",
                "dcterms.date",
                "dc.date.issued",
                "dcterms.issued",
                "publication_date",
            )
        ),
        time_el.get("datetime") if time_el is not None else None,
    ):
        found_date = parse_date(raw) if isinstance(raw, str) else None
        if found_date:
            break
    return Release(
        id=url or id_base,
        title=title or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=found_date or find_text_date(lead + paras[:3]),
        source=_known(meta.get("og:site_name")) or _known(ld.get("publisher")),
        url=url,
        author=_known(meta.get("author")) or _known(ld.get("author")),
        path=name,
    )


def _html_meta(root: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = (m.get("content") or "").strip()
        if key and content and key not in meta:
            meta[key] = content
    return meta


def _json_ld(root: Any) -> dict[str, Any]:
    """headline, datePublished, publisher and author from JSON-LD, article nodes first."""
    found: dict[str, Any] = {}
    nodes: deque[Any] = deque()
    for s in root.iter("script"):
        if (s.get("type") or "").strip().lower() == "application/ld+json":
            try:
                nodes.append(json.loads(s.text or ""))
            except (ValueError, RecursionError):  # broken or absurdly nested metadata: the page still counts
                continue
    dicts: list[dict[str, Any]] = []
    while nodes and len(dicts) < 2000:
        node = nodes.popleft()
        if isinstance(node, list):
            nodes.extend(node)
        elif isinstance(node, dict):
            dicts.append(node)
            nodes.extend(v for k, v in node.items() if k in _LD_CONTAINERS)

    def is_article(d: dict[str, Any]) -> bool:
        t = d.get("@type")
        types = t if isinstance(t, list) else [t]
        return any(isinstance(x, str) and x.lower() in _ARTICLE_TYPES for x in types)

    for d in sorted(dicts, key=lambda d: not is_article(d)):
        for key in ("headline", "datePublished", "publisher", "author"):
            if key not in found and d.get(key):
                found[key] = d[key]
    return found


def _semantic_main(root: Any) -> Any | None:
    articles = list(root.iter("article"))[:50]
    if articles:
        return max(articles, key=lambda a: len(a.text_content()))
    main = next(root.iter("main"), None)
    if main is not None:
        return main
    return next((el for el in root.iter() if (el.get("role") or "").lower() == "main"), None)


def _strip_clutter(root: Any, main: Any | None) -> Any:
    """Remove scripts, menus and the like; return the element holding the release.

    An element that holds the chosen main content, or most of the page's paragraph text, is
    never removed: some sites wrap the whole page in ``<form>`` or give the layout wrapper a
    class like ``with-sidebar``.
    """
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    for el in elements:
        if el.tag in _NEVER_CONTENT and el.getparent() is not None:
            el.drop_tree()
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    text_len = _block_text_lengths(elements)
    total = text_len.get(root, 0)
    protected: set[Any] = {root}
    if main is not None:
        protected.update(main.iterancestors())
        protected.add(main)
    for el in elements:
        if el in protected or el.tag in {"body", "main", "article"}:
            continue
        if total and text_len.get(el, 0) > 0.5 * total:
            continue
        if _is_clutter(el) and el.getparent() is not None:
            el.drop_tree()
    if main is not None and len(main.text_content()) >= 0.3 * len(root.text_content()):
        return main
    return _densest(root)


def _block_text_lengths(elements: list[Any]) -> dict[Any, int]:
    """Paragraph-like text per subtree, summed bottom-up in one pass (linear, no recursion)."""
    own: dict[Any, int] = {}
    for el in elements:
        if el.tag == "p":
            own[el] = len(el.text_content().strip())
        elif el.tag in {"div", "td", "section", "blockquote"}:
            direct = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
            own[el] = direct if direct >= 80 else 0
    total = dict(own)
    for el in reversed(elements):
        parent = el.getparent()
        if parent is not None and total.get(el):
            total[parent] = total.get(parent, 0) + total[el]
    return total


def _densest(root: Any) -> Any:
    """The element whose children carry the most paragraph text (readability's idea)."""
    score: dict[Any, float] = {}
    for el in root.iter("p", "div", "td", "section", "blockquote"):
        if el.tag == "p":
            n = len(el.text_content().strip())
        else:
            n = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
            if n < 80:
                continue
        parent = el.getparent() if el.tag == "p" else el
        if parent is None or n == 0:
            continue
        score[parent] = score.get(parent, 0) + n
        grand = parent.getparent()
        if grand is not None:
            score[grand] = score.get(grand, 0) + n / 2
    if score:
        return max(score, key=lambda e: score[e])
    body = root.find("body")
    return body if body is not None else root


def _render_blocks(main: Any, *, skip: Any | None) -> list[str]:
    """Block elements become paragraphs, inline ones flow together, like a browser shows them."""
    from lxml import etree

    paras: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            p = _collapse("".join(buf))
            if p:
                paras.append(p)
            buf.clear()

    walker = etree.iterwalk(main, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                flush()
            elif tag in {"td", "th"}:
                buf.append(" ")
            if el is skip or tag in _NEVER_CONTENT:
                walker.skip_subtree()
                continue
            if el.text and tag:
                buf.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
            if el is not main and el.tail:
                buf.append(el.tail)
    flush()
    return paras


class _FlatHTML:
    """Streaming text extraction for pages too deeply nested for a tree: no recursion, no depth.

    A parser target for lxml: libxml2 reads the page as a stream of balanced start and end
    events and builds no tree, so depth costs nothing. (The standard library's ``HTMLParser``
    was used before; on the Python we run (3.11.7) it takes quadratic time over unclosed tags
    like ``<a <a <a``: 5 s for 24 KB of them, many minutes for a few hundred KB.)
    """

    def __init__(self) -> None:
        self.stack: list[bool] = []
        self.skipping = 0
        self.paras: list[str] = []
        self.buf: list[str] = []

    def _flush(self) -> None:
        p = _collapse("".join(self.buf))
        if p:
            self.paras.append(p)
        self.buf.clear()

    def start(self, tag: str, attrib: Any) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
        skip = tag in _NEVER_CONTENT or tag == "h1" or tag in _CLUTTER_TAGS
        if attrib and not skip:
            skip = _is_clutter(_AttrView(tag, dict(attrib)))
        self.stack.append(skip)
        self.skipping += skip

    def end(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
        if self.stack:
            self.skipping -= self.stack.pop()

    def data(self, data: str) -> None:
        if not self.skipping:
            self.buf.append(data)

    def close(self) -> list[str]:
        self._flush()
        return self.paras


class _AttrView:
    """Just enough of an lxml element (``tag``, ``get``) for ``_is_clutter`` to read."""

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrs.get(key, default)


def _flat_html_paragraphs(text: str) -> list[str]:
    from lxml import etree

    parser = etree.HTMLParser(target=_FlatHTML(), huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        paras: list[str] = etree.fromstring(text, parser)
    except (etree.LxmlError, ValueError):
        return []
    return paras


def _pick_title(og: str | None, headline: Any, h1: str, title_tag: str, site_name: str | None) -> str | None:
    """og:title, JSON-LD headline, the h1, then <title>, minus a " | Site name" tail."""
    chosen = next((_collapse(str(t)) for t in (og, headline, h1, title_tag) if t and _collapse(str(t))), None)
    if not chosen:
        return None
    parts = [p.strip() for p in re.split(r"\s+[|–—:·•-]\s+", chosen) if p.strip()]
    if len(parts) > 1:
        if h1 and any(_norm(p) == _norm(h1) for p in parts):
            return h1
        if site_name and _norm(parts[-1]) == _norm(site_name):
            return chosen[: chosen.rfind(parts[-1])].rstrip(" |–—:·•-")
    return chosen


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

# Bracket classes exclude their own opener so a failed match stops at the next one: linear time
# even on adversarial input like "[[[[" or "<a<a<a" repeated a million times.
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^()\n]{0,2000}\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)")
_MD_REFLINK = re.compile(r"\[([^\[\]\n]{1,500})\]\[[^\[\]\n]{0,200}\]")
_MD_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]{1,2000})>")
_MD_CODE = re.compile(r"`([^`\n]{1,1000})`")
# Strong emphasis stops at the next opener of its kind, so each stretch of text is scanned once;
# a bare "[^\n]{0,1000}?" scanned 1000 characters from every "**" (5 s per MB of "**a ").
_MD_STRONG_STAR = re.compile(r"\*\*(?=\S)((?:[^*\n]|\*(?!\*)){0,1000}?\S)\*\*")
_MD_STRONG_UNDER = re.compile(r"__(?=\S)((?:[^_\n]|_(?!_)){0,1000}?\S)__")
_MD_EM_STAR = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]{0,1000}?\S)\*(?![*\w])")
_MD_EM_UNDER = re.compile(r"(?<![_\w])_(?=\S)([^_\n]{0,1000}?\S)_(?![_\w])")
_MD_STRIKE = re.compile(r"~~(?=\S)([^~\n]{0,1000}?\S)~~")
_MD_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,500}>")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*)$")  # closing #s: _heading_text
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

_FM_FIELDS = {
    "title": ("title", "headline"),
    "date": ("date", "published_at", "published", "pubdate", "datetime", "publish_date"),
    "url": ("url", "link", "permalink", "canonical_url", "canonical"),
    "source": ("source", "organisation", "organization", "publisher", "outlet"),
    "author": ("author", "authors", "byline"),
    "corrects": ("corrects", "replaces", "supersedes", "corrected_release"),
}


def _md_inline(s: str) -> str:
    s = _MD_IMAGE.sub("", s)
    s = _MD_LINK.sub(r"\1", s)
    s = _MD_REFLINK.sub(r"\1", s)
    s = _MD_AUTOLINK.sub(r"\1", s)
    s = _MD_CODE.sub(r"\1", s)
    s = _MD_STRONG_STAR.sub(r"\1", s)
    s = _MD_STRONG_UNDER.sub(r"\1", s)
    s = _MD_EM_STAR.sub(r"\1", s)
    s = _MD_EM_UNDER.sub(r"\1", s)
    s = _MD_STRIKE.sub(r"\1", s)
    s = _MD_TAG.sub(" ", s)
    s = _MD_ESCAPE.sub(r"\1", s)
    return _collapse(s)


# Real front matter is a few lines; YAML is parsed in pure Python, about 1 MB/s.
_MAX_FRONT_MATTER = 100_000


@functools.cache
def _yaml_loader() -> type:
    """PyYAML's SafeLoader, refusing aliases: ``*a`` repeats a node without copying it, so ten
    nested lists of ten aliases are 10**9 values to anything that walks them (a "billion
    laughs" front matter of 1 KB took over two minutes). Front matter has no use for them."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"aliases (*{event.anchor}) are not allowed", event.start_mark
                )
            return super().compose_node(parent, index)

    return NoAliasLoader


def _heading_text(s: str) -> str:
    """An ATX heading's text without its optional closing #s (in Python: the regex was quadratic)."""
    s = s.rstrip()
    bare = s.rstrip("#")
    if bare != s and bare and bare[-1].isspace():
        return bare.rstrip()
    return s


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    start = re.match(r"---[ \t]*\n", text)
    if not start:
        return {}, text
    end = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE).search(text, start.end())
    if not end:
        return {}, text
    block, rest = text[start.end() : end.start()], text[end.end() :]
    if not re.match(r"\s*[\w-]+\s*:", block):
        return {}, text  # a horizontal rule, not front matter
    if len(block) > _MAX_FRONT_MATTER:
        raise _Skip(f"front matter is {_size(len(block.encode()))}, over the {_size(_MAX_FRONT_MATTER)} limit "
                    "(is the '---' line that closes it misplaced?)")
    import yaml

    try:
        data = yaml.load(block, Loader=_yaml_loader())  # a SafeLoader that also refuses aliases
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise _Skip(f"front matter is not valid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(data, dict):
        return {}, text
    return {str(k).lower(): v for k, v in data.items()}, rest


def _markdown_blocks(md: str) -> list[tuple[str, int]]:
    """Markdown -> (plain paragraph, heading level or 0). List items are paragraphs of their own."""
    out: list[tuple[str, int]] = []
    buf: list[str] = []
    code: list[str] | None = None
    fence = ""

    def flush() -> None:
        if buf:
            p = _md_inline(" ".join(buf))
            if p:
                out.append((p, 0))
            buf.clear()

    for line in md.split("\n"):
        if code is not None:
            if line.strip().startswith(fence):
                p = _collapse(" ".join(code))
                if p:
                    out.append((p, 0))
                code = None
            else:
                code.append(line)
            continue
        line = re.sub(r"^(?: {0,3}>\s?)+", "", line)
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if m := _MD_FENCE.match(line):
            flush()
            code, fence = [], m.group(1)
            continue
        if m := _MD_HEADING.match(line):
            flush()
            out.append((_md_inline(_heading_text(m.group(2))), len(m.group(1))))
            continue
        if re.fullmatch(r" {0,3}(=+|-+)\s*", line) and len(buf) == 1:
            heading = _md_inline(buf.pop())
            out.append((heading, 1 if "=" in line else 2))
            continue
        if _MD_RULE.match(line):
            flush()
            continue
        if re.match(r" {0,3}\[[^\]]+\]:\s*\S", line):
            continue  # link reference definition
        if stripped.startswith("|"):
            flush()
            if not re.fullmatch(r"[|:\-\s]+", stripped):
                cells = [_md_inline(c) for c in stripped.strip("|").split("|")]
                out.append((" | ".join(c for c in cells if c), 0))
            continue
        if m := _MD_LIST.match(line):
            flush()
            buf.append(m.group(1))
            continue
        buf.append(stripped)
    flush()
    if code:
        out.append((_collapse(" ".join(code)), 0))
    return [(p, level) for p, level in out if p]


def _release_from_markdown(text: str, *, name: str, id_base: str) -> Release:
    text = _clean_chars(text)
    fm, body = _split_front_matter(text)
    body = _strip_html_comments(body)

    def field(kind: str) -> Any:
        return next((fm[k] for k in _FM_FIELDS[kind] if fm.get(k) not in (None, "")), None)

    blocks = _markdown_blocks(body)
    title = _clean_title(field("title"))
    drop = None
    if title:
        drop = next((i for i, (p, lvl) in enumerate(blocks) if lvl and _norm(p) == _norm(title)), None)
    else:
        drop = next((i for i, (_, lvl) in enumerate(blocks) if lvl == 1), None)
        if drop is None and blocks and blocks[0][1]:
            drop = 0
        if drop is not None:
            title = blocks[drop][0]
    paras = _without_long_runs([p for i, (p, _) in enumerate(blocks) if i != drop])
    if not paras:
        raise _Skip(
            "no text in this Markdown file besides its title" if title else "no text in this Markdown file"
        )
    raw_date = field("date")
    found_date = (
        parse_date(raw_date.isoformat() if isinstance(raw_date, Date) else str(raw_date))
        if raw_date
        else None
    )
    url = _link(field("url"))
    return Release(
        id=url or id_base,
        title=title or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=found_date or find_text_date(paras[:3]),
        source=_known(field("source")),
        url=url,
        author=_known(field("author")),
        path=name,
        corrects=_known(field("corrects")),
    )


def _strip_html_comments(text: str) -> str:
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) != -1:
        end = text.find("-->", start + 4)
        out.append(text[pos:start])
        if end == -1:
            return "".join(out)
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

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
    paras = _without_long_runs(paras)
    if not paras:
        raise _Skip("no text left after removing page clutter")
    title = _clean_title(meta_title)
    if not title or _BAD_PDF_TITLES.match(title) or len(title) > 300:
        title = found_title
    return Release(
        id=id_base,
        title=title or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=find_text_date(lead + paras[:3]),
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
# --------------------------------------------------------------------------------------------

_LIST_KEYS = ("releases", "articles", "items", "data", "documents", "records")
_JSON_FIELDS = {
    "title": ("title", "headline", "name"),
    "body": ("body", "text", "content", "article"),
    "date": ("published_at", "date", "published", "datetime", "pubdate"),
    "url": ("url", "link", "permalink"),
    "source": ("source", "publisher", "outlet", "organisation", "organization"),
    "author": ("author", "byline"),
    "corrects": ("corrects", "replaces", "supersedes"),
}


def _releases_from_json(text: str, *, name: str, id_base: str, lines: bool) -> Iterator[Release | Rejected]:
    if lines:
        yield from _listed(_json_lines(text, name=name, id_base=id_base), name=name, unit="lines")
        return
    try:
        data = json.loads(text)
    except ValueError as e:
        msg = str(getattr(e, "msg", e)).removesuffix(" at")  # "Unterminated string starting at"
        line, col = getattr(e, "lineno", "?"), getattr(e, "colno", "?")
        raise _Skip(f"not valid JSON: {msg} at line {line} column {col}") from None
    if isinstance(data, dict):
        records = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
        if records is None:
            lowered = {str(k).lower() for k in data}
            if not lowered & set(_JSON_FIELDS["body"]):
                raise _Skip(
                    "JSON object holds no records: expected a list of records, a list under one of "
                    f"{', '.join(repr(k) for k in _LIST_KEYS)}, or one record with a "
                    f"{'/'.join(_JSON_FIELDS['body'])} field"
                )
            yield _record_or_rejected(data, rid=id_base, where=name, name=name)
            return
    elif isinstance(data, list):
        records = data
    else:
        raise _Skip("JSON holds a single value, not records")
    if not records:
        raise _Skip("JSON holds no records")
    yield from _listed(
        (
            _record_or_rejected(record, rid=f"{id_base}#{i}", where=f"{name}#{i}", name=name)
            for i, record in enumerate(records)
        ),
        name=name,
        unit="records",
    )


def _json_lines(text: str, *, name: str, id_base: str) -> Iterator[Release | Rejected]:
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name} line {n}"
        try:
            record = json.loads(line)
        except ValueError as e:
            yield Rejected(where, f"not valid JSON: {getattr(e, 'msg', e)} (column {getattr(e, 'colno', '?')})")
            continue
        except RecursionError:
            yield Rejected(where, "not read: the JSON is nested too deeply")
            continue
        yield _record_or_rejected(record, rid=f"{id_base}#{n - 1}", where=where, name=name)


# A file of 10,000 bad records gets a few lines in the report, not 10,000.
MAX_LISTED_REJECTIONS = 20


def _listed(items: Iterator[Release | Rejected], *, name: str, unit: str) -> Iterator[Release | Rejected]:
    """The items in order, with the rejected ones summed up when there are many.

    Rejections are held back until the first release: when none comes and every record failed
    for the same reason, the file gets one line saying so.
    """
    held: list[Rejected] = []
    listed = more = 0
    first_unlisted: Rejected | None = None
    loaded = False

    def listing(batch: list[Rejected]) -> Iterator[Rejected]:
        nonlocal listed, more, first_unlisted
        for r in batch:
            if listed < MAX_LISTED_REJECTIONS:
                listed += 1
                yield r
            else:
                more += 1
                first_unlisted = first_unlisted or r

    for item in items:
        if isinstance(item, Release):
            loaded = True
            yield from listing(held)
            held.clear()
            yield item
        elif loaded:
            yield from listing([item])
        else:
            held.append(item)
    if len(held) > 1 and len({r.reason for r in held}) == 1:
        yield Rejected(name, f"none of its {len(held)} {unit} could be read: {held[0].reason}")
        return
    yield from listing(held)
    if first_unlisted is not None:
        yield Rejected(
            name,
            f"{more} more {unit} were rejected, the first of them {first_unlisted.path}: {first_unlisted.reason}",
        )


def _record_or_rejected(record: Any, *, rid: str, where: str, name: str) -> Release | Rejected:
    """One record, isolated: whatever is wrong with it, the file's other records still load."""
    try:
        return _release_from_record(record, rid=rid, name=name)
    except (_Skip, BadInput) as e:
        return Rejected(where, str(e))
    except RecursionError:
        return Rejected(where, "not read: the record is nested too deeply")
    except Exception as e:  # noqa: BLE001 - one odd record must not lose the rest of the file
        return Rejected(where, f"could not read this record ({type(e).__name__}: {e})")


def _release_from_record(record: Any, *, rid: str, name: str) -> Release:
    if not isinstance(record, dict):
        raise _Skip(f"record is a JSON {type(record).__name__}, not an object")
    fields = {str(k).lower(): v for k, v in reversed(record.items())}

    def get(kind: str) -> Any:
        return next((fields[k] for k in _JSON_FIELDS[kind] if fields.get(k) not in (None, "")), None)

    body = get("body")
    if body is None:
        raise _Skip(f"record has no body text (looked for fields: {', '.join(_JSON_FIELDS['body'])})")
    if isinstance(body, list) and all(isinstance(p, str) for p in body):
        body = "\n\n".join(body)
    if not isinstance(body, str):
        raise _Skip(f"record's body is a JSON {type(body).__name__}, not text")
    if not body.strip():
        raise _Skip("record has an empty body")
    raw_date = get("date")
    if isinstance(raw_date, int | float) and not isinstance(raw_date, bool):
        seconds = raw_date / 1000 if raw_date > 1e11 else raw_date
        try:
            raw_date = datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raw_date = None
    url = _link(get("url"))
    title = get("title")
    release = _make_release(
        body,
        release_id=url or rid,
        title=title if isinstance(title, str) else None,
        date=raw_date if isinstance(raw_date, str) else None,
        url=url,
        source=get("source"),
        author=get("author"),
        path=name,
        light=True,
    )
    corrects = _known(get("corrects"))
    return replace(release, corrects=corrects) if corrects else release
