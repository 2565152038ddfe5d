"""Press-release furniture, removed in every format.

A release as published carries parts that are not the news: media-contact blocks, the "About
<company>" boilerplate, forward-looking-statement disclaimers, "Further information" and "Related"
link lists, tag and share lines, wire trailers ("SOURCE Acme", "View source version on ...", link
trails of syndication "Pickup" sites) and notices such as "Not an official record". They repeat
across every release of an organisation, so left in they crowd out the release's own facts in
search and in summaries. Headings and link lists are found from their words, not from HTML, so
HTML, PDF, Markdown, JSON and plain text all get the same treatment. (Headlines: ``titles``.)

This module owns the furniture patterns: ``assistant.boilerplate`` reads stored releases with
``END_SECTION``, ``FORWARD_LOOKING`` and ``CLUTTER`` from here, so that ingest and summaries agree on
what is not news.
"""

from __future__ import annotations

import re

# One line that is furniture wherever it stands.
_FURNITURE_LINE = re.compile(
    r"^(?:view (?:the )?(?:source|original) version (?:of this (?:press )?release )?on\b"
    r"|source:?\s+\S.{0,80}$"  # PR Newswire's "SOURCE Acme Corp" trailer (length checked below)
    r"|(?:for information media\.?\s*)?not an official (?:document|record)\b"
    r"|tags?\s*:|topics?\s*:|keywords?\s*:|hashtags?\s*:|categor(?:y|ies)\s*:"
    r"|share (?:this|on|via|article|page|story)\b"
    r"|\(?delayed in transmission\)?$"
    r"|the issuer is solely responsible for the content of this announcement"
    r"|(?:\d+\s*[-–]\s*)?\d+\s+min(?:ute)?s?(?:\s+read)?(?:\s*[-–|]\s*source:.*)?$"
    r"|photo(?:graph)?s?\s*(?:credit)?\s*:|image\s*(?:credit)?\s*:|credit\s*:|caption\s*:"
    r"|(?:\w+\s*){0,3}[-–:]\s*https?://\S+$"  # "Pickup - https://...": a syndication link trail
    r"|https?://\S+$)",
    re.IGNORECASE,
)
# A heading that starts a block of links or contact lines: the block ends at the next heading that is
# not furniture or at the first sentence (a "Related News" box in the middle of a story ends there).
_LIST_HEADING = re.compile(
    r"^(?:(?:media|press|investor|news)(?: relations)?(?: and \w+)? (?:contacts?|enquiries|inquiries|desk|officers?)"
    r"|contacts?|contact information|for (?:further|more) information(?:,? (?:please )?contact)?.*"
    r"|further information|more information|see also|read more|(?:related|explore|more from|also on)(?:\s+\S+){0,3})$",
    re.IGNORECASE,
)
# A heading that starts a block of boilerplate prose: the block runs to the next heading.
_PROSE_HEADING = re.compile(
    r"^(?:forward[- ]looking statements?.*|safe harbou?r(?: statement)?.*|cautionary (?:note|statement).*"
    r"|disclaimer|legal notice|notes? (?:to|for) (?:the )?editors?:?\s*about\b.*)$",
    re.IGNORECASE,
)
_ABOUT = re.compile(r"^about\s+\S", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-•·▪●◦*+]|\d{1,3}[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def _is_furniture_line(p: str) -> bool:
    if len(p) > 300 or not _FURNITURE_LINE.match(p):
        return False
    low = p.lower()
    if low.startswith("source") and (len(p.split()) > 8 or _SENTENCE_END.search(p)):
        return False  # "Source: the ministry's figures show ..." is a sentence, not a wire trailer
    return True


def _is_heading(p: str) -> bool:
    """A short line that reads as a heading: few words, no full stop, not a list item."""
    words = p.split()
    return 1 <= len(words) <= 12 and not _SENTENCE_END.search(p.rstrip(":")) and not _LIST_ITEM.match(p)


def _starts_block(p: str, i: int, before: float) -> str | None:
    """"list" or "prose" when paragraph ``i`` opens a furniture block of that kind, else None;
    ``before`` is the share of the text above it."""
    text = p.strip().rstrip(":").strip()
    kind = "list" if _LIST_HEADING.match(text) else "prose" if _PROSE_HEADING.match(text) else None
    # "About Acme" closes a release; "About the programme" in its first half is the news.
    if kind is None and _ABOUT.match(text) and len(text.split()) <= 8 and before >= 0.5:
        kind = "prose"
    return kind if kind and i > 0 and _is_heading(text) else None


# Furniture glued to the end of a paragraph (wire archives lose the line breaks before it).
_TRAILING = re.compile(
    r"\s*(?:hashtags?\s*:\s*#.*|the issuer is solely responsible for the content of this announcement\.?"
    r"|view (?:the )?source version on [\w.-]+\s*:?\s*(?:https?://\S+)?)\s*$",
    re.IGNORECASE,
)


def drop_furniture(paras: list[str]) -> list[str]:
    """The paragraphs without release furniture: furniture lines anywhere, and furniture blocks
    (a furniture heading and what follows it, up to the next heading that is not furniture).

    Never returns nothing: when every paragraph looks like furniture, they are all kept, because
    a release that is only a contact block is better stored than lost.
    """
    kept: list[str] = []
    total = sum(len(p) for p in paras) or 1
    above = 0
    skipping: str | None = None
    for i, p in enumerate(paras):
        above += len(p)
        if block := _starts_block(p, i, (above - len(p)) / total):
            skipping = block
            continue
        if skipping:
            # A contact list's short lines (a name, "Media Relations") do not end it; in boilerplate prose
            # ("Disclaimer", "About Acme") any heading but a contact line does, so a page menu's
            # "Privacy policy" ends a "Disclaimer" there instead of running over the article below.
            contact = _is_contactish(p) if skipping == "list" else bool(_CONTACTISH.search(p))
            heading = _is_heading(p) and not _is_furniture_line(p) and not _LIST_ITEM.match(p) and not contact
            sentence = skipping == "list" and len(p.split()) > 12 and bool(_SENTENCE_END.search(p))
            if heading or sentence:
                skipping = None
            else:
                continue
        if _is_furniture_line(p):
            continue
        p = _TRAILING.sub("", p) if len(p) > 40 else p
        if p:
            kept.append(p)
    return kept or paras


_CONTACTISH = re.compile(
    r"@|\+?\d[\d ().-]{6,}\d|\b(?:tel|phone|fax|e-?mail|mobile)\b|https?://|www\.", re.IGNORECASE
)


def _is_contactish(p: str) -> bool:
    """A line of a contact block: a name, a phone number, an address line (short, no sentence)."""
    return bool(_CONTACTISH.search(p)) or (len(p.split()) <= 5 and not _SENTENCE_END.search(p))


# --------------------------------------------------------------------------------------------
# The same furniture as the summaries and answers see it, in a stored release's text
# --------------------------------------------------------------------------------------------

# Paragraphs that open the trailing boilerplate of a release: from here on nothing is body text (summaries
# and answers stop reading there; ``assistant.boilerplate``).
END_SECTION = re.compile(
    r"^(?:about\s+(?!\d)[^\n.!?]{2,80}(?:\n|:|$)|(?:media|press|news|investor)\s+(?:contacts?|inquiries|enquiries|"
    r"relations)\b|contacts?\s*(?::|$)|for\s+(?:more|further|additional)\s+information\b|for\s+media\s+inquiries\b|"
    r"notes?\s+to\s+editors?\b|editor'?s\s+notes?\b|(?:forward[- ]looking|cautionary)\s+(?:statements?|information|"
    r"notes?)\b|safe\s+harbou?r\b|disclaimer\b|#{3}\s*$|-\s*30\s*-\s*$|-?\s*ends?\s*-?\s*$|source:\s)",
    re.I,
)
# Words of a forward-looking-statements disclaimer wherever it stands.
FORWARD_LOOKING = re.compile(r"forward[- ]looking statements?|safe harbou?r|undue reliance", re.I)
# A sentence that is page or release clutter, not news: contact details, links, copyright, calls to action,
# published/updated stamps, caption and share labels (summaries and answers never quote one).
CLUTTER = re.compile(
    r"\S@\S+\.\w|https?://|\bwww\.\S|\(\d{3}\)\s*\d{3}[-. ]\d{4}|\b\d{3}[-. ]\d{3}[-. ]\d{4}\b|\b555-\d{4}\b|"
    r"all rights reserved|©|\bcopyright\s+(?:\(c\)\s*)?\d{4}|click here|scroll down|read more\b|follow us\b|"
    r"sign up (?:for|to)\b|subscribe (?:to|now)\b|\bpublished:|\bupdated:|last (?:updated|modified)\b|"
    r"^\s*(?:photo|image|video|caption|credit|file photo|watch|listen|related|share|tags?)\b\s*[:|-]",
    re.I,
)
