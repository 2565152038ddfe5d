"""The offline citation checker: is a sentence supported by the passage it cites?

Every sentence an LLM writes, and every point of a summary, goes through here. Support is judged
without any model beyond our own embedder, from features that make sense for any press text:

- how many of the claim's content words (stemmed) occur in the best matching sentence, or pair
  of adjacent sentences, of the evidence, and in the evidence as a whole;
- how much of the claim's word order survives in that best unit (LCS precision), which catches
  swapped roles ("A acquired B" against "B acquired A") better than bags of words;
- figures and names in the claim that the evidence never mentions (the typical invented fact);
- the embedding similarity of the claim with its best unit (the project's ``Embedder``).

The features are combined by a logistic model whose weights were fitted once, offline, on
synthetic citation errors built from CNN/DailyMail articles (a sentence against its own
source window, against a window of the same article that lacks it, and against another
article); ``benchmarks/faithfulness.py`` re-fits them and reports how the score agrees with
human factuality judgements on FRANK. No rule looks at any particular article.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

# The shared stop words live in answering.py until issue 18's assistant/text.py (shared text utilities) lands;
# then this import moves there and checking no longer sits above answering in the import layers.
from assistant.answering import BASE_STOPWORDS
from assistant.types import Sentence

if TYPE_CHECKING:
    from assistant.embedding import Embedder

# Fitted by benchmarks/faithfulness.py --fit (logistic regression on synthetic citation errors);
# order matches Features.vector().
WEIGHTS: tuple[float, ...] = (1.19, 1.11, 1.0, 0.15, -0.55, -2.94)
BIAS: float = -1.64
# Support scores at or above this count as verified; chosen on the same synthetic data to keep
# 95% of correctly cited sentences (it then rejects 71% of the wrong citations there).
DEFAULT_THRESHOLD = 0.42

STOPWORDS = BASE_STOPWORDS | {"told", "ms", "mr", "mrs", "may", "might", "must", "shall", "s", "t"}
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "first": "1st", "second": "2nd", "third": "3rd",
    "dozen": "12", "hundred": "100", "thousand": "1000",
}
_WORD = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?|[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_CITE = re.compile(r"\[\s*(?:sources?\s*|ref\.?\s*|#)?(\d{1,3}(?:\s*(?:,|;|and|&|-|–)\s*\d{1,3})*)\s*\]", re.I)
_ANY_CITE_RUN = re.compile(r"(?:\s*\[\s*(?:sources?\s*|ref\.?\s*|#)?\d{1,3}(?:\s*(?:,|;|and|&|-|–)\s*\d{1,3})*\s*\])+",
                           re.I)
_LEADING_CITES = re.compile(r"^(?:\s*\[\s*(?:sources?\s*|ref\.?\s*|#)?\d{1,3}(?:\s*(?:,|;|and|&|-|–)\s*\d{1,3})*"
                            r"\s*\])+[.,;:]?", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•·▪–—]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+|\*\*[^*]{1,60}\*\*:?\s*$|[A-Z][A-Za-z ’']{2,40}:\s*$)")
_LABEL = re.compile(r"^\s*(?:\*\*)?([A-Z][A-Za-z ’'?]{2,40}?)(?:\*\*)?\s*:\s*(?:\*\*)?\s+(?=\S)")
_NOT_COVERED = re.compile(
    r"\b(?:(?:do|does|did)\s+not|don't|doesn't|cannot|can't|unable\s+to|no)\s+"
    r"(?:\w+\s+){0,3}(?:answer|cover|contain|mention|include|provide|say|information|address|find|determine)",
    re.I,
)


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    from nltk.stem import PorterStemmer

    return _porter(PorterStemmer).stem(word)


@lru_cache(maxsize=1)
def _porter(cls: Any) -> Any:
    return cls()


def _norm_number(t: str) -> str:
    t = t.replace(",", "")
    if "." in t:
        t = t.rstrip("0").rstrip(".") or "0"
    return t


def terms(text: str) -> list[str]:
    """Content terms in order: lower-cased, stemmed, stopwords dropped, figures normalised."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        if w[0].isdigit():
            out.append(_norm_number(w))
            continue
        w = w.lower().replace("’", "'")
        w = w[:-2] if w.endswith("'s") else w
        if w in _NUMBER_WORDS:
            out.append(_NUMBER_WORDS[w])
        elif w not in STOPWORDS and len(w) > 1:
            out.append(_stem(w))
    return out


