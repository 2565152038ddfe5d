"""Titles and dates of newsroom pages from other sites than the dev ones: other languages' section names,
other separators, a site name in front, and dates written or labelled in other ways.

Every page here is made up; each reproduces a way real newsroom pages write their <title> or date.
"""

from __future__ import annotations

import pytest

from assistant.corpus import load_bytes
from assistant.corpus.dates import find_text_date
from assistant.corpus.titles import tidy_title
from assistant.types import Release

T = "Council approves flood barrier"
BODY = ("The regional council approved a new flood barrier for the river town on Tuesday, after three winters "
        "in which the lower streets were under water for weeks. Construction starts in March and takes two years.")


def page_release(head: str, body: str = "") -> Release:
    page = f"<html><head>{head}</head><body><article>{body}<p>{BODY}</p></article></body></html>"
    [r] = list(load_bytes(page.encode(), "page.html"))
    assert isinstance(r, Release), r
    return r


@pytest.mark.parametrize(
    ("title", "site"),
    [
        (f"{T} – Pressemitteilungen – Stadt Köln", None),
        (f"{T} | Communiqués de presse | Orange", None),
        (f"{T} - Sala de prensa - Iberdrola", None),
        (f"{T} › Newsroom › Acme", None),
        (f"{T} / News / Acme Corp", None),
        (f"{T}｜株式会社アクメ", "株式会社アクメ"),
        (f"Home » News » {T}", None),
        (f"{T} - Press Release - Acme Inc.", None),
        (f"Acme Corp: {T}", "Acme Corp"),
        (f"Press release: {T}", None),
        (f"News release - {T}", None),
        (f"{T} :: Acme Newsroom ::", None),
    ],
)
def test_site_parts_leave_the_headline(title: str, site: str | None) -> None:
    assert tidy_title(title, site_name=site) == T


@pytest.mark.parametrize(
    "title",
    [
        "Acme and Beta merge - a new leader in flood defence",  # a dash inside a headline stays
        "Q3 results: revenue up 12 percent",  # a colon inside a headline stays
        "Input / output costs fall for the third month",
        "Beta Corp: the flood barrier we built for Acme",  # a name in front that is not the site
    ],
)
def test_headlines_with_separators_of_their_own_stay_whole(title: str) -> None:
    assert tidy_title(title, site_name="Acme") == title


def test_site_name_inside_the_headline_is_not_taken_for_the_site() -> None:
    # og:site_name "Acme" is inside the headline's first part; only the trailing site part goes.
    assert tidy_title("Acme opens a second plant :: Widget News ::", site_name="Acme") == "Acme opens a second plant"


def test_h1_that_the_title_repeats_beats_a_json_ld_description() -> None:
    ld = '{"@type": "Article", "name": "Hermitian matrix", "headline": "matrix equal to its conjugate-transpose"}'
    r = page_release(f"<title>Hermitian matrix - Wikipedia</title><script type='application/ld+json'>{ld}</script>",
                     "<h1>Hermitian matrix</h1>")
    assert r.title == "Hermitian matrix"


@pytest.mark.parametrize(
    "wrapped",
    [
        '<![CDATA[ {"@type": "NewsArticle", "datePublished": "2026-12-06T09:00:00-05:00"} ]]>',
        '/*<![CDATA[*/ {"@type": "NewsArticle", "datePublished": "2026-12-06T09:00:00-05:00"} /*]]>*/',
        '<!-- {"@type": "NewsArticle", "datePublished": "2026-12-06T09:00:00-05:00"} -->',
    ],
)
def test_json_ld_wrapped_for_old_parsers_gives_the_date(wrapped: str) -> None:
    r = page_release(f"<title>x</title><script type='application/ld+json'>{wrapped}</script>"
                     "<meta property='article:modified_time' content='2027-01-10T10:00:00Z'>")
    assert r.date == "2026-12-06"


@pytest.mark.parametrize(
    ("head", "body"),
    [
        ("", "<p class='date'>06.12.2026</p>"),
        ("", "<p>6 December 2026</p>"),
        ("", "<p>Posted: 06-Dec-2026 09:15</p>"),
        ("", "<p>Sunday, 6 December 2026 14:00 CET</p>"),
        ("<meta property='article:published_time' content='2026-12-06T23:30:00-08:00'>", ""),  # not the UTC 7th
        ("<meta property='article:published_time' content='2026-12-06T07:30:00+09:00'>", ""),  # not the UTC 5th
        ("<meta property='article:published_time' content='2026-12-07T07:30:00Z'>", "<p>LONDON, 6 December 2026 –</p>"),
        ("<link rel='canonical' href='https://acme.example/press/2026-12-06-flood-barrier'>", ""),
        ("<link rel='canonical' href='https://acme.example/news/20261206-flood'>", ""),
        ("", "<time datetime='2026-12-06T10:00:00+01:00'>6 Dec</time>"),
        ("", "<p>Last updated 10 January 2027</p><p>Published 6 December 2026</p>"),
    ],
)
def test_release_dates_written_in_other_ways(head: str, body: str) -> None:
    assert page_release("<title>x</title>" + head, body).date == "2026-12-06"


def test_an_updated_date_is_not_the_release_date_unless_it_is_the_only_one() -> None:
    assert find_text_date(["Updated: 2027-01-10 | Published: 2026-12-06"]) == "2026-12-06"
    assert find_text_date(["Updated 10 January 2027"]) == "2027-01-10"
    assert find_text_date(["LONDON, 6 December 2026 - The board updated its guidance on 3 May 2026."]) == "2026-12-06"
