"""Query understanding for press questions, without an LLM.

Turns a question into a ``QueryPlan``: which of the index's known sources (outlets or
organisations) it names, which publication dates or periods it points at ("on October 26,
2023", "in 2022", "before October 2023", "latest", "last quarter"), and, for a follow-up
("and when did it start?"), the earlier turn it leans on. Retrieval uses the plan as boosts
and sub-queries, never as silent hard filters, because "in 2022" may be the date of an event
rather than of the release that reports it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.dates import MONTH_PATTERN
from assistant.dates import MONTHS as _MONTHS

_MON = rf"({MONTH_PATTERN})\.?"
_FULL_DATE = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b|\b(\d{{1,2}})\s+{_MON}\s+(\d{{4}})\b|"
                        r"\b(\d{4})-(\d{2})-(\d{2})\b", re.I)
_MONTH_YEAR = re.compile(rf"\b{_MON}\s+(\d{{4}})\b", re.I)
_YEAR = re.compile(
    r"\b(?:in|during|for|of|since|from|before|after|until|by)\s+(?:the\s+)?(?:year\s+)?((?:19|20)\d{2})\b", re.I)
_LATEST = re.compile(r"\b(?:latest|most recent|newest|recently|last (?:release|announcement|update))\b", re.I)
_LAST_PERIOD = re.compile(r"\blast (quarter|month|year)\b", re.I)
_FOLLOW_UP = re.compile(r"^\s*(?:and|but|also|so|what about|how about|then)\b|\b(?:it|they|them|this|that|these|"
                        r"those|he|she|his|her|its|their)\b", re.I)
_CONTENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&.-]*")


@dataclass(frozen=True)
class DateRange:
    start: int  # yyyymmdd inclusive
    end: int

    def contains(self, value: int) -> bool:
        return bool(value) and self.start <= value <= self.end


@dataclass(frozen=True)
class Part:
    """One clause of a question that asks about one piece of evidence, and the source it names."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryPlan:
    text: str  # what to search for (the question, with the context of a follow-up added)
    sources: tuple[str, ...] = ()  # known sources the question names, as stored
    dates: tuple[DateRange, ...] = ()  # publication dates or periods it points at
    recent: bool = False  # "latest", "most recent": prefer newer releases
    parts: tuple[Part, ...] = ()  # clauses about different pieces of evidence, when there are several
    notes: dict[str, str] = field(default_factory=dict)