def key_terms(text: str) -> set[str]:
    """Figures and proper names (capitalised words not opening a sentence): what invented facts are made of."""
    keys: set[str] = set()
    for i, m in enumerate(_WORD.finditer(text)):
        w = m.group(0)
        if w[0].isdigit():
            keys.add(_norm_number(w))
        elif i > 0 and w[0].isupper() and w.lower() not in STOPWORDS and len(w) > 1:
            keys.add(_stem(w.lower().replace("’", "'").removesuffix("'s")))
        elif w.lower() in _NUMBER_WORDS and _NUMBER_WORDS[w.lower()].isdigit():
            keys.add(_NUMBER_WORDS[w.lower()])
    return keys


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            cur[j] = prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]


@dataclass(frozen=True)
class Features:
    """What the support decision is made from; all in [0, 1] except ``novel_keys`` (a count, capped)."""

    unit_precision: float  # share of claim terms found in the best evidence unit
    evidence_precision: float  # share of claim terms found anywhere in the evidence
    lcs_precision: float  # longest common subsequence with the best unit / claim length
    cosine: float  # embedding similarity with the best unit
    novel_keys: float  # figures and names absent from the evidence (0, 1 or 2+)
    novel_bigrams: float  # share of the claim's term bigrams absent from the evidence

    def vector(self) -> tuple[float, ...]:
        return (self.unit_precision, self.evidence_precision, self.lcs_precision, self.cosine,
                min(self.novel_keys, 2.0), self.novel_bigrams)


@dataclass(frozen=True)
class Support:
    """How well one claim is supported by one evidence text, and where."""

    score: float  # 0..1, calibrated probability-like
    supported: bool
    start: int  # best evidence unit, as offsets into the evidence text
    end: int
    features: Features
    missing: tuple[str, ...] = ()  # figures and names the evidence lacks


@dataclass(frozen=True)
class Claim:
    """A sentence of generated text with the citation numbers written after it."""

    text: str
    citations: tuple[int, ...]
    section: str = ""  # a label the text put before it ("What happened"), if any


@dataclass
class Evidence:
    """A source text as the checker sees it: split once into sentence units (and pairs of them)."""

    text: str
    units: list[tuple[int, int]] = field(default_factory=list)  # offsets of sentences and sentence pairs
    unit_terms: list[list[str]] = field(default_factory=list)
    all_terms: set[str] = field(default_factory=set)
    bigrams: set[tuple[str, str]] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    vectors: Any = None


