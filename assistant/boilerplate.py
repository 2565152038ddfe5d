"""What a release's body is, and what it is not: the sentences a summary may use.

A cleaned release still carries its dateline, an "About X" section, media contacts,
forward-looking statements and, from scraped pages, bylines, captions and share clutter.
``body_sentences`` steps over the dateline, stops at the trailing boilerplate, drops clutter and
fragments, and marks spokesperson quotes with their speaker, so that nothing but the release
proper reaches a summary or an LLM prompt. Every kept sentence is a verbatim slice of the
release (``Candidate.start``/``end``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.corpus.furniture import CLUTTER as _CLUTTER
from assistant.corpus.furniture import END_SECTION as _END_SECTION
from assistant.corpus.furniture import FORWARD_LOOKING as _FORWARD_LOOKING
from assistant.types import Release

# ---- what a release's body is, and what it is not ---------------------------------------------
_PARA = re.compile(r"\n\s*\n")
_BYLINE = re.compile(r"^\s*by\s+[A-Z.]", re.I)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
_DATELINE_SEP = re.compile(r"\s*(?:--|—|–|\s-\s)\s*")
_OUTLET = re.compile(r"^\s*\((?:[A-Z][A-Za-z.]*\s?){1,3}\)\s*(?:--|—|–)?\s*")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_WIRE = re.compile(r"wire|newswire|\((?:[A-Z]{2,}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\)", re.I)

# ---- quotes ---------------------------------------------------------------------------------
_QUOTE_MARK = re.compile(r"[\"“”„«»]|(?:^|\s)['‘][A-Z]")
_SAID = r"(?:said|says|added|adds|noted|notes|explained|explains|commented|stated|remarked|told)"
_SPEAKER_AFTER = re.compile(
    rf"\b{_SAID}\s+((?:[A-Z][\w.'’-]*\s+){{0,3}}[A-Z][\w'’-]+)((?:,\s*[^,;“”\"]{{3,100}}?)?)\s*[.!?]?\s*$")
_SPEAKER_BEFORE = re.compile(
    rf"[”\"]?\s*((?:[A-Z][\w.'’-]*\s+){{0,3}}[A-Z][\w'’-]+)(,\s*[^,;“”\"]{{3,100}}?,)?\s+{_SAID}\b")
_ACCORDING_TO = re.compile(r"\baccording to\s+((?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w'’-]+)((?:,\s*[^,;“”\"]{3,100}?)?)"
                           r"\s*[.!?]?\s*$")
ATTRIBUTION = re.compile(rf"\b{_SAID}\b|\baccording to\b", re.I)


@dataclass
class Candidate:
    """A sentence of a release that may go into a summary."""

    source: int  # citation number of its release
    release: Release
    start: int
    end: int
    para: int  # paragraph number within the release
    index: int  # position among the release's body sentences (0 = lede)
    quote: bool = False
    attributed: bool = False
    attribution: str | None = None
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.release.text[self.start:self.end].split())

    @property
    def words(self) -> int:
        return len(self.text.split())


def dateline_end(text: str) -> int:
    """Offset just past a leading dateline ("CITY, Region, June 1, 2024 /Wire/ --"), else 0."""
    head = text[:240]
    for sep in reversed(list(_DATELINE_SEP.finditer(head))):
        prefix = head[:sep.start()]
        lower_words = sum(1 for w in prefix.split() if w[:1].islower())
        if len(prefix) <= 160 and lower_words <= 1 and (
            _YEAR.search(prefix) or _WIRE.search(prefix) or re.match(r"^\s*[A-Z][A-Z.'’ -]{2,}", prefix)
        ):
            return sep.end()
    m = _OUTLET.match(head)
    return m.end() if m else 0


def is_clutter(sentence: str) -> bool:
    """Site furniture, contact details, bylines, captions and fragments: never summary material."""
    s = sentence.strip()
    words = s.split()
    if len(words) < 5 or len(words) > 90 or s[:1].islower():
        return True
    if _CLUTTER.search(s) or (_BYLINE.match(s) and len(words) < 14):
        return True
    return not _SENTENCE_END.search(s)


def _speaker(sentence: str) -> str | None:
    tail = re.sub(r"^.*[”\"’']\s*,?", "", sentence) if _QUOTE_MARK.search(sentence) else sentence
    m = _SPEAKER_AFTER.search(tail) or _SPEAKER_AFTER.search(sentence)
    if m:
        return (m.group(1) + (m.group(2) or "")).strip(" ,.")
    m = _SPEAKER_BEFORE.search(sentence)
    if m and m.group(1).split()[0] not in {"The", "This", "It", "He", "She", "They", "We"}:
        return (m.group(1) + (m.group(2) or "")).strip(" ,.")
    m = _ACCORDING_TO.search(tail)
    return (m.group(1) + (m.group(2) or "")).strip(" ,.") if m else None


def body_sentences(release: Release, source: int = 1) -> list[Candidate]:
    """The sentences of a release's body, boilerplate and clutter left out, in reading order."""
    from assistant.chunking import sentence_spans

    text = release.text
    paras: list[tuple[int, int]] = []
    pos = 0
    for m in _PARA.finditer(text + "\n\n"):
        chunk = text[pos:m.start()]
        if chunk.strip():
            # a line break inside a sentence (scraped pages, PDFs): the paragraph goes on
            if paras and not _SENTENCE_END.search(text[paras[-1][0]:paras[-1][1]]) and chunk.lstrip()[:1].islower():
                paras[-1] = (paras[-1][0], m.start())
            else:
                paras.append((pos, m.start()))
        pos = m.end()
    out: list[Candidate] = []
    started = False
    for p, (ps, pe) in enumerate(paras):
        para = text[ps:pe].strip()
        if started and _END_SECTION.match(para):
            break
        if _FORWARD_LOOKING.search(para):
            continue
        spans = sentence_spans(_PARA.sub(lambda m: " " * len(m.group(0)), text[ps:pe]))
        para_cands: list[Candidate] = []
        for s, e in spans:
            s, e = ps + s, ps + e
            if not out and not para_cands:
                s += dateline_end(text[s:e])
            sentence = text[s:e]
            if is_clutter(sentence):
                continue
            para_cands.append(Candidate(source, release, s, e, p, 0))
        if para_cands:
            started = True
        speaker = None
        for c in para_cands:
            c.quote = bool(_QUOTE_MARK.search(c.text))
            named = _speaker(c.text) if c.quote and ATTRIBUTION.search(c.text) else None
            c.attributed = named is not None  # "the meters told us" is a verb, not an attribution
            speaker = speaker or named
        for c in para_cands:
            if c.quote and not c.attributed and speaker:
                c.attribution = speaker
            c.index = len(out)
            out.append(c)
    return out
