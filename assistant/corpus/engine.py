"""The HTML main-text engine: trafilatura, with our own block reader where trafilatura loses the page.

trafilatura (Apache-2.0) is the best-measured open-source main-text extractor; it is the engine.
Our own reader (``html_blocks``: clutter stripping and the densest block) still wins some pages,
mostly where trafilatura keeps too little (a page of lists, a story split around figures, bare
text it does not see as content). ``choose_body`` decides between the two by rules measured on the
extraction dev set (benchmarks/extraction.py; figures in benchmarks/README.md).
"""

from __future__ import annotations

import re
from typing import Any

from .cleanup import _is_prose

_LIST_MARK = re.compile(r"^\s*[-*•]\s+")
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")


def _engine_paragraphs(root: Any) -> list[str] | None:
    """trafilatura's main text of the parsed page, one paragraph per block; None when it found none.

    ``root`` is consumed (trafilatura cleans the tree in place): pass a copy. List items lose
    their "- " marker and table rows their outer bars, as the other readers write them.
    """
    try:
        import trafilatura
    except ImportError:  # the HTML engine is a dependency; without it our own reader still works
        return None
    try:
        text = trafilatura.extract(root, include_comments=False, include_tables=True, deduplicate=False)
    except Exception:  # noqa: BLE001 - a page trafilatura cannot handle falls back to our own reader
        return None
    if not text:
        return None
    paras: list[str] = []
    for line in _rejoined(text.split("\n")):
        line = _LIST_MARK.sub("", line)
        if m := _TABLE_ROW.match(line.strip()):
            line = " | ".join(c.strip() for c in m.group(1).split("|") if c.strip())
        line = " ".join(line.split())
        if line:
            paras.append(line)
    return paras or None


def _rejoined(lines: list[str]) -> list[str]:
    """trafilatura keeps the source's line breaks inside some elements (a <blockquote> written over
    two lines comes out as two lines): a line that stops mid-sentence before a lower-case word
    continues on the next one."""
    out: list[str] = []
    for line in lines:
        if out and out[-1] and line.lstrip()[:1].islower() and not re.search(r"[.!?:;…\"”']\s*$", out[-1]) \
                and not _LIST_MARK.match(line) and not _LIST_MARK.match(out[-1]):
            out[-1] = out[-1].rstrip() + " " + line.lstrip()
        else:
            out.append(line)
    return out


# The measured rule (benchmarks/README.md, "HTML main text"): our reader wins when it finds at
# least 1.5 times as much text as trafilatura, unless its text holds a comment thread; with nothing
# from trafilatura, ours counts from 200 characters or one sentence.
OWN_WINS_RATIO = 1.5
MIN_OWN_ALONE = 200
_COMMENT_LINE = re.compile(
    r"^(?:posted by\b|by [\w .-]{1,40} (?:at|on) \d|.{0,60}\b\d{1,2}:\d\d\s*(?:am|pm)\b|reply\b|report abuse"
    r"|.{0,40}\bwrote:|\d+ (?:comments?|replies)\b|comment by\b)",
    re.IGNORECASE,
)


def _comment_thread(paras: list[str]) -> bool:
    """Reader comments: at least a tenth of the paragraphs are "Posted by", "BY X AT 5:31 PM", "Reply"."""
    return len(paras) >= 4 and sum(bool(_COMMENT_LINE.match(p)) for p in paras) >= 0.1 * len(paras)


def choose_body(engine: list[str] | None, own: list[str]) -> list[str]:
    """trafilatura's paragraphs, unless our own reader's are the better body by the measured rule.

    trafilatura keeps too little on some pages (a page made of lists, a story split around
    figures, text outside the markup it expects); there our reader's much longer text is the
    article. Where ours is longer because it took reader comments too, trafilatura's stays.
    """
    own_chars = sum(len(p) for p in own)
    if not engine:  # a short page still counts when it says something ("404 : Page Not Found" does not)
        return own if own_chars >= MIN_OWN_ALONE or any(_is_prose(p) for p in own) else []
    engine_chars = sum(len(p) for p in engine)
    if not own:
        return engine if engine_chars >= MIN_OWN_ALONE or any(_is_prose(p) for p in engine) else []
    if own_chars > OWN_WINS_RATIO * engine_chars and not _comment_thread(own):
        return own
    return engine
