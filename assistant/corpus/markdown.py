"""Markdown (with YAML front matter) -> ``Release``."""

from __future__ import annotations

import functools
import re
from datetime import date as Date
from typing import Any

from ..types import Release
from .cleanup import _norm
from .dates import find_text_date, parse_date, stated_in_text
from .decode import _clean_chars, _collapse, _Skip
from .furniture import drop_furniture
from .release import _clean_title, _known, _link, _size, _title_from_paragraphs, _without_long_runs
from .titles import tidy_title

_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^()\n]{0,2000}\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)")
_MD_REFLINK = re.compile(r"\[([^\[\]\n]{1,500})\]\[[^\[\]\n]{0,200}\]")
# A paragraph that is nothing but links ("[Original/Source Press Release](...)", "Pickup - [site](...)")
# is a link trail or a "read more" line, not release text (the first block is kept: it may be a title).
_LINK_ONLY = re.compile(r"(?:\s*(?:[\w/ .-]{0,40}\s[-–:]\s*)?!?\[[^\[\]\n]{0,500}\]\([^()\n]{0,2000}\)\s*)+")
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
            raw = " ".join(buf)
            p = _md_inline(raw)
            if p and not (out and _LINK_ONLY.fullmatch(raw)):
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
    paras = _without_long_runs(drop_furniture([p for i, (p, _) in enumerate(blocks) if i != drop]))
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
    text_date = None if found_date else find_text_date(paras[:3])
    return Release(
        id=url or id_base,
        title=tidy_title(title, site_name=_known(field("source")), url=url) or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=found_date or text_date,
        date_inferred=bool(text_date) and not stated_in_text(paras[:3], text_date or ""),
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
