"""Corrections between releases: which release a correction supersedes.

A newsroom corrects a release by issuing another one. It says so in its title ("CORRECTION: …",
"CORRECTING and REPLACING …"), in its metadata (a ``corrects`` front-matter or JSON field, kept as
``Release.corrects``), or in its first lines ("replaces the release issued on October 27, 2022",
'In the release "…," issued on …'). Answers and summaries both read the map built here, so that
superseded text is never stated as fact and both releases are labelled in the sources.

Functions over ``Release``, no model; ``index_supersessions`` keeps one map per index and rebuilds it
only when the index's generation moves (it needs every release's title, date and first paragraph).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from assistant.types import Release

# A title prefix that marks a correction: "CORRECTION:", "[Corrected]", "Corrected release -",
# "CORRECTING and REPLACING", "REPLACEMENT:". "Update" is not one: "Update on storm restoration" is news.
_TITLE_MARK = re.compile(
    r"^\s*[\[(]?\s*(?:correct(?:ion|ed)(?:\s+(?:and\s+replacement|release|version))?|replacement(?:\s+release)?)"
    r"\s*[\])]?\s*[:|\-–—]\s*"
    r"|^\s*correcting\s+and\s+replacing\s*[:\-–—]?\s*",
    re.IGNORECASE,
)
# Opening-paragraph statements that this release replaces an earlier one.
_BODY_MARK = re.compile(
    r"\b(?:replaces|supersedes|corrects|is\s+a\s+correct(?:ed|ion)\s+(?:version\s+)?of)\s+the\s+"
    r"(?:(?:press|news)\s+)?(?:release|announcement|statement)\b"
    r"|\bcorrect(?:ed|ing)\s+(?:and\s+replac(?:ed|ing)\s+)?the\s+(?:(?:press|news)\s+)?release\b"
    r"|\bmisstated\b|\bincorrectly\s+(?:stated|reported)\b",
    re.IGNORECASE,
)
# A quoted release title in that opening paragraph: In the release "Northwind Grid Reports …," issued on …
_QUOTED_TITLE = re.compile(r"release\s+(?:titled\s+|entitled\s+)?[\"“‘']([^\"”’]{8,300}?)[,.]?[\"”’]", re.IGNORECASE)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Supersession:
    """``old`` is superseded by ``new``, a correction issued on ``new.date``."""

    old: Release
    new: Release


class _Index(Protocol):
    def generation(self) -> str: ...
    def list_releases(self) -> list[tuple[Release, int]]: ...


# one map per index: (generation, map, the index itself, so that a reused id() cannot match another one)
_BY_INDEX: dict[int, tuple[str, dict[str, Supersession], _Index]] = {}


def index_supersessions(index: _Index) -> dict[str, Supersession]:
    """``supersessions`` over every release of an index, rebuilt only when its generation moves.

    Answers and summaries share it: building it reads every release, so it must not happen per question.
    """
    generation = str(index.generation())
    held = _BY_INDEX.get(id(index))
    if held is None or held[0] != generation or held[2] is not index:
        held = (generation, supersessions(r for r, _ in index.list_releases()), index)
        _BY_INDEX[id(index)] = held
    return held[1]


def base_title(title: str) -> str:
    """The title without its correction mark: what the corrected release was called."""
    return _TITLE_MARK.sub("", title or "", count=1).strip()


def is_correction(release: Release) -> bool:
    """Whether the release says it corrects or replaces another one."""
    if release.corrects or _TITLE_MARK.match(release.title or ""):
        return True
    return bool(_BODY_MARK.search(_opening(release)))


def states_correction(text: str) -> bool:
    """Whether a passage says that a release is corrected or replaced ("misstated", "replaces the release")."""
    return bool(_BODY_MARK.search(text or ""))


def supersessions(releases: Iterable[Release]) -> dict[str, Supersession]:
    """Map each superseded release's id to its supersession, over one set of releases.

    A correction supersedes the release it names (by URL, id or title in ``corrects``), else the
    release whose title its own title or opening quotes, dated no later than the correction. When a
    release was corrected twice, the latest correction wins.
    """
    items = list(releases)
    by_key: dict[str, list[Release]] = {}
    for r in items:
        for key in {r.id, r.url or "", _norm(r.title)}:
            if key:
                by_key.setdefault(key, []).append(r)
    out: dict[str, Supersession] = {}
    for new in items:
        if not is_correction(new):
            continue
        for old in _targets(new, by_key):
            held = out.get(old.id)
            if held is None or (new.date or "") >= (held.new.date or ""):
                out[old.id] = Supersession(old=old, new=new)
    return out


def correction_note(s: Supersession) -> str:
    """One line for readers: what replaced the release and when."""
    when = f" on {s.new.date}" if s.new.date else ""
    return f"corrected{when} by \u201c{s.new.title}\u201d"


def _targets(new: Release, by_key: Mapping[str, list[Release]]) -> list[Release]:
    keys: list[str] = []
    if new.corrects:
        keys += [new.corrects, _norm(new.corrects)]
    base = base_title(new.title)
    if base and _norm(base) != _norm(new.title):
        keys.append(_norm(base))
    m = _QUOTED_TITLE.search(_opening(new))
    if m:
        keys.append(_norm(m.group(1)))
    if not keys and _BODY_MARK.search(_opening(new)):
        keys.append(_norm(new.title))  # "this release replaces the one issued on …" under the same title
    for key in keys:
        found = [
            r for r in by_key.get(key, [])
            if r.id != new.id and not _after(r, new) and not (is_correction(r) and r.date == new.date)
        ]
        if found:
            latest = max(found, key=lambda r: r.date or "")
            return [latest]
    return []


def _after(old: Release, new: Release) -> bool:
    return bool(old.date and new.date and old.date > new.date)


def _opening(release: Release) -> str:
    return (release.text or "")[:1200]


def _norm(s: str) -> str:
    return " ".join(_WORD.findall((s or "").lower()))
