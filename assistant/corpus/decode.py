"""Bytes -> text: BOMs, declared charsets, UTF-16 sniffing and binary detection, plus the character
clean-up every reader shares. ``Skip`` (a file that cannot become a release, with the reason) lives
here because decoding is where the first such reasons arise and every reader imports this module."""

from __future__ import annotations

import codecs
import re
import unicodedata


class _Skip(Exception):
    """Internal: this input cannot become a release; ``str(self)`` is the reason for the user."""


def _printable(s: str) -> str:
    """``s`` without control and format characters (whitespace ones become a space)."""
    if s.isprintable():
        return s
    return "".join(
        c if not unicodedata.category(c).startswith("C") else " " if c.isspace() else "" for c in s
    )


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
    # Binary, as git tells it: a NUL near the start (or many control bytes). A few stray NULs further
    # on are a broken page, not a binary file (some real news pages carry them); they are dropped.
    if b"\x00" in sample or data.count(b"\x00") > 0.01 * len(data) \
            or sum(b in _CONTROL_BYTES for b in sample) > 0.05 * len(sample):
        raise _Skip("binary file, not text")
    if html:
        m = _DECLARED_CHARSET.search(data[:4096])
        if m:
            label = (m.group(1) or m.group(2)).decode("ascii").lower()
            label = _CHARSET_ALIASES.get(label, label)
            codec = _declared_codec(label)
            if codec != "utf-8" and not _is_utf8_text(data):
                for attempt in (codec, "latin-1") if codec == "cp1252" else (codec,):
                    try:
                        return data.decode(attempt)
                    except UnicodeError:
                        continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _Skip(f"not valid UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None


def _is_utf8_text(data: bytes) -> bool:
    """Bytes with non-ASCII characters that are all valid UTF-8: UTF-8, whatever the page declares.

    Pages re-saved or served as UTF-8 often keep an old ``<meta charset=iso-8859-1>``; honouring it
    turns every curly quote into "â€™". Legacy text is almost never valid UTF-8 by chance (it would
    need byte pairs like "Ã©" throughout), so validity settles it, as encoding detectors do.
    """
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
