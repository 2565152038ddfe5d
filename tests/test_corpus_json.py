"""JSON as content APIs publish it: bodies in nested fields, HTML bodies read as HTML, metadata at any depth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus import load_bytes, load_file
from assistant.types import Rejected, Release
from tests.test_corpus import BODY, MULTIHOP, reason, release, write

BODY_HTML = (
    '<div class="govspeak"><p>The department will fund 40 new school kitchens this year.</p>'
    "<ul><li>25 in primary schools</li><li>15 in secondary schools</li></ul>"
    "<h2>Further information</h2><ul><li><a href='/guidance'>Guidance for schools</a></li></ul></div>"
)


def one(record: object, name: str = "item.json") -> Release:
    [r] = list(load_bytes(json.dumps(record).encode(), name))
    assert isinstance(r, Release), r
    return r


def test_a_govuk_content_item_is_read_not_rejected() -> None:
    item = {  # the shape of GOV.UK's Content API: body HTML under details.body, a big links block
        "base_path": "/government/news/school-kitchens", "content_id": "d0ee80cd", "schema_name": "news_article",
        "title": "New school kitchens funded", "description": "Forty kitchens.",
        "first_published_at": "2016-12-25T00:15:06.000+00:00", "public_updated_at": "2017-01-03T09:00:00.000+00:00",
        "links": {"organisations": [{"title": "Department for Education", "base_path": "/government/dfe"}]},
        "details": {"body": BODY_HTML, "image": {"url": "https://assets.example/kitchen.jpg"}},
    }  # fmt: skip
    r = one(item)
    assert (r.title, r.date) == ("New school kitchens funded", "2016-12-25")
    assert r.url == r.id == "https://www.gov.uk/government/news/school-kitchens"  # not the image's url
    assert r.text.split("\n\n") == [
        "Forty kitchens.",  # the description: the page shows it as the standfirst
        "The department will fund 40 new school kitchens this year.",
        "25 in primary schools",
        "15 in secondary schools",
    ]  # the HTML is read as HTML: no tags, list items as lines, the "Further information" links gone


def test_a_wordpress_post_list_reads_rendered_fields() -> None:
    posts = [{
        "id": 7, "date": "2024-03-05T21:30:00", "date_gmt": "2024-03-06T02:30:00", "link": "https://blog.example/kitchens",
        "title": {"rendered": "Kitchens &#8211; forty of them"}, "content": {"rendered": BODY_HTML, "protected": False},
        "_links": {"self": [{"href": "https://blog.example/wp-json/wp/v2/posts/7"}]},
    }]  # fmt: skip
    [r] = list(load_bytes(json.dumps(posts).encode(), "posts.json"))
    assert isinstance(r, Release)
    assert (r.title, r.date, r.url) == ("Kitchens – forty of them", "2024-03-05", "https://blog.example/kitchens")
    assert "<" not in r.text and "25 in primary schools" in r.text


def test_body_html_and_metadata_at_any_depth() -> None:
    record = {"data": {"attributes": {"headline": "Kitchens", "body": {"html": BODY_HTML},
                                      "published": "2022-05-01", "author": {"name": "Sam Lee"}}}}
    r = one(record)
    assert (r.title, r.date, r.author) == ("Kitchens", "2022-05-01", "Sam Lee")
    assert r.text.startswith("The department will fund 40 new school kitchens")


def test_an_object_without_any_body_still_says_why() -> None:
    [r] = list(load_bytes(json.dumps({"title": "T", "details": {"summary": "no body"}}).encode(), "x.json"))
    assert isinstance(r, Rejected) and "holds no records" in r.reason


def test_plain_text_bodies_keep_every_word() -> None:
    text = "Tags: kitchens\n\nAbout the fund\n\nThe fund pays for kitchens."  # evaluation data quotes such bodies
    assert one({"title": "T", "body": text}).text == text


# ---------------------------------------------------------------------------------------------
# JSON and JSON Lines
# ---------------------------------------------------------------------------------------------


def test_jsonl_broken_line_is_rejected_and_the_rest_load(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"headline": "First", "text": BODY, "link": "https://a.example/1", "date": "March 3, 2025"}
        ),
        '{"title": "Broken", "body": "no closing brace"',
        json.dumps({"title": "Third", "content": "Third body.\n\n  Second   paragraph.", "byline": "null"}),
        "",
    ]
    p = write(tmp_path, "feed.jsonl", "\n".join(lines))
    results = list(load_file(p, tmp_path))
    assert [type(r) for r in results] == [Release, Rejected, Release]
    first, broken, third = results
    assert isinstance(first, Release) and isinstance(broken, Rejected) and isinstance(third, Release)
    assert (first.id, first.title, first.date) == ("https://a.example/1", "First", "2025-03-03")
    assert broken.path == f"{p} line 2" and broken.reason.startswith("not valid JSON")
    assert (third.id, third.author, third.text) == ("feed.jsonl#2", None, "Third body.\n\nSecond paragraph.")


def test_json_list_and_records_without_body(tmp_path: Path) -> None:
    records = [
        {"title": "One", "body": BODY, "published_at": "2023-11-27 08:45:59.000000000Z", "source": "Acme",
         "author": "None"},
        {"title": "No body here", "summary": "A summary is not a body."},
        {"title": "Three", "article": "Body three.", "publisher": {"name": "Wire"}, "url": "https://w.example/3"},
    ]  # fmt: skip
    results = list(load_file(write(tmp_path, "all.json", json.dumps(records)), tmp_path))
    one, missing, three = results
    assert isinstance(one, Release) and isinstance(three, Release) and isinstance(missing, Rejected)
    assert (one.id, one.date, one.source, one.author, one.text) == (
        "all.json#0",
        "2023-11-27",
        "Acme",
        None,
        BODY,
    )
    assert "no body text" in missing.reason and "body, text, content, article" in missing.reason
    assert (three.id, three.source) == ("https://w.example/3", "Wire")


@pytest.mark.parametrize("key", ["releases", "articles", "items", "data", "documents", "records"])
def test_json_object_holding_a_list(tmp_path: Path, key: str) -> None:
    p = write(tmp_path, "wrapped.json", json.dumps({"count": 1, key: [{"title": "T", "body": BODY}]}))
    assert [r.title for r in load_file(p) if isinstance(r, Release)] == ["T"]


def test_json_single_record_and_bad_json(tmp_path: Path) -> None:
    r = release(write(tmp_path, "one.json", json.dumps({"name": "Solo", "text": BODY})), tmp_path)
    assert (r.id, r.title, r.date) == ("one.json", "Solo", "2025-03-03")
    assert reason(write(tmp_path, "bad.json", '{"title": "x",')).startswith("not valid JSON")
    assert "no records" in reason(write(tmp_path, "empty.json", "[]"))


def test_json_bodies_keep_every_word(tmp_path: Path) -> None:
    body = "Short line\n\nA | B\n\nShare\n\nBack to top\n\n© 2025 Acme   with\tspaces"
    r = release(write(tmp_path, "words.json", json.dumps([{"title": "W", "body": body}])))
    assert r.text == "Short line\n\nA | B\n\nShare\n\nBack to top\n\n© 2025 Acme with spaces"


@pytest.mark.skipif(not MULTIHOP.exists(), reason="MultiHop-RAG corpus not present")
def test_multihop_corpus_loads_every_article() -> None:
    records = json.loads(MULTIHOP.read_text(encoding="utf-8"))
    results = list(load_file(MULTIHOP))
    assert len(results) == 609 and all(isinstance(r, Release) for r in results)
    for r, rec in zip(results, records, strict=True):
        assert isinstance(r, Release)
        assert r.id == r.url == rec["url"]
        assert r.date == rec["published_at"][:10]
        assert r.source == rec["source"]
        assert r.author == (rec["author"] or None)  # "" and null both mean unknown
        assert "".join(r.text.split()) == "".join(rec["body"].split())
