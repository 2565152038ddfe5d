"""Our own main-content finder for HTML: clutter stripping, the densest block, and rendering
block elements as paragraphs (with a streaming reader for pages nested too deeply for a tree)."""

from __future__ import annotations

import re
from typing import Any

from .decode import _collapse

_NEVER_CONTENT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "canvas",
        "object",
        "embed",
        "head",
        "title",
        "meta",
        "link",
    }
)
_CLUTTER_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "form", "button", "select", "input", "textarea", "dialog", "menu"}
)
_CLUTTER_WORDS = frozenset(
    "nav navbar navigation navi menu menubar megamenu breadcrumb breadcrumbs crumbs share shares sharing "
    "sharebar addthis social socials cookie cookies consent gdpr banner sidebar related footer lang "
    "language languages langswitch subscribe subscription newsletter skip skiplink toolbar masthead topbar "
    "pagination pager popup modal advert advertisement ads sponsor sponsored comments disqus".split()
)
_CLUTTER_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "dialog",
        "alertdialog",
        "toolbar",
    }
)
_HIDDEN_CLASSES = ("sr-only", "visually-hidden", "visuallyhidden", "screen-reader")
_BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table thead tbody tfoot "
    "tr figure figcaption address hr br center caption details summary fieldset legend body html hgroup "
    "header footer aside nav form".split()
)


def _attr_words(el: Any) -> set[str]:
    raw = " ".join(el.get(a) or "" for a in ("class", "id", "aria-label"))
    raw = re.sub(r"([a-z])([A-Z])", r"\1 \2", raw).lower()
    return set(re.split(r"[^a-z0-9]+", raw))


def _is_clutter(el: Any) -> bool:
    tag = el.tag
    if tag in _CLUTTER_TAGS:
        return True
    if (el.get("role") or "").strip().lower() in _CLUTTER_ROLES:
        return True
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    if re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", el.get("style") or "", re.IGNORECASE):
        return True
    cls = (el.get("class") or "").lower()
    if any(h in cls for h in _HIDDEN_CLASSES):
        return True
    return bool(_attr_words(el) & _CLUTTER_WORDS)


def _semantic_main(root: Any) -> Any | None:
    articles = list(root.iter("article"))[:50]
    if articles:
        return max(articles, key=lambda a: len(a.text_content()))
    main = next(root.iter("main"), None)
    if main is not None:
        return main
    return next((el for el in root.iter() if (el.get("role") or "").lower() == "main"), None)


def _strip_clutter(root: Any, main: Any | None) -> Any:
    """Remove scripts, menus and the like; return the element holding the release.

    An element that holds the chosen main content, or most of the page's paragraph text, is
    never removed: some sites wrap the whole page in ``<form>`` or give the layout wrapper a
    class like ``with-sidebar``.
    """
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    for el in elements:
        if el.tag in _NEVER_CONTENT and el.getparent() is not None:
            el.drop_tree()
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    text_len = _block_text_lengths(elements)
    total = text_len.get(root, 0)
    protected: set[Any] = {root}
    if main is not None:
        protected.update(main.iterancestors())
        protected.add(main)
    for el in elements:
        if el in protected or el.tag in {"body", "main", "article"}:
            continue
        if total and text_len.get(el, 0) > 0.5 * total:
            continue
        if _is_clutter(el) and el.getparent() is not None:
            el.drop_tree()
    if main is not None and len(main.text_content()) >= 0.3 * len(root.text_content()):
        return main
    return _densest(root)


def _block_text_lengths(elements: list[Any]) -> dict[Any, int]:
    """Paragraph-like text per subtree, summed bottom-up in one pass (linear, no recursion)."""
    own: dict[Any, int] = {}
    for el in elements:
        if el.tag == "p":
            own[el] = len(el.text_content().strip())
        elif el.tag in {"div", "td", "section", "blockquote"}:
            direct = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
            own[el] = direct if direct >= 80 else 0
    total = dict(own)
    for el in reversed(elements):
        parent = el.getparent()
        if parent is not None and total.get(el):
            total[parent] = total.get(parent, 0) + total[el]
    return total


def _densest(root: Any) -> Any:
    """The element whose children carry the most paragraph text (readability's idea)."""
    score: dict[Any, float] = {}
    for el in root.iter("p", "div", "td", "section", "blockquote"):
        if el.tag == "p":
            n = len(el.text_content().strip())
        else:
            n = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
            if n < 80:
                continue
        parent = el.getparent() if el.tag == "p" else el
        if parent is None or n == 0:
            continue
        score[parent] = score.get(parent, 0) + n
        grand = parent.getparent()
        if grand is not None:
            score[grand] = score.get(grand, 0) + n / 2
    if score:
        return max(score, key=lambda e: score[e])
    body = root.find("body")
    return body if body is not None else root


def _render_blocks(main: Any, *, skip: Any | None) -> list[str]:
    """Block elements become paragraphs, inline ones flow together, like a browser shows them."""
    from lxml import etree

    paras: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            p = _collapse("".join(buf))
            if p:
                paras.append(p)
            buf.clear()

    walker = etree.iterwalk(main, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                flush()
            elif tag in {"td", "th"}:
                buf.append(" ")
            if el is skip or tag in _NEVER_CONTENT:
                walker.skip_subtree()
                continue
            if el.text and tag:
                buf.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
            if el is not main and el.tail:
                buf.append(el.tail)
    flush()
    return paras


class _FlatHTML:
    """Streaming text extraction for pages too deeply nested for a tree: no recursion, no depth.

    A parser target for lxml: libxml2 reads the page as a stream of balanced start and end
    events and builds no tree, so depth costs nothing. (The standard library's ``HTMLParser``
    was used before; on the Python we run (3.11.7) it takes quadratic time over unclosed tags
    like ``<a <a <a``: 5 s for 24 KB of them, many minutes for a few hundred KB.)
    """

    def __init__(self) -> None:
        self.stack: list[bool] = []
        self.skipping = 0
        self.paras: list[str] = []
        self.buf: list[str] = []

    def _flush(self) -> None:
        p = _collapse("".join(self.buf))
        if p:
            self.paras.append(p)
        self.buf.clear()

    def start(self, tag: str, attrib: Any) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
        skip = tag in _NEVER_CONTENT or tag == "h1" or tag in _CLUTTER_TAGS
        if attrib and not skip:
            skip = _is_clutter(_AttrView(tag, dict(attrib)))
        self.stack.append(skip)
        self.skipping += skip

    def end(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
        if self.stack:
            self.skipping -= self.stack.pop()

    def data(self, data: str) -> None:
        if not self.skipping:
            self.buf.append(data)

    def close(self) -> list[str]:
        self._flush()
        return self.paras


class _AttrView:
    """Just enough of an lxml element (``tag``, ``get``) for ``_is_clutter`` to read."""

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrs.get(key, default)


def _flat_html_paragraphs(text: str) -> list[str]:
    from lxml import etree

    parser = etree.HTMLParser(target=_FlatHTML(), huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        paras: list[str] = etree.fromstring(text, parser)
    except (etree.LxmlError, ValueError):
        return []
    return paras
