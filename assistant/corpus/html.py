"""HTML pages -> ``Release``: parsing, metadata (title, date, URL, source, author) and the body."""

from __future__ import annotations

import copy
import json
import re
from collections import deque
from typing import Any

from ..types import Release
from .cleanup import _clean_units, _norm, _Unit
from .dates import find_text_date, release_date, stated_in_text, url_date
from .decode import _clean_chars, _collapse, _Skip
from .engine import _engine_paragraphs, choose_body, readability_text
from .furniture import drop_furniture
from .html_blocks import (
    _NEVER_CONTENT,
    _attr_words,
    _flat_html_paragraphs,
    _render_blocks,
    _semantic_main,
    _strip_clutter,
)
from .release import MAX_URL_CHARS, _known, _title_from_paragraphs, _without_long_runs
from .titles import tidy_title

# JSON-LD that pages wrap for old XHTML parsers: "<![CDATA[ ... ]]>", "/*<![CDATA[*/", "<!-- ... -->".
_LD_WRAPPER = re.compile(r"^\s*(?:/[/*]\s*)?(?:<!\[CDATA\[|<!--)\s*(?:\*/)?|(?:/[/*]\s*)?(?:\]\]>|-->)\s*(?:\*/)?\s*$")
_LD_CONTAINERS = frozenset({"@graph", "mainEntity", "mainEntityOfPage", "itemListElement"})
_ARTICLE_TYPES = ("article", "newsarticle", "pressrelease", "blogposting", "report", "reportagenewsarticle")


def _release_from_html(text: str, *, name: str, id_base: str) -> Release:
    from lxml import etree
    from lxml import html as lxml_html

    text = _clean_chars(text)
    text = re.sub(r"^\s*<\?xml[^>]{0,200}\?>", "", text)  # lxml refuses str input that declares an encoding
    parser = lxml_html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        raise _Skip("no text left after removing page clutter") from None
    too_deep = any("depth" in e.message.lower() for e in parser.error_log)
    _body_from_head(root)

    meta = _html_meta(root)
    canonical = next(
        (
            link.get("href", "").strip()
            for link in root.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split()
        ),
        "",
    )
    url = next(
        (
            u
            for u in (canonical, meta.get("og:url", ""))
            if u.startswith(("http://", "https://")) and len(u) <= MAX_URL_CHARS
        ),
        None,
    )
    ld = _json_ld(root)
    title_tag = _collapse(root.findtext(".//title") or "")

    main = None if too_deep else _semantic_main(root)
    h1 = next((main if main is not None else root).iter("h1"), None)
    h1_text = _collapse(h1.text_content()) if h1 is not None else ""
    times = [t.get("datetime") for t in (main if main is not None else root).iter("time") if t.get("datetime")]
    times += [t.get("datetime") for t in root.iter("time") if t.get("datetime")]
    engine: list[str] | None = None
    if too_deep:
        # libxml2 stops at 2048 levels and drops the rest; a flat scan has no depth at all.
        paras = _flat_html_paragraphs(text)
    else:
        engine = _engine_paragraphs(_without_never_content(copy.deepcopy(root)))
        main = _strip_clutter(root, main)
        paras = _render_blocks(main, skip=h1)
    site_name = meta.get("og:site_name") or meta.get("application-name")
    title = _pick_title(meta.get("og:title"), ld.get("headline"), h1_text, title_tag, site_name)
    title = tidy_title(title, site_name=site_name, url=url)
    # Kickers, date lines and bylines above the first sentence are page furniture; keep the rest.
    paras, _, lead = _clean_units([_Unit(p, i) for i, p in enumerate(paras)], trim=True, trim_tail=too_deep)
    if engine is not None:
        paras = choose_body(engine, paras, third=lambda: readability_text(text))
    paras = _without_long_runs(drop_furniture(paras))
    paras = _after_headline(paras, title)
    if not paras:
        raise _Skip("no text left after removing page clutter")
    if _is_error_page(paras):
        raise _Skip(f"an error page ({paras[0][:80]}), not a release")
    text_date = find_text_date(lead + paras[:3])
    found_date = None
    for raw in (ld.get("datePublished"), *(meta.get(k) for k in _DATE_META), *times):
        found_date = release_date(raw, text_date) if isinstance(raw, str) else None
        if found_date:
            break
    return Release(
        id=url or id_base,
        title=title or _title_from_paragraphs(paras),
        text="\n\n".join(paras),
        date=found_date or text_date or url_date(url),
        # a date from a sentence of the text or from the URL is a guess, not the page's own statement
        date_inferred=not found_date and not (text_date and stated_in_text(lead + paras[:3], text_date))
        and bool(text_date or url_date(url)),
        source=_known(site_name) or _known(ld.get("publisher")),
        url=url,
        author=_known(meta.get("author")) or _known(ld.get("author")),
        path=name,
    )


# A saved "404 : Page Not Found" or "403 Forbidden" page: its whole text is the server's error.
_ERROR_TEXT = re.compile(
    r"\b(?:40[0-9]|410|5\d\d)\b.{0,40}\b(?:not found|forbidden|unauthori[sz]ed|gone|error|unavailable)\b"
    r"|\b(?:page|file|document|url)\b.{0,40}\b(?:not (?:be )?found|can(?:not|'t) be found|could not be found"
    r"|does not exist)\b",
    re.IGNORECASE,
)


