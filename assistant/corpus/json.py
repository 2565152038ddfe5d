"""JSON and JSON Lines records -> ``Release``, one rejection per bad record, summed up when many."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..errors import BadInput
from ..types import Rejected, Release
from .decode import _Skip
from .release import _known, _link, _make_release

_LIST_KEYS = ("releases", "articles", "items", "data", "documents", "records")
# Field names as content APIs and exports write them, most specific first. A field may sit at any
# depth ("details.body" on GOV.UK) and may hold an object with the text inside ("content.rendered"
# on WordPress, "body.html", "body.value" on Drupal); see ``_find``.
_JSON_FIELDS = {
    "title": ("title", "headline", "name"),
    "body": ("body", "text", "content", "article", "articlebody", "body_html", "content_html", "html",
             "full_text", "fulltext", "main_text"),
    "date": ("published_at", "first_published_at", "date", "published", "datetime", "pubdate", "date_published",
             "datepublished", "publication_date", "publish_date", "first_public_at", "created_at",
             "public_updated_at", "date_gmt", "webpublicationdate"),
    "url": ("url", "link", "permalink", "web_url", "weburl", "canonical_url", "html_url"),
    "source": ("source", "publisher", "outlet", "organisation", "organization"),
    "author": ("author", "byline"),
    "corrects": ("corrects", "replaces", "supersedes"),
    # the standfirst a content API keeps beside the body (GOV.UK "description"): the page shows it first
    "lede": ("description", "standfirst", "summary", "excerpt", "dek", "subheadline"),
}
# Inside a field's object, where the text is.
_TEXT_KEYS = ("rendered", "html", "value", "text", "raw", "content", "body")
# Blocks that describe other documents (GOV.UK "links", WordPress "_links"/"_embedded"): never read.
_OTHER_DOCUMENTS = frozenset({
    "links", "_links", "_embedded", "related", "children", "parent", "meta", "seo", "change_history",
    "image", "images", "thumbnail", "featured_image", "featured_media", "media", "logo", "avatar", "video", "photo",
    "attachments", "documents",
})  # and what describes an image or a file: its "url" and "title" are not the release's
# "name" is a title only at the top level; deeper down it is an author's or an organisation's name.
_TOP_LEVEL_ONLY = frozenset({"name"})
_MAX_DEPTH = 4
_NAMED = frozenset({"source", "author"})  # {"name": ...} objects: ``_known`` reads them
_LOOKS_HTML = re.compile(r"<(?:p|div|br|h[1-6]|ul|ol|li|table|blockquote|span|a|strong|em|b|i|section)\b[^>]*>",
                         re.IGNORECASE)


def _unwrap(value: Any) -> Any:
    """The text inside ``{"rendered": ...}``-style objects (one level), else the value itself."""
    if isinstance(value, dict):
        lowered = {str(k).lower(): v for k, v in value.items()}
        return next((lowered[k] for k in _TEXT_KEYS if lowered.get(k) not in (None, "", [], {})), None)
    return value


def _nodes(record: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
    """The record and its nested objects, breadth first, keys lower-cased (the first spelling wins)."""
    out: list[tuple[dict[str, Any], int]] = []
    queue: list[tuple[dict[str, Any], int]] = [(record, 0)]
    while queue and len(out) < 200:
        node, depth = queue.pop(0)
        fields = {str(k).lower(): v for k, v in reversed(node.items())}
        out.append((fields, depth))
        if depth < _MAX_DEPTH:
            queue.extend((v, depth + 1) for k, v in fields.items() if isinstance(v, dict) and k not in _OTHER_DOCUMENTS)
    return out


def _find(nodes: list[tuple[dict[str, Any], int]], kind: str) -> Any:
    """The first non-empty ``kind`` field, top level first, then nested objects breadth first."""
    for fields, depth in nodes:
        for key in _JSON_FIELDS[kind]:
            if depth and key in _TOP_LEVEL_ONLY:
                continue
            value = fields.get(key)
            value = value if kind in _NAMED else _unwrap(value)
            if value not in (None, "", [], {}):
                return value
    return None


def _html_body(body: str) -> str:
    """An HTML body (GOV.UK, WordPress, Drupal) as paragraphs of text, release furniture removed."""
    from lxml import html as lxml_html

    from .furniture import drop_furniture
    from .html_blocks import _render_blocks

    root = lxml_html.document_fromstring(f"<html><body>{body}</body></html>")
    paras = drop_furniture(_render_blocks(root.find("body"), skip=None))
    return "\n\n".join(paras)




def _releases_from_json(text: str, *, name: str, id_base: str, lines: bool) -> Iterator[Release | Rejected]:
    if lines:
        yield from _listed(_json_lines(text, name=name, id_base=id_base), name=name, unit="lines")
        return
    try:
        data = json.loads(text)
    except ValueError as e:
        msg = str(getattr(e, "msg", e)).removesuffix(" at")  # "Unterminated string starting at"
        line, col = getattr(e, "lineno", "?"), getattr(e, "colno", "?")
        raise _Skip(f"not valid JSON: {msg} at line {line} column {col}") from None
    if isinstance(data, dict):
        records = next((data[k] for k in _LIST_KEYS if isinstance(data.get(k), list)), None)
        if records is None:
            if _find(_nodes(data), "body") is None:
                raise _Skip(
                    "JSON object holds no records: expected a list of records, a list under one of "
                    f"{', '.join(repr(k) for k in _LIST_KEYS)}, or one record with a "
                    f"{'/'.join(_JSON_FIELDS['body'])} field"
                )
            yield _record_or_rejected(data, rid=id_base, where=name, name=name)
            return
    elif isinstance(data, list):
        records = data
    else:
        raise _Skip("JSON holds a single value, not records")
    if not records:
        raise _Skip("JSON holds no records")
    yield from _listed(
        (
            _record_or_rejected(record, rid=f"{id_base}#{i}", where=f"{name}#{i}", name=name)
            for i, record in enumerate(records)
        ),
        name=name,
        unit="records",
    )


def _json_lines(text: str, *, name: str, id_base: str) -> Iterator[Release | Rejected]:
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name} line {n}"
        try:
            record = json.loads(line)
        except ValueError as e:
            yield Rejected(where, f"not valid JSON: {getattr(e, 'msg', e)} (column {getattr(e, 'colno', '?')})")
            continue
        except RecursionError:
            yield Rejected(where, "not read: the JSON is nested too deeply")
            continue
        yield _record_or_rejected(record, rid=f"{id_base}#{n - 1}", where=where, name=name)


# A file of 10,000 bad records gets a few lines in the report, not 10,000.
MAX_LISTED_REJECTIONS = 20


def _listed(items: Iterator[Release | Rejected], *, name: str, unit: str) -> Iterator[Release | Rejected]:
    """The items in order, with the rejected ones summed up when there are many.

    Rejections are held back until the first release: when none comes and every record failed
    for the same reason, the file gets one line saying so.
    """
    held: list[Rejected] = []
    listed = more = 0
    first_unlisted: Rejected | None = None
    loaded = False

    def listing(batch: list[Rejected]) -> Iterator[Rejected]:
        nonlocal listed, more, first_unlisted
        for r in batch:
            if listed < MAX_LISTED_REJECTIONS:
                listed += 1
                yield r
            else:
                more += 1
                first_unlisted = first_unlisted or r

    for item in items:
        if isinstance(item, Release):
            loaded = True
            yield from listing(held)
            held.clear()
            yield item
        elif loaded:
            yield from listing([item])
        else:
            held.append(item)
    if len(held) > 1 and len({r.reason for r in held}) == 1:
        yield Rejected(name, f"none of its {len(held)} {unit} could be read: {held[0].reason}")
        return
    yield from listing(held)
    if first_unlisted is not None:
        yield Rejected(
            name,
            f"{more} more {unit} were rejected, the first of them {first_unlisted.path}: {first_unlisted.reason}",
        )


def _record_or_rejected(record: Any, *, rid: str, where: str, name: str) -> Release | Rejected:
    """One record, isolated: whatever is wrong with it, the file's other records still load."""
    try:
        return _release_from_record(record, rid=rid, name=name)
    except (_Skip, BadInput) as e:
        return Rejected(where, str(e))
    except RecursionError:
        return Rejected(where, "not read: the record is nested too deeply")
    except Exception as e:  # noqa: BLE001 - one odd record must not lose the rest of the file
        return Rejected(where, f"could not read this record ({type(e).__name__}: {e})")


