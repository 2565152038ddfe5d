"""JSON and JSON Lines records -> ``Release``, one rejection per bad record, summed up when many."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..errors import BadInput
from ..types import Rejected, Release
from .decode import _Skip
from .release import _known, _link, _make_release

_LIST_KEYS = ("releases", "articles", "items", "data", "documents", "records")
_JSON_FIELDS = {
    "title": ("title", "headline", "name"),
    "body": ("body", "text", "content", "article"),
    "date": ("published_at", "date", "published", "datetime", "pubdate"),
    "url": ("url", "link", "permalink"),
    "source": ("source", "publisher", "outlet", "organisation", "organization"),
    "author": ("author", "byline"),
    "corrects": ("corrects", "replaces", "supersedes"),
}


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
            lowered = {str(k).lower() for k in data}
            if not lowered & set(_JSON_FIELDS["body"]):
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
    fields = {str(k).lower(): v for k, v in reversed(record.items())}

    def get(kind: str) -> Any:
        return next((fields[k] for k in _JSON_FIELDS[kind] if fields.get(k) not in (None, "")), None)

    body = get("body")
    if body is None:
        raise _Skip(f"record has no body text (looked for fields: {', '.join(_JSON_FIELDS['body'])})")
    if isinstance(body, list) and all(isinstance(p, str) for p in body):
        body = "\n\n".join(body)
    if not isinstance(body, str):
        raise _Skip(f"record's body is a JSON {type(body).__name__}, not text")
    if not body.strip():
        raise _Skip("record has an empty body")
    raw_date = get("date")
    if isinstance(raw_date, int | float) and not isinstance(raw_date, bool):
        seconds = raw_date / 1000 if raw_date > 1e11 else raw_date
        try:
            raw_date = datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raw_date = None
    url = _link(get("url"))
    title = get("title")
    release = _make_release(
        body,
        release_id=url or rid,
        title=title if isinstance(title, str) else None,
        date=raw_date if isinstance(raw_date, str) else None,
        url=url,
        source=get("source"),
        author=get("author"),
        path=name,
        light=True,
    )
    corrects = _known(get("corrects"))
    return replace(release, corrects=corrects) if corrects else release