class CitationChecker:
    """Scores claims against cited evidence; ``embedder`` None falls back to words alone (tests, tools)."""

    def __init__(self, embedder: Embedder | None = None, *, threshold: float = DEFAULT_THRESHOLD,
                 weights: Sequence[float] = WEIGHTS, bias: float = BIAS) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.weights = tuple(weights)
        self.bias = bias
        self._cache: dict[tuple[str, bool], Evidence] = {}

    # ---- evidence -------------------------------------------------------------------------
    def evidence(self, text: str, *, pairs: bool = True) -> Evidence:
        """``text`` split into units once; the same text seen again reuses the split and its vectors."""
        from assistant.chunking import sentence_spans

        cached = self._cache.get((text, pairs))
        if cached is not None:
            return cached
        sents = [(s, e) for s, e in sentence_spans(text) if text[s:e].strip()]
        units = list(sents)
        if pairs:
            units += [(a[0], b[1]) for a, b in zip(sents, sents[1:], strict=False)]
        ev = Evidence(text, units)
        ev.unit_terms = [terms(text[s:e]) for s, e in units]
        all_terms = terms(text)
        ev.all_terms = set(all_terms)
        ev.bigrams = set(zip(all_terms, all_terms[1:], strict=False))
        ev.keys = key_terms(text) | {t for t in ev.all_terms if t[:1].isdigit()}
        if len(self._cache) >= 256:
            self._cache.pop(next(iter(self._cache)))
        self._cache[(text, pairs)] = ev
        return ev

    def _vectors(self, ev: Evidence) -> Any:
        if ev.vectors is None and self.embedder is not None and ev.units:
            ev.vectors = self.embedder.embed([ev.text[s:e] for s, e in ev.units])
        return ev.vectors

    # ---- scoring --------------------------------------------------------------------------
    def features(self, claim: str, ev: Evidence, claim_vector: Any = None) -> tuple[Features, int, tuple[str, ...]]:
        """Features of ``claim`` against ``ev`` and the index of the best unit (-1 when there is none)."""
        ct = terms(claim)
        if not ct or not ev.units:
            return Features(0.0, 0.0, 0.0, 0.0, 0.0, 1.0), -1, ()
        cset = set(ct)
        best_p, best_i = -1.0, 0
        precisions = []
        for i, ut in enumerate(ev.unit_terms):
            us = set(ut)
            p = sum(1 for t in ct if t in us) / len(ct)
            precisions.append(p)
            if p > best_p + 1e-9 or (abs(p - best_p) <= 1e-9 and len(ut) < len(ev.unit_terms[best_i])):
                best_p, best_i = p, i
        cosine = 0.0
        vectors = self._vectors(ev)
        if vectors is not None:
            import numpy as np

            if claim_vector is None:
                claim_vector = self.embedder.embed_query(claim)  # type: ignore[union-attr]
            sims = vectors @ np.asarray(claim_vector)
            cosine = float(sims.max())
            # the unit shown as the quote: words first, meaning breaks near-ties
            combined = [p + 0.5 * float(s) for p, s in zip(precisions, sims, strict=True)]
            best_i = max(range(len(combined)), key=combined.__getitem__)
        lcs = _lcs(ct, ev.unit_terms[best_i]) / len(ct)
        missing = tuple(sorted(k for k in key_terms(claim) if k not in ev.keys and k not in ev.all_terms))
        big = list(zip(ct, ct[1:], strict=False))
        novel_bigrams = sum(1 for b in big if b not in ev.bigrams) / len(big) if big else 0.0
        feats = Features(
            unit_precision=max(precisions),
            evidence_precision=sum(1 for t in cset if t in ev.all_terms) / len(cset),
            lcs_precision=lcs,
            cosine=max(cosine, 0.0),
            novel_keys=float(len(missing)),
            novel_bigrams=novel_bigrams,
        )
        return feats, best_i, missing

    def probability(self, feats: Features) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, feats.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def support(self, claim: str, ev: Evidence, claim_vector: Any = None) -> Support:
        feats, i, missing = self.features(claim, ev, claim_vector)
        if i < 0:
            return Support(0.0, False, 0, 0, feats, missing)
        score = self.probability(feats)
        s, e = ev.units[i]
        return Support(score, score >= self.threshold, s, e, feats, missing)

    def embed_claims(self, claims: Sequence[str]) -> list[Any]:
        if self.embedder is None or not claims:
            return [None] * len(claims)
        return list(self.embedder.embed(list(claims)))

    def score_text(self, summary: str, source: str) -> float:
        """Mean support of a text's sentences by one source: the faithfulness score of a summary."""
        from assistant.chunking import sentence_spans

        ev = self.evidence(source)
        sents = [summary[s:e] for s, e in sentence_spans(summary) if terms(summary[s:e])]
        if not sents:
            return 0.0
        vecs = self.embed_claims(sents)
        return sum(self.support(c, ev, v).score for c, v in zip(sents, vecs, strict=True)) / len(sents)

    # ---- checking generated text ----------------------------------------------------------
    def check(self, text: str, sources: Mapping[int, str]) -> CheckResult:
        """Split generated text into claims, keep only known ``[n]``, and judge each claim's support.

        A claim is verified when at least one of its cited sources supports it. Citations to
        numbers that are not among ``sources`` are dropped (and counted in ``unknown``).
        """
        claims = parse_claims(text)
        evidences: dict[int, Evidence] = {}
        vectors = self.embed_claims([c.text for c in claims])
        checked: list[CheckedClaim] = []
        unknown: list[int] = []
        for claim, vec in zip(claims, vectors, strict=True):
            known = tuple(n for n in claim.citations if n in sources)
            unknown.extend(n for n in claim.citations if n not in sources)
            best: tuple[int, Support] | None = None
            for n in known:
                if n not in evidences:
                    evidences[n] = self.evidence(sources[n])
                sup = self.support(claim.text, evidences[n], vec)
                if best is None or sup.score > best[1].score:
                    best = (n, sup)
            declines = bool(_NOT_COVERED.search(claim.text))
            checked.append(CheckedClaim(claim=claim, citations=known, support=best[1] if best else None,
                                        cited=best[0] if best else None, declines=declines))
        return CheckResult(checked, tuple(unknown))


