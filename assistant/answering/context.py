"""What each sentence of a release is read with, kept per release: its body sentence spans, the words it writes in
lower case, all its words, its context (title, issuer, opening) and the months it names. A release is read by many
questions, and finding these costs more than the rest of reading it, so each is cached per release.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from assistant.boilerplate import body_sentences
from assistant.reader import common_words, content, months
from assistant.types import Release

LEDE_WORDS = 0  # opening words of a release read with each sentence (``context_words``); 0: none (see --org-cv)


@lru_cache(maxsize=512)
def body_spans(release: Release) -> tuple[tuple[int, int, int], ...]:
    """Body sentence spans of a release (cached: a release is read by many questions, and finding them costs more
    than the rest of reading it)."""
    return tuple((c.start, c.end, c.index) for c in body_sentences(release))


@lru_cache(maxsize=256)
def release_common(release: Release) -> frozenset[str]:
    return common_words(release.text)


@lru_cache(maxsize=256)
def release_words(release: Release) -> frozenset[str]:
    # the issuer's name counts: "the White House weekly address" is rarely repeated in the address itself
    return frozenset(content(f"{release.source or ''} {release.title} {release.text}"))


@lru_cache(maxsize=256)
def context_words(release: Release) -> tuple[frozenset[str], str]:
    """What every sentence of a release is read with: its title, its lede, its issuer (a release says "we" and
    "the company" where the question names it), and its address as one lower-case string (energy.example.gov)."""
    lede: list[str] = []  # the opening sentences, to LEDE_WORDS words (a lede split at "the Hon." is two)
    for b in body_sentences(release):
        if sum(len(t.split()) for t in lede) >= LEDE_WORDS:
            break
        lede.append(b.text)
    words = frozenset(content(f"{release.source or ''} {release.title} {' '.join(lede)}"))
    return words, f"{release.source or ''} {release.url or ''}".lower().replace(" ", "")


def context_share(subject: Sequence[str], text: str, release: Release) -> float:
    """Share of the question's names in the sentence or its context (see ``context_words``)."""
    words, where = context_words(release)
    here = set(content(text)) | words
    parts = set(re.findall(r"[a-z0-9]+", where))  # gov.uk: "uk"
    return sum(t in here or t in parts or (len(t) > 3 and t in where) for t in subject) / len(subject)


@lru_cache(maxsize=256)
def release_months(release: Release) -> frozenset[int]:
    """The months a release names, and the month it came out ("the May 2021 release" rarely says May)."""
    published = {int(release.date[5:7])} if release.date and release.date[5:7].isdigit() else set()
    return frozenset(months(f"{release.title} {release.text}")) | published