def _norm(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def source_aliases(source: str) -> set[str]:
    """Ways a question may name a source: 'The Courier' -> 'the courier', 'courier'; 'Ledger | World …' -> 'ledger'."""
    names = {source, source.split("|")[0], source.split(" - ")[0]}
    out = set()
    for name in names:
        n = _norm(name).strip()
        if n.startswith("the "):
            out.add(n[4:])
        out.add(n)
    return {a for a in out if len(a) >= 3}


def find_sources(question: str, known: Iterable[str]) -> tuple[str, ...]:
    q = _norm(question)
    hits = []
    for source in known:
        if source and any(f" {alias} " in q for alias in source_aliases(source)):
            hits.append(source)
    # "The Courier" also matches a source called "Courier Weekly"? keep only the longest overlapping names
    return tuple(s for s in hits if not any(s != o and _norm(s) in _norm(o) for o in hits))


_NAME = r"(?:The\s+)?[A-Z][\w&.'’-]*(?:\s+(?:of\s+|&\s+|-\s+)?[A-Z][\w&.'’-]*)*"
_PIECE = r"(?:article|report|piece|story|stories|post|analysis|review|column|op-ed|interview)s?"
_CALENDAR = re.compile(rf"^(?:{MONTH_PATTERN}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", re.I)
# the outlet a question says its facts come from: "a Harbour Times article", "a report from The Daily Ledger",
# "as reported by The Courier"
_OUTLET = re.compile(rf"\b(?:an?|the|one|another|separate|recent|latest)\s+({_NAME})(?:'s?|’s?)?\s+{_PIECE}\b|"
                     rf"\b{_PIECE}\s+(?:from|by|in\s+(?=The\s))\s*({_NAME})|"
                     rf"\b(?:reported|published|written)\s+(?:by|in)\s+({_NAME})")


def named_outlets(question: str) -> tuple[str, ...]:
    """Names of the outlets a question attributes its facts to (the words of an article's source)."""
    out = []
    for m in _OUTLET.finditer(question):
        name = next(g for g in m.groups() if g)
        name = re.sub(r"(?:'s?|’s?)$", "", name).strip()
        if name and name.split()[-1][:1].isupper() and not _CALENDAR.match(name):
            out.append(name)
    return tuple(dict.fromkeys(out))


def unknown_outlets(question: str, sources: Iterable[str]) -> tuple[str, ...]:
    """The outlets a question names that no indexed release comes from ("a Harbour Times article" asked of an index
    holding none): whatever it says they reported is not in the releases. Empty when the index records no sources.
    A name counts as known when it is one of a source's names (``source_aliases``) or lies inside one."""
    known = [a for s in sources if s for a in source_aliases(s)]
    if not known:
        return ()
    out = []
    for name in named_outlets(question):
        n = _norm(name).strip()
        n = n[4:] if n.startswith("the ") else n
        if len(n) >= 3 and not any(n == a or f" {n} " in f" {a} " for a in known):
            out.append(name)
    return tuple(out)


def _day(y: int, m: int, d: int) -> int | None:
    try:
        return int(dt.date(y, m, d).strftime("%Y%m%d"))
    except ValueError:
        return None


def find_dates(question: str, today: dt.date | None = None) -> tuple[tuple[DateRange, ...], bool]:
    """Publication dates/periods the question names, and whether it asks for the newest."""
    ranges: list[DateRange] = []
    taken: list[tuple[int, int]] = []
    for m in _FULL_DATE.finditer(question):
        if m.group(1):
            y, mo, d = int(m.group(3)), _MONTHS[m.group(1).lower()[:3]], int(m.group(2))
        elif m.group(5):
            y, mo, d = int(m.group(6)), _MONTHS[m.group(5).lower()[:3]], int(m.group(4))
        else:
            y, mo, d = int(m.group(7)), int(m.group(8)), int(m.group(9))
        day = _day(y, mo, d)
        if day:
            ranges.append(DateRange(day, day))
            taken.append(m.span())
    for m in _MONTH_YEAR.finditer(question):
        if any(a <= m.start() < b for a, b in taken):
            continue
        y, mo = int(m.group(2)), _MONTHS[m.group(1).lower()[:3]]
        ranges.append(DateRange(y * 10000 + mo * 100 + 1, y * 10000 + mo * 100 + 31))
        taken.append(m.span())
    for m in _YEAR.finditer(question):
        if any(a <= m.start(1) < b for a, b in taken):
            continue
        y = int(m.group(1))
        word = m.group(0).split()[0].lower()
        if word == "before":
            ranges.append(DateRange(0, (y - 1) * 10000 + 1231))
        elif word in {"until", "by"}:
            ranges.append(DateRange(0, y * 10000 + 1231))
        elif word in {"after", "since", "from"}:
            ranges.append(DateRange(y * 10000 + (1231 if word == "after" else 101), 99991231))
        else:
            ranges.append(DateRange(y * 10000 + 101, y * 10000 + 1231))
    last = _LAST_PERIOD.search(question)
    if last:
        today = today or dt.date.today()
        unit = last.group(1).lower()
        if unit == "year":
            ranges.append(DateRange((today.year - 1) * 10000 + 101, (today.year - 1) * 10000 + 1231))
        elif unit == "month":
            first = today.replace(day=1) - dt.timedelta(days=1)
            ranges.append(DateRange(int(first.strftime("%Y%m01")), int(first.strftime("%Y%m%d"))))
        else:
            q = (today.month - 1) // 3  # current quarter index 0..3; last quarter is q-1
            y, q = (today.year, q - 1) if q else (today.year - 1, 3)
            start = dt.date(y, 3 * q + 1, 1)
            end = (dt.date(y + (q == 3), (3 * q + 3) % 12 + 1, 1) - dt.timedelta(days=1))
            ranges.append(DateRange(int(start.strftime("%Y%m%d")), int(end.strftime("%Y%m%d"))))
    return tuple(dict.fromkeys(ranges)), bool(_LATEST.search(question))


def without_dates(text: str) -> str:
    """The text with its date expressions removed: their numbers say when, not what (the date plan does that)."""
    for pattern in (_FULL_DATE, _MONTH_YEAR, _YEAR):
        text = pattern.sub(" ", text)
    return text


def is_follow_up(question: str) -> bool:
    """Questions that lean on the conversation: very short ones ('and the CEO?'), and short ones with
    a pronoun or a continuing word ('and when did it start?', 'what about 2021?')."""
    words = _CONTENT.findall(question)
    return len(words) <= 4 or (len(words) <= 12 and bool(_FOLLOW_UP.search(question)))


def with_context(question: str, history: Sequence[str]) -> str:
    """A follow-up searched together with the previous question, so 'it' finds what it refers to."""
    previous = [h for h in history if h.strip()]
    if not previous or not is_follow_up(question):
        return question
    return f"{question} {previous[-1]}"


# Where a question may move from one piece of evidence to the next. Commas split only where the next
# piece names another source; the words below split anywhere ("A, while B", "A compared with B").
_COMMA = re.compile(r"\s*[,;]\s+|\s+and\s+(?=(?:the|a|an|another|later|then)\s)", re.I)
_STRONG = re.compile(r"\s*[,;]?\s+(?:while|whereas|compared (?:to|with)|as opposed to|in contrast to)\s+|\s*;\s*",
                     re.I)


MAX_PARTS = 6


def split_parts(question: str, known: Iterable[str]) -> tuple[Part, ...]:
    """Clauses about different pieces of evidence, each with the sources it names.

    "Does the Courier article suggest A, while the Ledger article indicates B?" gives one part
    per outlet, so retrieval can look for each piece of evidence where it was published. Only
    returned when there are at least two parts.
    """
    known = list(known)
    groups: list[tuple[str, tuple[str, ...]]] = []
    for piece in _COMMA.split(question):
        piece = piece.strip(" ,;?")
        if not piece:
            continue
        found = find_sources(piece, known)
        if groups and (not found or not groups[-1][1] or set(found) <= set(groups[-1][1])):
            text, sources = groups[-1]
            groups[-1] = (f"{text}, {piece}", tuple(dict.fromkeys(sources + found)))
        else:
            groups.append((piece, found))
    if len(groups) < 2:
        groups = [(p.strip(" ,;?"), find_sources(p, known)) for p in _STRONG.split(question) if p.strip(" ,;?")]
    groups = [(t, s) for t, s in groups if len(_CONTENT.findall(t)) >= 3]
    if len(groups) < 2:
        return ()
    return tuple(Part(t, s) for t, s in groups[:MAX_PARTS])


def plan(question: str, known_sources: Iterable[str] = (), history: Sequence[str] = (),
         today: dt.date | None = None) -> QueryPlan:
    text = with_context(question, history)
    dates, recent = find_dates(question, today)
    known = list(known_sources)
    return QueryPlan(text=text, sources=find_sources(question, known), dates=dates, recent=recent,
                     parts=split_parts(text, known))
