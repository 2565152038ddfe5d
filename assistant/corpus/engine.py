"""The HTML main-text engine: trafilatura, with our own block reader where trafilatura loses the page.

trafilatura (Apache-2.0) is the best-measured open-source main-text extractor; it is the engine.
Our own reader (``html_blocks``: clutter stripping and the densest block) still wins some pages:
where trafilatura keeps too little (a page of lists, a story split around figures, bare text it does
not see as content) or too much (the next story, a comment thread). ``choose_body`` decides between
the two by rules measured on the extraction dev set, with readability (the port trafilatura ships as its
own fallback) as a third reader where they disagree (benchmarks/extraction.py; figures in
benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
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


# The measured rules (benchmarks/README.md, "HTML main text"). Ours wins when it finds at least 1.5 times
# as much text as trafilatura, unless its text holds a comment thread; or when a third reader, readability
# (trafilatura's own port, its fallback), agrees with ours more than with trafilatura's, unless trafilatura
# read more than 3 times as much (then ours and readability took the same one block of a longer article:
# both look for the densest block, so there their agreement is no evidence). With nothing from trafilatura,
# ours counts from 200 characters or one sentence.
OWN_WINS_RATIO = 1.5
MAX_VOTED_SHRINK = 3.0
MIN_OWN_ALONE = 200
SAME_TEXT = 0.9  # the two readers agree this well: nothing to decide, readability is not run
_COMMENT_LINE = re.compile(
    r"^(?:posted by\b|by [\w .-]{1,40} (?:at|on) \d|.{0,60}\b\d{1,2}:\d\d\s*(?:am|pm)\b|reply\b|report abuse"
    r"|.{0,40}\bwrote:|\d+ (?:comments?|replies)\b|comment by\b)",
    re.IGNORECASE,
)


def _comment_thread(paras: list[str]) -> bool:
    """Reader comments: at least a tenth of the paragraphs are "Posted by", "BY X AT 5:31 PM", "Reply"."""
    return len(paras) >= 4 and sum(bool(_COMMENT_LINE.match(p)) for p in paras) >= 0.1 * len(paras)


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return Counter(tuple(words[i : i + 4]) for i in range(len(words) - 3)) if len(words) > 3 else Counter()


def overlap(a: str, b: str) -> float:
    """How much two texts say the same: F1 of their 4-word shingles (the metric extraction benchmarks use)."""
    sa, sb = _shingles(a), _shingles(b)
    hit = sum((sa & sb).values())
    if not hit:
        return 0.0
    precision, recall = hit / sum(sb.values()), hit / sum(sa.values())
    return 2 * precision * recall / (precision + recall)


def readability_text(html: str) -> str:
    """The main text that readability (trafilatura's port of readability-lxml) finds; "" if it fails."""
    try:
        from lxml import html as lxml_html
        from trafilatura.external import try_readability
    except ImportError:  # an internal of trafilatura: without it the vote is simply not taken
        return ""
    try:
        root = lxml_html.document_fromstring(html, parser=lxml_html.HTMLParser(remove_comments=True))
        return " ".join(try_readability(root).text_content().split())
    except Exception:  # noqa: BLE001 - a third opinion that cannot be had is no opinion
        return ""


def choose_body(engine: list[str] | None, own: list[str], third: Callable[[], str] | None = None) -> list[str]:
    """trafilatura's paragraphs, unless our own reader's are the better body by the measured rules.

    trafilatura keeps too little on some pages (a page made of lists, a story split around figures,
    text outside the markup it expects) and too much on others (the next story, a comment thread);
    ``third`` gives a third reader's text on demand, to settle which of the two is the article.
    Where ours is longer because it took reader comments too, trafilatura's stays.
    """
    own_chars = sum(len(p) for p in own)
    if not engine:  # a short page still counts when it says something ("404 : Page Not Found" does not)
        return own if own_chars >= MIN_OWN_ALONE or any(_is_prose(p) for p in own) else []
    engine_chars = sum(len(p) for p in engine)
    if not own:
        return engine if engine_chars >= MIN_OWN_ALONE or any(_is_prose(p) for p in engine) else []
    if own_chars > OWN_WINS_RATIO * engine_chars and not _comment_thread(own):
        return own
    if third is None or engine_chars > MAX_VOTED_SHRINK * own_chars:
        return engine
    engine_text, own_text = "\n".join(engine), "\n".join(own)
    if overlap(engine_text, own_text) >= SAME_TEXT:
        return engine
    judge = third()
    return own if judge and overlap(judge, own_text) > overlap(judge, engine_text) else engine