@dataclass(frozen=True)
class CheckedClaim:
    claim: Claim
    citations: tuple[int, ...]  # known citations only
    support: Support | None  # the best support among them
    cited: int | None  # the source that gave it
    declines: bool = False  # the sentence says the sources do not answer

    @property
    def verified(self) -> bool:
        return self.support is not None and self.support.supported

    def sentence(self) -> Sentence:
        return Sentence(self.claim.text, self.citations, self.verified)


@dataclass(frozen=True)
class CheckResult:
    claims: list[CheckedClaim]
    unknown: tuple[int, ...]

    @property
    def verified_share(self) -> float:
        judged = [c for c in self.claims if not c.declines]
        return sum(c.verified for c in judged) / len(judged) if judged else 0.0


def citation_numbers(marker: str) -> list[int]:
    """``"1, 3"`` or ``"2-4"`` -> numbers."""
    nums: list[int] = []
    parts = re.split(r"\s*(?:,|;|and|&)\s*", marker)
    for p in parts:
        rng = re.match(r"^(\d+)\s*[-–]\s*(\d+)$", p)
        if rng:
            a, b = int(rng.group(1)), int(rng.group(2))
            if 0 < b - a < 10:
                nums.extend(range(a, b + 1))
                continue
        nums.extend(int(x) for x in re.findall(r"\d+", p))
    return nums


def strip_citations(text: str) -> str:
    return " ".join(_ANY_CITE_RUN.sub("", text).split())


def parse_claims(text: str) -> list[Claim]:
    """Generated text -> claims: one per sentence (bullets and lines too), markers moved to their sentence.

    Markers that open a sentence ("... ended. [2] The next ...") belong to the sentence before.
    A label line like "What happened:" is kept as the section of the claims under it.
    """
    from assistant.chunking import sentence_spans

    claims: list[Claim] = []
    section = ""
    for raw_line in text.splitlines():
        line = _BULLET.sub("", raw_line).strip()
        if not line:
            continue
        lead = _LEADING_CITES.match(line)
        if lead and claims:
            prev = claims[-1]
            nums = tuple(dict.fromkeys(prev.citations + tuple(_numbers_in(lead.group(0)))))
            claims[-1] = Claim(prev.text, nums, prev.section)
            line = line[lead.end():].strip()
            if not line:
                continue
        if _HEADING.match(line) and not _CITE.search(line):
            section = line.strip("#*: ").strip()
            continue
        label = _LABEL.match(line)
        if label:
            section = label.group(1).strip()
            line = line[label.end():].strip("* ")
        for s, e in sentence_spans(line):
            part = line[s:e]
            lead = _LEADING_CITES.match(part)
            if lead and claims:
                prev = claims[-1]
                nums = tuple(dict.fromkeys(prev.citations + tuple(_numbers_in(lead.group(0)))))
                claims[-1] = Claim(prev.text, nums, prev.section)
                part = part[lead.end():]
            nums = tuple(dict.fromkeys(_numbers_in(part)))
            clean = strip_citations(part).strip()
            if clean and (terms(clean) or _NOT_COVERED.search(clean)):  # not stray markup or punctuation
                claims.append(Claim(clean, nums, section))
    return claims


def _numbers_in(text: str) -> list[int]:
    out: list[int] = []
    for m in _CITE.finditer(text):
        out.extend(citation_numbers(m.group(1)))
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties); no scipy needed."""

    def ranks(v: Sequence[float]) -> list[float]:
        order = sorted(range(len(v)), key=v.__getitem__)
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return r

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    vy = math.sqrt(sum((b - my) ** 2 for b in ry))
    return cov / (vx * vy) if vx and vy else 0.0