def _release_from_record(record: Any, *, rid: str, name: str) -> Release:
    if not isinstance(record, dict):
        raise _Skip(f"record is a JSON {type(record).__name__}, not an object")

    nodes = _nodes(record)

    def get(kind: str) -> Any:
        return _find(nodes, kind)

    body = get("body")
    if body is None:
        raise _Skip(f"record has no body text (looked for fields: {', '.join(_JSON_FIELDS['body'])})")
    if isinstance(body, list) and all(isinstance(p, str) for p in body):
        body = "\n\n".join(body)
    if not isinstance(body, str):
        raise _Skip(f"record's body is a JSON {type(body).__name__}, not text")
    if not body.strip():
        raise _Skip("record has an empty body")
    is_html = bool(_LOOKS_HTML.search(body[:5000]))
    if is_html:
        body = _html_body(body)
    lede = get("lede")
    if isinstance(lede, str) and lede.strip() and _LOOKS_HTML.search(lede[:5000]):
        lede = _html_body(lede)
    if isinstance(lede, str) and lede.strip() and " ".join(lede.split()) not in " ".join(body.split()):
        body = f"{lede.strip()}\n\n{body}"
    raw_date = get("date")
    if isinstance(raw_date, int | float) and not isinstance(raw_date, bool):
        seconds = raw_date / 1000 if raw_date > 1e11 else raw_date
        try:
            raw_date = datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raw_date = None
    url = _link(get("url")) or _govuk_url(record)
    title = get("title")
    release = _make_release(
        body,
        release_id=url or rid,
        # a content API's HTML record writes its title with entities ("&#8211;"); a plain record's title
        # is kept as written, as evaluation data that quotes it expects
        title=(html.unescape(title) if is_html else title) if isinstance(title, str) else None,
        date=raw_date if isinstance(raw_date, str) else None,
        url=url,
        source=get("source"),
        author=get("author"),
        path=name,
        light=True,
    )
    corrects = _known(get("corrects"))
    return replace(release, corrects=corrects) if corrects else release


def _govuk_url(record: dict[str, Any]) -> str | None:
    """GOV.UK Content API items give the page's path only; the page is that path on www.gov.uk."""
    path = record.get("base_path")
    if isinstance(path, str) and path.startswith("/") and "content_id" in record and "schema_name" in record:
        return _link("https://www.gov.uk" + path)
    return None
