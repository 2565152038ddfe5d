"""The reader: which retrieved sentence answers the question, and where in it the answer is.

Between retrieval and composition. ``analyse`` turns a question into a ``Need``: the kind of answer it
expects (person, organisation, date, amount, place, or open), the words naming what is asked (the metric:
"operating profit", "revenue"), the period it names ("in 2023", "third quarter") and its subject (the
names it hinges on). ``features`` describes a candidate sentence against that need with measures that mean
the same for any organisation's releases (is a value of the expected kind present, is the metric named near
it, does the period agree, is the subject there, how close is the meaning); ``ReaderModel`` turns them into
the probability that the sentence answers, with weights learned from labelled answer-bearing sentences
(``benchmarks/train_reader.py``; the weights live in ``reader_model.json``). ``answer_span`` marks the value
inside the chosen sentence.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.query import find_dates

MODEL_PATH = Path(__file__).with_name("reader_model.json")
KINDS = ("person", "organisation", "date", "amount", "place", "open")

_Q_PERSON = re.compile(r"^\s*(?:and\s+)?(?:who(?:m|se)?\b|which\s+(?:person|executive|official|minister|officer|"
                       r"ceo|chair\w*|president|director|spokes\w+|player|artist|author|founder)s?\b)|"
                       r"\bname of the (?:person|ceo|executive|chair\w*)\b", re.I)
_Q_ORG = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:company|companies|firm|organi[sz]ation|agency|bank|"
                    r"group|partner|brand|institution|university|startup|outlet|team|club)s?\b", re.I)
_Q_DATE = re.compile(r"^\s*(?:and\s+)?(?:when\b|since when\b)|\b(?:what|which)\s+(?:date|day|year|month)\b|"
                     r"\bon what date\b", re.I)
_Q_AMOUNT = re.compile(r"\bhow\s+(?:many|much|large|big|far|long|high|low)\b|\b(?:what|which)\s+(?:was|were|is|are)?"
                       r"\s*(?:the\s+)?(?:[\w'’-]+\s+){0,5}(?:revenue|income|profit|loss|sales|price|amount|rate|"
                       r"percentage|share|number|total|cost|value|figure|growth|capacity|budget|spending|"
                       r"earnings|ebitda|margin|dividend|funding|investment)s?\b", re.I)
_Q_PLACE = re.compile(r"^\s*(?:and\s+)?where\b|\b(?:which|what)\s+(?:[\w'’-]+\s+){0,2}(?:city|country|state|place|"
                      r"venue|location|region|site|town|building|hotel|hall|centre|center)\b", re.I)
_PRESENT = re.compile(r"^\s*(?:and\s+)?(?:who|what|which)\s+(?:is|are)\b|\b(?:current(?:ly)?|now|today|"
                      r"at present|presently)\b", re.I)
_MONEY_WORDS = re.compile(r"\b(?:cost|costs|pay|paid|pays|revenues?|income|profits?|loss(?:es)?|worth|prices?|"
                          r"fund(?:ing|s)?|spend(?:ing)?|spent|invest(?:ment|ed)?|raised?|sales|earnings|budget|"
                          r"money|dollars|fines?|penalt(?:y|ies)|capital|debt|borrow(?:ed|ing)?|valued?|ebitda|"
                          r"dividends?|turnover|proceeds|award(?:ed)?\s+amount|royalt(?:y|ies)|fees?|"
                          r"tariffs?|wages?|salar(?:y|ies))\b", re.I)
_PERCENT_WORDS = re.compile(r"\b(?:percent(?:age)?|per cent|share|growth|proportion|how much more)\b", re.I)
_QUARTER = re.compile(r"\b(first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter\b|\bq([1-4])\b", re.I)
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
_QUARTER_NO = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

_MONEY = re.compile(r"(?:US|HK|A|C|NZ|S)?[$€£¥₹]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|bn|mn|m|k)\b)?"
                    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:million|billion|trillion)?\s?(?:dollars|euros|pounds|yuan|"
                    r"rupees|yen|USD|EUR|GBP|RMB|HKD)\b", re.I)
_PERCENT = re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|per cent\b|percentage points?\b)", re.I)
_COUNT = re.compile(r"\b\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|thousand|hundred))?\b(?!\s*(?:%|percent))|"
                    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds|"
                    r"thousands)\b", re.I)
_MON = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
        r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = re.compile(rf"\b{_MON}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|\b\d{{1,2}}\s+{_MON}(?:\s+\d{{4}})?\b|"
                   rf"\b{_MON}\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b(?:19|20)\d{{2}}\b|"
                   r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_NAME_WORD = r"[A-Z][a-z'’-]+|[A-Z]\.|Mc[A-Z][a-z]+"
_PERSON = re.compile(rf"\b(?:(?:Mr|Ms|Mrs|Dr)\.?\s+[A-Z][a-z'’-]+|(?:{_NAME_WORD})(?:\s+(?:{_NAME_WORD})){{1,3}})\b")
_ORG_SUFFIX = re.compile(r"\b(?:Inc|Corp|Corporation|Co|Company|Ltd|LLC|plc|Group|Holdings|Partners|Systems|"
                         r"Networks|Bank|Fund|Foundation|University|College|Agency|Department|Ministry|Council|"
                         r"Commission|Association|Institute|Technologies|Energy|Pharmaceuticals|Labs?)\b\.?")
_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,6}\b")
# a place after its preposition, past a few lower-case words ("at the recently rebuilt Lakeside Market")
_PLACE = re.compile(r"\b(?:in|at|near|from|to|inside)\s+(?:(?:the|a|an|its|our|their|[a-z]+ly|[a-z]+ed|new|main|"
                    r"historic|level|floor|of)\s+){0,4}((?:[A-Z][a-z]+)(?:[\s,]+(?:of\s+)?[A-Z][a-z]+){0,4})")
_MONTH_NO = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                             "nov", "dec"))}
_MONTH_RANGE = re.compile(rf"\b({_MON})\s*(?:[–—-]|to|through)\s*({_MON})(?=[\s,.]|$)")
# the irregular past forms that releases use where questions use the present ("led" for "leads")
_IRREGULAR = {"led": "lead", "won": "win", "grew": "grow", "rose": "rise", "fell": "fall", "paid": "pay",
              "sold": "sell", "made": "make", "held": "hold", "began": "begin", "begun": "begin", "bought": "buy",
              "built": "build", "spent": "spend", "met": "meet", "took": "take", "taken": "take", "gave": "give",
              "given": "give", "brought": "bring", "chose": "choose", "chosen": "choose", "raised": "raise",
              "became": "become", "lost": "lose", "saw": "see", "set": "set", "hired": "hire", "named": "name"}
_ROLE = re.compile(r"\b(?:chief|ceo|cfo|coo|chair\w*|president|director|minister|secretary|officer|manager|"
                   r"founder|head|spokes\w+|mayor|governor|senator|professor|dr|mr|ms|mrs)\b\.?", re.I)
_NOT_NAME = re.compile(rf"^(?:The|This|That|These|Those|It|In|On|At|For|And|But|Our|We|Its|A|An|{_MON}|"
                       r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’.-]*[A-Za-z0-9]|[A-Za-z0-9]")
_CALENDAR = re.compile(rf"^(?:{_MON}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$")
_STOP = frozenset("""a an the and or but if of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where why how all
    any both each few more most other some such no nor not only own same so than too very can will just should now
    is are was were be been being have has had having do does did doing i me my we our you your he him his she her
    it its they them their what which who whom whose this that these those am would could also said says say tell
    please many much according article report reported""".split())
# a role's acronym in a question, as releases spell it out
_ROLE_ACRONYMS = {"CEO": ("chief", "executive"), "CFO": ("chief", "financial"), "COO": ("chief", "operat"),
                  "CTO": ("chief", "technology"), "CMO": ("chief", "marketing")}
_QUESTION_ONLY = frozenset("""how much many large big far long high low when where which what year date day month
    number amount total figure name""".split())


@lru_cache(maxsize=65536)  # a press corpus repeats its words: most calls are a dictionary look-up
def stem(word: str) -> str:
    """A light stem so 'signed' meets 'sign', 'batteries' 'battery' and 'turbines' 'turbine' (a full stemmer
    adds little here, and this one is the same for questions and sentences)."""
    w = word.lower().replace("’", "'").removesuffix("'s").strip("'")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and re.search(r"(?:ss|x|ch|sh|z)es$", w):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def content(text: str) -> list[str]:
    """Stems of the content words; hyphenated words count as their parts too ("PRC-flagged": prc, flagg)."""
    return list(_sentence_content(text)) if len(text) <= 1000 else _content(text)


@lru_cache(maxsize=8192)
def _sentence_content(text: str) -> tuple[str, ...]:
    """``content`` of a sentence or title, kept: every question reads the sentences of the passages it finds."""
    return tuple(_content(text))


def _content(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text):
        if w.lower() in _STOP or (len(w) < 2 and not w.isdigit()):
            continue
        out.append(stem(w))
        if "-" in w:
            out += [stem(p) for p in w.split("-") if p]
    return out


@dataclass(frozen=True)
class Need:
    """What a question asks for, as the reader needs it."""

    kind: str
    metric: tuple[str, ...]  # stems of the words naming what is asked (not names, not period, not question words)
    subject: tuple[str, ...]  # stems of the names the question hinges on
    years: tuple[int, ...]
    quarter: int | None
    present: bool  # "who is", "current": the newest release that says so wins
    names: tuple[str, ...]  # the names as written, so that an answer names something new
    figures: tuple[str, ...] = ()  # numbers that name something ("Gadget 5"): the answer must carry them
    unit: str = ""  # for amounts: "money", "percent" or "" (any figure)
    roles: tuple[str, ...] = ()  # a role's acronym spelt out ("CEO": chief, executive), part of ``metric``
    unit_words: tuple[str, ...] = ()  # metric words that ask for the unit ("pay", "cost"): the value answers them
    months: tuple[int, ...] = ()  # months the question names ("the October–December quarter", "March 15, 2020")
    counted: tuple[str, ...] = ()  # what "how many" counts ("sets of regulations": set): the count must name it


def analyse(question: str, known: str = "") -> Need:
    """The need of ``question`` itself: a follow-up's context ("it") is resolved by retrieval, and the names
    of the previous turn must not become constraints of the next question. Names in ``known`` (the previous
    question) are not an answer, so "who signed it?" does not answer with the parties just asked about."""
    q = question.strip()
    if _Q_DATE.search(q):
        kind = "date"
    elif _Q_PLACE.search(q):
        kind = "place"
    elif _Q_ORG.search(q):
        kind = "organisation"
    elif _Q_PERSON.search(q):
        kind = "person"
    elif _Q_AMOUNT.search(q):
        kind = "amount"
    else:
        kind = "open"
    names = [m.group(0) for m in _PERSON.finditer(q) if not _NOT_NAME.match(m.group(0).split()[0])]
    names += [m.group(0) for m in _ACRONYM.finditer(q) if m.group(0) not in {"CEO", "CFO", "COO"}]
    names += [m.group(0) for m in _PERSON.finditer(known) if not _NOT_NAME.match(m.group(0).split()[0])]
    capitalised = [w for i, w in enumerate(_WORD.findall(q)) if i > 0 and w[:1].isupper()]
    roles = [r for w in capitalised for r in _ROLE_ACRONYMS.get(w.upper(), ())]
    subject = [stem(part) for w in capitalised if w.lower() not in _STOP and w.upper() not in _ROLE_ACRONYMS
               and not _CALENDAR.match(w) for part in re.split(r"[-‐‑–]", w) if part]
    # figures that name something ("Gadget 5", "Model 3"), not years or days of a date
    figures = [m.group(0) for m in re.finditer(r"(?<![\d.,])\d+(?:\.\d+)?(?![\d,])", _DATE.sub(" ", q))]
    ranges, _ = find_dates(q)
    years = sorted({r.start // 10000 for r in ranges if r.start} | {int(y) for y in _YEAR.findall(q)})
    qm = _QUARTER.search(q)
    quarter = (_QUARTER_NO.get(qm.group(1).lower()) if qm.group(1) else int(qm.group(2))) if qm else None
    asked_months = months(q)
    first = asked_months[0] if len(asked_months) == 3 else 0
    if quarter is None and first % 3 == 1 and asked_months[2] - first == 2:
        quarter = first // 3 + 1  # "the October–December quarter" is the fourth
    period_words = {stem(w) for w in ("quarter", "year", "full-year", "half", "first", "second", "third", "fourth")}
    subject_set = set(subject)
    metric = roles + [t for t in content(q) if t not in subject_set and t not in _QUESTION_ONLY
                      and t not in period_words and "quarter" not in t and not t.isdigit()
                      and not _CALENDAR.match(t.capitalize())
                      and t.upper() not in _ROLE_ACRONYMS]
    unit = ""
    if kind == "amount":
        unit = ("count" if _HOW_MANY.search(q) else "percent" if _PERCENT_WORDS.search(q)
                else "money" if _MONEY_WORDS.search(q) else "")
    return Need(kind, tuple(dict.fromkeys(metric)), tuple(dict.fromkeys(subject)), tuple(years), quarter,
                bool(_PRESENT.search(q)) and not years, tuple(dict.fromkeys(names)), tuple(dict.fromkeys(figures)),
                unit, tuple(roles), tuple(t for t in metric if _MONEY_WORDS.fullmatch(t) or _PERCENT_WORDS.fullmatch(t)
                                          or _MONEY_WORDS.match(t + "s")), asked_months, counted(q))


def counted(question: str) -> tuple[str, ...]:
    """What "how many" counts, and what the counted things do: of the words that follow it (to the first small
    word or past-tense verb), the first plural, else the first; then the next lower-case word ("how many
    research grants did the agency fund": grant, fund; "how many turbines power the farm": turbine, power)."""
    m = re.search(r"\bhow many\s+(.*)", question, re.I)
    if not m:
        return ()
    words = _WORD.findall(m.group(1))
    phrase: list[str] = []
    for w in words[:4]:
        if w.lower() in _STOP or (phrase and (w.lower().endswith("ed") or w.lower() in _IRREGULAR)):
            break
        phrase.append(w)
    plural = [i for i, w in enumerate(phrase) if w.lower().endswith("s") and not w.lower().endswith("ss")]
    at = plural[0] if plural else 0
    rest = words[at + 1:]
    verb = next((w for w in rest if w.lower() not in _STOP and w[:1].islower()), "")
    out = [stem(w) for w in (phrase[at] if phrase else "", verb) if w]
    return tuple(t for t in out if t not in _QUESTION_ONLY)


def months(text: str) -> tuple[int, ...]:
    """The months a text names as dates ("March 15", "June 2023", "January – March"), a range filled in."""
    out: set[int] = set()
    for m in _MONTH_RANGE.finditer(text):
        a, b = _MONTH_NO[m.group(1)[:3].lower()], _MONTH_NO[m.group(2)[:3].lower()]
        out.update(range(a, b + 1) if a <= b else [*range(a, 13), *range(1, b + 1)])
    for m in _DATE.finditer(text):  # every month in a date comes with a day or a year
        if month := re.search(_MON, m.group(0)):
            out.add(_MONTH_NO[month.group(0)[:3].lower()])
    return tuple(sorted(out))


def values(text: str, kind: str, unit: str = "", common: frozenset[str] = frozenset(),
           things: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Spans of ``text`` holding a value of ``kind``, in order.

    ``common`` holds the words its release also writes in lower case: a capitalised run made of such words
    ("Grid Innovation Award") is a title, not a person's name; a name ("Dana Whitfield") never appears in lower case.
    ``things`` are what a count counts: "6 sets of regulations" answers how many sets, "10 to 30 percent" does not.
    """
    if kind == "amount" and unit == "count":
        # "how many" is answered by a count, never by a sum of money, a share, a year or a day of a date
        taken = [m.span() for p in (_MONEY, _PERCENT, _DATE) for m in p.finditer(text)]
        spans = [m.span() for m in _COUNT.finditer(text) if not _YEAR.fullmatch(m.group(0))
                 and not any(a <= m.start() < b for a, b in taken)
                 and (not things or set(content(" ".join(text[m.end():].split()[:8]))) & set(things))]
    elif kind == "amount" and unit:
        spans = [m.span() for m in (_MONEY if unit == "money" else _PERCENT).finditer(text)]
    elif kind == "amount":
        spans = [m.span() for p in (_MONEY, _PERCENT) for m in p.finditer(text)]
        if not spans:
            spans = [m.span() for m in _COUNT.finditer(text) if not _YEAR.fullmatch(m.group(0))
                     and not _inside(m.span(), [d.span() for d in _DATE.finditer(text)])]
    elif kind == "date":
        spans = [m.span() for m in _DATE.finditer(text)]
    elif kind == "person":
        spans = [m.span() for m in _PERSON.finditer(text) if not _NOT_NAME.match(m.group(0).split()[0])
                 and not _ORG_SUFFIX.search(m.group(0)) and not _DATE.search(m.group(0))
                 and not _ORG_SUFFIX.match(text[m.end():m.end() + 20].lstrip(" ,"))  # "… Communications Group"
                 and not any(w.lower().strip(".") in common for w in m.group(0).split()[
                     1 if re.match(r"(?:Mr|Ms|Mrs|Dr)\b", m.group(0)) else 0:])]
    elif kind == "organisation":
        spans = [m.span() for m in _PERSON.finditer(text) if _ORG_SUFFIX.search(m.group(0))
                 or _ORG_SUFFIX.match(text[m.end():m.end() + 20].lstrip(" ,"))]  # "Acme Consulting, Inc."
        spans += [m.span() for m in _ACRONYM.finditer(text)]
    elif kind == "place":
        spans = [m.span(1) for m in _PLACE.finditer(text) if not _DATE.match(m.group(1))]
    else:
        spans = []
    return sorted(set(spans))


def _new(need: Need, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The values that the question does not already give: a name it uses, or a figure it names ("Gadget 5")."""
    lowered = [n.lower() for n in need.names]
    return [s for s in spans if not any(text[s[0]:s[1]].lower() in n or n in text[s[0]:s[1]].lower() for n in lowered)
            and text[s[0]:s[1]].strip() not in need.figures]


def _inside(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in others)


FEATURES = ("cosine", "lexical", "rank", "lede", "typed", "typed_new", "typed_near_metric", "metric", "subject",
            "subject_title", "period_asked", "period_sentence", "period_title", "period_release", "period_other",
            "quarter_match", "role", "quote", "words", "open", "metric_title", "lede_title")


def common_words(text: str) -> frozenset[str]:
    """The words a text writes in lower case somewhere (see ``values``)."""
    return frozenset(w for w in re.findall(r"\b[a-z][a-z'’-]+\b", text))


def features(need: Need, text: str, title: str, date: str | None, *, cosine: float, lexical: float, rank: int,
             index: int, common: frozenset[str] = frozenset()) -> list[float]:
    """The reader's measures of one sentence; the same names and order as ``FEATURES``."""
    words = content(text)
    wset = set(words)
    tset = set(content(title))
    spans = values(text, need.kind, need.unit, common, need.counted) if need.kind != "open" else []
    new = _new(need, text, spans)
    near = 0.0
    if new and need.metric:
        lower = text.lower()
        positions = [m.start() for t in need.metric for m in re.finditer(re.escape(t[:5]), lower)]
        if positions:
            gap = min(abs(s[0] - p) for s in new for p in positions)
            near = 1.0 / (1.0 + gap / 40.0)
    metric = sum(t in wset for t in need.metric) / len(need.metric) if need.metric else 1.0
    # what the release is about: "What did X announce about batteries?" is answered by the battery release's lede
    metric_title = sum(t in tset for t in need.metric) / len(need.metric) if need.metric else 0.0
    subject = sum(t in wset for t in need.subject) / len(need.subject) if need.subject else 1.0
    subject_title = sum(t in wset or t in tset for t in need.subject) / len(need.subject) if need.subject else 1.0
    years_here = {int(y) for y in _YEAR.findall(text)}
    years_title = {int(y) for y in _YEAR.findall(title)}
    asked = set(need.years)
    release_year = int(date[:4]) if date and date[:4].isdigit() else 0
    mentioned = years_here | years_title
    # the period asked is missed when the sentence and title name only other years, or, naming none, the release
    # came out neither in it nor just after it (results for a year are published early the next)
    missed = bool(asked) and (not (asked & mentioned) if mentioned else
                              bool(release_year) and not ({release_year, release_year - 1} & asked))
    if missed and not years_here and release_year in asked and years_title and min(years_title) > release_year:
        missed = False  # "Schedules Through January 2010", published in 2009: its facts stand as of 2009
    if need.months and not missed:
        # "the October–December quarter" asked, a sentence of that year naming only April – June
        named = set(months(text))
        missed = bool(named) and not (named & set(need.months))
    quarter = 0.0
    if need.quarter:
        names = "|".join(k for k, v in _QUARTER_NO.items() if v == need.quarter)
        quarter = float(bool(re.search(rf"\b(?:{names})[- ]quarter\b|\bq{need.quarter}\b", f"{text} {title}", re.I))
                        or set(range(3 * need.quarter - 2, 3 * need.quarter + 1)) <= set(months(f"{text} {title}")))
    return [
        cosine, lexical, 1.0 / (1 + rank), 1.0 if index == 0 else 0.0,
        float(bool(spans)), float(bool(new)), near, metric, subject, subject_title,
        float(bool(asked)), float(bool(asked & years_here)), float(bool(asked & years_title)),
        float(bool(asked) and release_year in asked), float(missed),
        quarter, float(bool(_ROLE.search(text))), float(bool(re.search(r"[\"“”]", text))),
        math.log(1 + len(text.split())) / 4, float(need.kind == "open"),
        metric_title, metric_title * (index == 0),
    ]


class ReaderModel:
    """Logistic regression over ``FEATURES``: weights learned by ``benchmarks/train_reader.py``, read at run time."""

    def __init__(self, weights: dict[str, float], intercept: float, mean: list[float], scale: list[float],
                 threshold: float, meta: dict | None = None) -> None:
        self.weights = [weights.get(f, 0.0) for f in FEATURES]
        self.intercept = intercept
        self.mean, self.scale = mean, scale
        self.threshold = threshold
        self.meta = meta or {}

    def probability(self, x: list[float]) -> float:
        z = self.intercept + sum(w * (v - m) / (s or 1.0)
                                 for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def neutral(cls) -> ReaderModel:
        """Every sentence equally likely: for collecting features before a model exists."""
        return cls({}, 0.0, [0.0] * len(FEATURES), [1.0] * len(FEATURES), 0.0)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ReaderModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if list(data["features"]) != list(FEATURES):
            raise ValueError(f"{path} was fitted on other features; re-run benchmarks/train_reader.py")
        return cls(dict(zip(data["features"], data["coef"], strict=True)), data["intercept"], data["mean"],
                   data["scale"], data["threshold"], data.get("meta"))


@lru_cache(maxsize=1)
def default_model() -> ReaderModel:
    return ReaderModel.load()


def role_named(need: Need, text: str) -> bool:
    """Whether a sentence names the role a person question asks about ("CEO": the acronym, or chief and
    executive; "which minister": minister). True when the question names no role."""
    asked = set(need.roles) | {t for t in need.metric if _ROLE.fullmatch(t)}
    if not asked:
        return True
    words = set(content(text))
    acronyms = {a for a, spelt in _ROLE_ACRONYMS.items() if set(spelt) <= set(need.roles)}
    return asked <= words or any(re.search(rf"\b{a}\b", text) for a in acronyms)


def topic_share(topic: str, release_text: str) -> float:
    """Share of a topic's content words ("quantum computing partnership") that a release uses: hybrid retrieval
    ranks releases for a summary, and this keeps one that merely sounds alike from being summarised."""
    words = set(content(topic))
    release_words = set(content(release_text))
    return sum(t in release_words for t in words) / len(words) if words else 1.0


def answer_span(need: Need, text: str, common: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """Where in ``text`` the value asked for is: the value of the expected kind nearest the metric words that
    the question does not already name; None for open questions or when there is none."""
    if need.kind == "open":
        return None
    spans = _new(need, text, values(text, need.kind, need.unit, common, need.counted))
    if not spans:
        return None
    lower = text.lower()
    positions = [m.end() for t in need.metric for m in re.finditer(re.escape(t[:5]), lower)]
    if not positions:
        return spans[0]
    # the first value after a metric word (revenue "rose 6.8 percent to $2.36 billion" reads left to right)
    return min(spans, key=lambda s: min((s[0] - p if s[0] >= p else 3 * (p - s[0])) for p in positions))