def _is_error_page(paras: list[str]) -> bool:
    """A page whose text is short and says it is an HTTP error: nothing in it is a release."""
    text = " ".join(paras)
    return len(text) < 200 and bool(_ERROR_TEXT.search(text))


_BODY_TAGS = ("p", "div", "table", "td", "li", "h1", "h2", "article", "section", "span", "font", "center")


def _body_from_head(root: Any) -> None:
    """A page with no ``<body>`` tag whose first unknown tag sits in ``<head>`` (``<mbox>``) ends up,
    with everything after it, inside ``<head>`` as libxml2 parses it: there the head is the page's body
    (``<title>`` and ``<meta>`` in it are never read as text)."""
    head = root.find("head")
    if head is None or root.find("body") is not None:
        return
    if next(head.iter(*_BODY_TAGS), None) is not None:
        head.tag = "body"


def _after_headline(paras: list[str], title: str | None) -> list[str]:
    """The body without the headline repeated at its top, nor the kicker lines above it ("Press release ·
    Leadership", breadcrumbs): the main-text engine keeps both when they sit inside the article element."""
    if not title:
        return paras
    at = next((i for i, p in enumerate(paras[:4]) if _norm(p) == _norm(title)), None)
    if at is None or not all(len(p) <= 80 and not p.rstrip().endswith((".", "!", "?")) for p in paras[:at]):
        return paras
    return paras[at + 1:]


# Meta tags that carry the publication date, most specific first.
_DATE_META = (
    "article:published_time", "article:published", "datepublished", "pdate", "og:published_time",
    "published_time", "publish-date", "publish_date", "publishdate", "pubdate", "date", "dc.date.issued",
    "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "publication_date", "citation_publication_date",
    "sailthru.date", "parsely-pub-date",
)


def _html_meta(root: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = (m.get("content") or m.get("value") or "").strip()  # some CMSs write value=
        if key and content and key not in meta:
            meta[key] = content
    return meta


def _json_ld(root: Any) -> dict[str, Any]:
    """headline, datePublished, publisher and author from JSON-LD, article nodes first."""
    found: dict[str, Any] = {}
    nodes: deque[Any] = deque()
    for s in root.iter("script"):
        if (s.get("type") or "").strip().lower() == "application/ld+json":
            try:
                nodes.append(json.loads(_LD_WRAPPER.sub("", s.text or "")))
            except (ValueError, RecursionError):  # broken or absurdly nested metadata: the page still counts
                continue
    dicts: list[dict[str, Any]] = []
    while nodes and len(dicts) < 2000:
        node = nodes.popleft()
        if isinstance(node, list):
            nodes.extend(node)
        elif isinstance(node, dict):
            dicts.append(node)
            nodes.extend(v for k, v in node.items() if k in _LD_CONTAINERS)

    def is_article(d: dict[str, Any]) -> bool:
        t = d.get("@type")
        types = t if isinstance(t, list) else [t]
        return any(isinstance(x, str) and x.lower() in _ARTICLE_TYPES for x in types)

    for d in sorted(dicts, key=lambda d: not is_article(d)):
        for key in ("headline", "datePublished", "publisher", "author"):
            if key not in found and d.get(key):
                found[key] = d[key]
    return found


def _pick_title(og: str | None, headline: Any, h1: str, title_tag: str, site_name: str | None) -> str | None:
    """og:title, JSON-LD headline, the h1, then <title>, minus a " | Site name" tail.

    Some sites fill the JSON-LD "headline" with a description ("matrix equal to its conjugate-transpose"
    for "Hermitian matrix"): without an og:title, an h1 that the <title> repeats beats a headline it does not.
    """
    if not og and headline and h1 and _norm(h1) in _norm(title_tag) and _norm(str(headline)) not in _norm(title_tag):
        headline = None
    chosen = next((_collapse(str(t)) for t in (og, headline, h1, title_tag) if t and _collapse(str(t))), None)
    if not chosen:
        return None
    parts = [p.strip() for p in re.split(r"\s+[|–—:·•-]\s+", chosen) if p.strip()]
    if len(parts) > 1:
        if h1 and any(_norm(p) == _norm(h1) for p in parts):
            return h1
        if site_name and _norm(parts[-1]) == _norm(site_name):
            return chosen[: chosen.rfind(parts[-1])].rstrip(" |–—:·•-")
    return chosen


def _without_never_content(root: Any) -> Any:
    """The tree without scripts, styles, <noscript> fallbacks and the like, which are never page text
    (trafilatura keeps a <noscript>'s "Enable JavaScript"), and without reader comments marked as
    such (trafilatura keeps ``<article class="comment">`` inside a post as part of the post)."""
    total = len(root.text_content()) or 1
    for el in [el for el in root.iter() if isinstance(el.tag, str)]:
        if el.getparent() is None:
            continue
        if el.tag in _NEVER_CONTENT:
            el.drop_tree()
        elif _attr_words(el) & _COMMENT_WORDS and len(el.text_content()) < 0.5 * total:
            el.drop_tree()
    return root


_COMMENT_WORDS = frozenset({"comment", "comments", "commentlist", "disqus", "replies"})
