"""Page clean-up shared by plain text, browser-saved pages, PDF and (without trimming) HTML:
site furniture out, the release in, and the headline among the lines above the body."""

from __future__ import annotations

import re

from .dates import _first_date
from .decode import _WS, _collapse
from .titles import is_title_candidate


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
    menu = "@" not in s and len(pieces) >= 3 and all(len(p.split()) <= 4 for p in pieces)
    # "Daily News 26 / 07 / 2024" is a dateline, not a menu
    return menu and not (len(re.findall(r"[A-Za-z]{3,}", s)) <= 3 and _first_date(s))


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
    if not is_title_candidate(s):
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 3 or letters < 0.5 * len(s.replace(" ", "")):
        return False
    date_found = _first_date(s)
    return not (date_found and len(re.findall(r"[A-Za-z]{3,}", s)) <= 3)


def _is_headline_sentence(s: str) -> bool:
    """A short, one-sentence line in Title Case: most of its longer words capitalised."""
    words = s.split()
    if not 4 <= len(words) <= 25 or s.count(". ") or not is_title_candidate(s):
        return False
    long_words = [w for w in words if sum(c.isalpha() for c in w) >= 4]
    return len(long_words) >= 4 and sum(w[0].isupper() for w in long_words) >= 0.8 * len(long_words)


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
            units.extend(_Unit(x, bi) for x in rewrap(lines))
    return units


def rewrap(lines: list[str]) -> list[str]:
    """Hard-wrapped lines (stock-exchange announcements, PDF text, e-mailed releases) rejoined
    into paragraphs; lines that are not wrapped prose (menus, lists, stat boxes) stay one each.

    A wrapped paragraph's lines fill the measure; a paragraph ends at a line much shorter than
    the measure, at a sentence end followed by a capital on a line that did not fill it, or at a
    sentence end followed by a short line that is no sentence (a heading such as "Media contact").
    """
    lengths = sorted(len(x) for x in lines)
    full = lengths[int(0.9 * (len(lengths) - 1))]
    if len(lines) < 3 or not 50 <= full <= 120:
        return lines
    out: list[str] = []
    para: list[str] = []
    for ln in lines:
        if para:
            prev = para[-1]
            short = len(prev) < 0.7 * full
            sentence_break = _SENTENCE_END.search(prev) and ln[:1].isupper() and len(prev) < 0.9 * full
            heading_next = _SENTENCE_END.search(prev) and len(ln) < 0.7 * full and not _SENTENCE_END.search(ln)
            if short or sentence_break or heading_next or _BULLET.match(ln):
                out.append(" ".join(para))
                para = []
        para.append(ln)
    if para:
        out.append(" ".join(para))
    return out


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
    if len(prose) > 1 and _is_headline_sentence(kept[first].text):
        # A headline that ends with a full stop ("Agency Seeks Members for Its Advisory Committee.") is the
        # title, not the first paragraph of the body.
        title, lead, first = kept[first].text.rstrip("."), [*lead, kept[first].text], first + 1
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
