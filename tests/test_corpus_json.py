"""JSON as content APIs publish it: bodies in nested fields, HTML bodies read as HTML, metadata at any depth."""

from __future__ import annotations

import json

from assistant.corpus import load_bytes
from assistant.types import Rejected, Release

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
