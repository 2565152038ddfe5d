"""Files and pages -> releases: what a user sees after ingest (titles, dates, ids, clean text, reasons)."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest

from assistant.corpus import (
    SUPPORTED_SUFFIXES,
    iter_files,
    load_bytes,
    load_file,
    parse_date,
    release_from_text,
)
from assistant.errors import BadInput
from assistant.types import Rejected, Release

ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = "000_db7f590154eb122a.txt"
SEED = next(
    (p for p in (ROOT / "corpus" / SEED_NAME, ROOT.parent / "shared" / "seeds" / SEED_NAME) if p.exists()),
    None,
)
MULTIHOP = ROOT.parent / "shared" / "data" / "multihop-rag" / "corpus_train.json"

BODY = (
    "TOLEDO, Ohio, March 3, 2025 -- Acme Robotics today opened an assembly plant in Toledo that will "
    "build industrial robot arms for carmakers and food producers."
)


# A newsroom page with the usual clutter around one release. Kept inline, not as a file, because
# the repository ignores every folder named data/.
NEWSROOM_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Acme Robotics Opens Toledo Assembly Plant | Acme Robotics Newsroom</title>
  <meta property="og:title" content="Acme Robotics Opens Toledo Assembly Plant | Acme Robotics Newsroom">
  <meta property="og:site_name" content="Acme Robotics Newsroom">
  <meta property="og:url" content="https://news.acme.example/2025/03/03/toledo-plant?utm_source=og">
  <meta name="author" content="Riley Chen">
  <link rel="canonical" href="https://news.acme.example/2025/03/03/toledo-plant">
  <style>.cookie-banner { position: fixed; }</style>
  <script>window.dataLayer = [{event: "pageview"}];</script>
  <script type="application/ld+json">
  {"@context": "https://schema.org", "@graph": [
    {"@type": "WebSite", "name": "Acme Robotics Newsroom", "url": "https://news.acme.example/"},
    {"@type": "NewsArticle", "headline": "Acme Robotics Opens Toledo Assembly Plant",
     "datePublished": "2025-03-03T09:00:00-05:00", "dateModified": "2025-03-05T12:00:00-05:00",
     "publisher": {"@type": "Organization", "name": "Acme Robotics"}}
  ]}
  </script>
</head>
<body class="layout-with-sidebar">
  <a class="skip-link" href="#content">Skip to main content</a>
  <div id="cookie-consent" class="cookie-banner">We use cookies to improve your experience.
    <button>Accept all</button></div>
  <header class="site-header">
    <div class="lang-switch"><a href="/en">EN</a> <a href="/de">DE</a> Language Switch</div>
    <nav aria-label="Main menu"><ul><li><a href="/">Home</a></li><li><a href="/news">Newsroom</a></li>
      <li><a href="/careers">Careers at Acme</a></li></ul></nav>
  </header>
  <div class="breadcrumbs"><a href="/">Home</a> › <a href="/news">News</a> › Toledo plant</div>
  <main id="content">
    <article class="press-release">
      <h1>Acme Robotics Opens Toledo Assembly Plant</h1>
      <div class="meta">Press release · <time datetime="2025-03-01">1 March 2025</time></div>
      <p>TOLEDO, Ohio, March 3, 2025 -- Acme Robotics today opened a <strong>120,000-square-foot</strong>
         assembly plant in Toledo that will build <a href="/products/arm">industrial robot arms</a> for
         carmakers and food producers.</p>
      <p>The plant employs 340 people and will reach full output of 6,000 arms a year by the end of 2026.</p>
      <div class="social-share">Share this article <a href="#">Facebook</a> <a href="#">LinkedIn</a></div>
      <blockquote>"Toledo has the skilled workforce we need," said Dana Ortiz,
        chief executive officer of Acme Robotics.</blockquote>
      <h2>About Acme Robotics</h2>
      <p>Acme Robotics designs and builds industrial robots.
        It was founded in 1987 and is based in Columbus, Ohio.</p>
      <p>Media contact: Sam Lee, press@acme.example, +1 555 0100</p>
    </article>
  </main>
  <aside class="sidebar"><h3>Related news</h3>
    <ul><li><a href="/a">Acme wins design award for its gripper</a></li></ul></aside>
  <footer class="site-footer"><p>Follow us on LinkedIn</p>
    <p>© 2025 Acme Robotics. All rights reserved.</p></footer>
  <script>document.querySelector(".cookie-banner").remove();</script>
</body>
</html>
"""


def load_one(path: Path, root: Path | None = None, **kw: int) -> Release | Rejected:
    results = list(load_file(path, root, **kw))
    assert len(results) == 1, results
    return results[0]


def release(path: Path, root: Path | None = None) -> Release:
    r = load_one(path, root)
    assert isinstance(r, Release), r
    return r


def reason(path: Path, **kw: int) -> str:
    r = load_one(path, **kw)
    assert isinstance(r, Rejected), r
    assert r.path == str(path)
    return r.reason


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        p.write_text(content, encoding="utf-8")
    else:
        p.write_bytes(content)
    return p


# ---------------------------------------------------------------------------------------------
# Browser-saved text: the seed page
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(SEED is None, reason="seed page not present")
def test_seed_page_keeps_the_release_and_drops_the_site() -> None:
    assert SEED is not None
    r = release(SEED)
    assert (
        r.title
        == "Strategic Cooperation Agreement Signed between China Unicom and Shandong Heavy Industry Group"
    )
    assert r.date == "2022-07-30"
    assert r.id == SEED_NAME
    assert r.path == str(SEED)
    assert r.text.startswith("On the afternoon of July 30, 2022, China United Network")
    assert r.text.endswith("with excellent achievements.")
    # Every prose paragraph of the page, in order, and nothing else.
    prose = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if len(line) > 200]
    assert r.text.split("\n\n") == prose
    for clutter in (
        "Language Switch",
        "Back to top",
        "Global R & D personnel",
        "5,000,000 units",
        "Media center",
    ):
        assert clutter not in r.text
    assert r.title not in r.text


def test_txt_release_drops_about_and_media_contact(tmp_path: Path) -> None:
    text = (
        "Skip to main content\nHome\nNewsroom\nHome > Newsroom > Press releases\n\n"
        "Acme Robotics Opens Toledo Assembly Plant\n\n"
        "2025-03-03 | Press release | Share: LinkedIn X Email\n\n"
        f"{BODY}\n\n"
        "The plant employs 340 people and will reach full output by the end of 2026.\n\n"
        "About Acme Robotics\nAcme Robotics designs and builds industrial robots for factories worldwide.\n\n"
        "Media contact\nSam Lee\npress@acme.example\n555-0100\n\n"
        "Related news\n\nAcme Wins Design Award\n2025-01-10\n\n"
        "Back to top\n\n20000 +\nRobots shipped\n\n© 2025 Acme Robotics. All rights reserved.\n"
    )
    r = release(write(tmp_path, "news/2025/toledo.txt", text), tmp_path)
    assert r.id == "news/2025/toledo.txt"
    assert r.title == "Acme Robotics Opens Toledo Assembly Plant"
    assert r.date == "2025-03-03"
    assert r.text.startswith(BODY) and r.text.endswith("by the end of 2026.")
    # release furniture goes with the site's: the boilerplate "About" block and the press officer
    for clutter in ("Skip to", "Newsroom", "Share:", "Related news", "Design Award", "Robots shipped", "©",
                    "About Acme", "designs and builds", "press@acme.example", "555-0100", "Sam Lee"):
        assert clutter not in r.text


def test_txt_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    text = (
        "Acme Names New Chief Executive\n\n"
        "COLUMBUS, Ohio, 12 June 2023 -- Acme Robotics today named Dana Ortiz as its\n"
        "chief executive officer, effective July 1, succeeding the founder who led the\n"
        "company for thirty years.\n\n"
        "Ortiz joined Acme in 2009.\n"
    )
    r = release(write(tmp_path, "ceo.txt", text))
    assert r.title == "Acme Names New Chief Executive"
    assert r.date == "2023-06-12"
    first = r.text.split("\n\n")[0]
    assert first.startswith("COLUMBUS") and first.endswith("thirty years.") and "\n" not in first


def test_release_from_text_cleans_like_a_txt_file_and_finds_a_prose_date() -> None:
    r = release_from_text(
        "Menu\nShare\n\nPlant Opening Ceremony Held in Jinan\n\n"
        "On the afternoon of July 30, 2022, the two companies held a signing ceremony in Jinan.\n\n"
        "Back to top\n",
        release_id="upload-1",
    )
    assert (r.id, r.title, r.date) == ("upload-1", "Plant Opening Ceremony Held in Jinan", "2022-07-30")
    assert r.text == "On the afternoon of July 30, 2022, the two companies held a signing ceremony in Jinan."


def test_release_from_text_keeps_given_metadata() -> None:
    r = release_from_text(
        BODY,
        release_id="x",
        title="Given title",
        date="4 April 2024",
        url="https://a.example/x",
        source="Acme",
    )
    assert (r.title, r.date, r.url, r.source) == ("Given title", "2024-04-04", "https://a.example/x", "Acme")


@pytest.mark.parametrize("text", ["", "   \n\n ", "Home\nMenu\nShare\nBack to top\n© 2025 Acme"])
def test_release_from_text_with_nothing_left_is_bad_input(text: str) -> None:
    with pytest.raises(BadInput, match="no text left"):
        release_from_text(text, release_id="x")


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------


def test_html_newsroom_page_keeps_the_release_only(tmp_path: Path) -> None:
    r = release(write(tmp_path, "newsroom.html", NEWSROOM_HTML), tmp_path)
    assert r.id == r.url == "https://news.acme.example/2025/03/03/toledo-plant"
    assert r.title == "Acme Robotics Opens Toledo Assembly Plant"
    assert r.date == "2025-03-03"  # JSON-LD datePublished beats <time> and dateModified
    assert r.source == "Acme Robotics Newsroom"
    assert r.author == "Riley Chen"
    paras = r.text.split("\n\n")
    assert paras[0] == (
        "TOLEDO, Ohio, March 3, 2025 -- Acme Robotics today opened a 120,000-square-foot assembly plant in "
        "Toledo that will build industrial robot arms for carmakers and food producers."
    )
    assert paras[-1] == (
        '"Toledo has the skilled workforce we need," said Dana Ortiz, chief executive officer of Acme Robotics.'
    )
    for clutter in (
        "About Acme", "founded in 1987", "Media contact", "press@acme.example",
        "Skip to", "cookies", "Accept", "Language Switch", "Home", "Newsroom", "Careers", "Share this",
        "Facebook", "Related news", "design award", "Follow us", "All rights reserved", "dataLayer",
        "pageview", "Press release",
    ):  # fmt: skip
        assert clutter not in r.text, clutter
    assert r.title not in r.text  # the headline is the title, not the first paragraph


def test_html_without_article_or_main_uses_the_densest_block(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Quarterly results - Acme</title></head><body>"
        "<div id='top'><a href='/'>Home</a> <a href='/about'>About</a> <a href='/ir'>Investors</a></div>"
        "<div class='wrap'><div id='left'><ul><li><a href='/1'>Older release one</a></li>"
        "<li><a href='/2'>Older release two</a></li></ul></div>"
        f"<div id='story'><h1>Acme Reports Record Quarter</h1><p>{BODY}</p>"
        "<p>Revenue rose 12 percent to $48 million in the quarter, the company said.</p></div></div>"
        "<div class='copyright'>Copyright 2025 Acme</div></body></html>"
    )
    r = release(write(tmp_path, "q.html", page))
    assert r.title == "Acme Reports Record Quarter"
    assert r.date == "2025-03-03"
    assert r.text == BODY + "\n\nRevenue rose 12 percent to $48 million in the quarter, the company said."


def test_html_meta_charset_is_respected(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"><title>Café opening</title></head><body><article>'
        f"<p>{BODY} The café serves crème brûlée.</p></article></body></html>"
    ).encode("cp1252")
    r = release(write(tmp_path, "cafe.htm", page))
    assert "café serves crème brûlée" in r.text
    assert r.title == "Café opening"


def test_html_scripts_and_event_handlers_leave_no_trace(tmp_path: Path) -> None:
    page = (
        "<html><body><article><h1>Safe Page</h1>"
        '<img src="x" onerror="alert(\'xss\')"><script>alert("xss")</script>'
        f'<p onclick="steal()">{BODY}</p><p>Write &lt;script&gt; to start a script tag.</p>'
        "<noscript>Enable JavaScript</noscript><style>p { color: red }</style></article></body></html>"
    )
    r = release(write(tmp_path, "xss.html", page))
    assert (
        "alert" not in r.text
        and "steal" not in r.text
        and "JavaScript" not in r.text
        and "color" not in r.text
    )
    assert "Write <script> to start a script tag." in r.text  # visible text stays literal


@pytest.mark.parametrize("depth", [300, 10_000])
def test_deeply_nested_html_completes(tmp_path: Path, depth: int) -> None:
    page = (
        "<html><head><title>Deep</title></head><body>" + "<div>" * depth + f"<p>{BODY}</p>" + "</div>" * depth
    )
    started = time.perf_counter()
    r = release(write(tmp_path, "deep.html", page + "</body></html>"))
    assert time.perf_counter() - started < 5
    assert r.text == BODY
    assert r.title == "Deep"


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-11-27", "2023-11-27"),
        ("2023-11-27T08:45:59+00:00", "2023-11-27"),
        ("2023-11-27 08:45:59.000000000Z", "2023-11-27"),
        ("March 3, 2025", "2025-03-03"),
        ("Mar. 3, 2025", "2025-03-03"),
        ("Sept. 16, 2025", "2025-09-16"),
        ("3 March 2025", "2025-03-03"),
        ("12 June 2023", "2023-06-12"),
        ("July 30th, 2022", "2022-07-30"),
        ("2025/03/03", "2025-03-03"),
        ("24/02/2022", "2022-02-24"),
        ("Mon, 27 Nov 2023 08:45:59 GMT", "2023-11-27"),
        ("20231127", "2023-11-27"),
        ("2022年7月30日", "2022-07-30"),
        ("03/04/2025", None),  # March or April: no guess
        ("2023-02-30", None),
        ("November 2023", None),
        ("", None),
        ("not a date", None),
    ],
)
def test_parse_date(value: str, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        ("TOLEDO, Ohio, March 3, 2025 -- Acme today opened a plant that builds robot arms.", "2025-03-03"),
        ("HARLOW BAY, 12 June 2023 — Northwind Grid today opened its largest battery plant.", "2023-06-12"),
        ("March 3, 2025 /PRNewswire/ -- Acme Robotics today opened a plant in Toledo, Ohio.", "2025-03-03"),
        (
            "HARLOW BAY, Ore.--(BUSINESS WIRE)--Feb. 11, 2020-- Northwind Grid announced GridSense.",
            "2020-02-11",
        ),
        ("On the afternoon of July 30, 2022, the two groups held a signing ceremony in Jinan.", "2022-07-30"),
    ],
)
def test_dateline_and_prose_dates(tmp_path: Path, opening: str, expected: str) -> None:
    r = release(
        write(
            tmp_path, "r.txt", f"A Headline For The Release\n\n{opening}\n\nMore text follows here today.\n"
        )
    )
    assert r.date == expected


def test_text_date_is_looked_for_only_in_the_opening(tmp_path: Path) -> None:
    filler = "\n\n".join(
        f"Paragraph {i} of the release says something without any date in it." for i in range(5)
    )
    r = release(
        write(tmp_path, "r.txt", f"Headline Without Date\n\n{filler}\n\nThe plant opened on May 1, 2019.\n")
    )
    assert r.date is None


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------

MARKDOWN = """---
title: Acme Robotics Opens Toledo Assembly Plant
published_at: 2025-03-03
link: https://news.acme.example/toledo
organisation: Acme Robotics
author: [Riley Chen, Sam Lee]
---

# Acme Robotics Opens Toledo Assembly Plant

TOLEDO, Ohio -- Acme Robotics today opened a **120,000-square-foot** plant that builds
[industrial robot arms](https://acme.example/arms) for *carmakers* and _food producers_.
![A robot arm](arm.png)

Highlights:

- 340 jobs
- Full output by **2026**

```
robot --start
```

## About Acme Robotics

Acme Robotics builds industrial robots.
"""


def test_markdown_front_matter_and_syntax(tmp_path: Path) -> None:
    r = release(write(tmp_path, "2025/toledo.md", MARKDOWN), tmp_path)
    assert r.id == r.url == "https://news.acme.example/toledo"
    assert (r.title, r.date, r.source, r.author) == (
        "Acme Robotics Opens Toledo Assembly Plant", "2025-03-03", "Acme Robotics", "Riley Chen, Sam Lee",
    )  # fmt: skip
    assert r.text.split("\n\n") == [
        "TOLEDO, Ohio -- Acme Robotics today opened a 120,000-square-foot plant that builds industrial "
        "robot arms for carmakers and food producers.",
        "Highlights:",
        "340 jobs",
        "Full output by 2026",
        "robot --start",
    ]  # highlights kept as items; the "About Acme Robotics" boilerplate is release furniture


def test_markdown_without_front_matter_takes_the_first_heading(tmp_path: Path) -> None:
    r = release(write(tmp_path, "docs/plant.markdown", f"# Toledo Plant Opens\n\n{BODY}\n"), tmp_path)
    assert (r.id, r.title, r.date, r.text, r.url) == (
        "docs/plant.markdown",
        "Toledo Plant Opens",
        "2025-03-03",
        BODY,
        None,
    )


def test_markdown_with_broken_front_matter_is_rejected(tmp_path: Path) -> None:
    p = write(tmp_path, "bad.md", "---\ntitle: [unclosed\ndate: 2025-03-03\n---\n\nBody text here.\n")
    assert reason(p).startswith("front matter is not valid YAML")


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


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def make_pdf(title: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, **({"title": title} if title else {}))
    doc.build(
        [
            Paragraph("Acme Robotics Opens Toledo Assembly Plant", styles["Title"]),
            Paragraph(
                BODY + " The plant employs 340 people and will reach full output in 2026.", styles["Normal"]
            ),
            Paragraph(
                "About Acme Robotics: Acme designs and builds industrial robots in Ohio.", styles["Normal"]
            ),
        ]
    )
    return buf.getvalue()


@pytest.mark.parametrize("meta_title", [None, "Toledo Plant Release"])
def test_pdf_text_layer(tmp_path: Path, meta_title: str | None) -> None:
    r = release(write(tmp_path, "plant.pdf", make_pdf(meta_title)))
    assert r.title == (meta_title or "Acme Robotics Opens Toledo Assembly Plant")
    assert r.date == "2025-03-03"
    paras = r.text.split("\n\n")
    assert paras[0] == BODY + " The plant employs 340 people and will reach full output in 2026."
    assert paras[-1] == "About Acme Robotics: Acme designs and builds industrial robots in Ohio."


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    assert reason(write(tmp_path, "locked.pdf", buf.getvalue())).startswith(
        "encrypted PDF: cannot read its text"
    )


def test_pdf_without_text_is_rejected(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 200, 200, fill=1)  # a drawing, no text: what a scan looks like to us
    c.save()
    assert reason(write(tmp_path, "scan.pdf", buf.getvalue())) == "PDF has no text layer (scanned image?)"


@pytest.mark.parametrize("content", [b"<html>not a pdf</html>", b"%PDF-1.7\n garbage that is not a PDF body"])
def test_invalid_pdf_is_rejected(tmp_path: Path, content: bytes) -> None:
    assert reason(write(tmp_path, "fake.pdf", content)).startswith("not a valid PDF")


# ---------------------------------------------------------------------------------------------
# Bad input: one clear reason each, never an exception, never a hang
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\n\t\n", "file holds only whitespace"),
        ("junk.txt", bytes(range(256)) * 8, "binary file, not text"),
        ("junk.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text"),
        (
            "latin1.txt",
            "Caf\u00e9 opening at noon.".encode("latin-1"),
            "not valid UTF-8 text (byte 0xe9 at offset 3)",
        ),
        (
            "clutter.txt",
            b"Home\nMenu\nShare\nPrint\n\nBack to top\n",
            "no text left after removing page clutter",
        ),
        (
            "clutter.html",
            b"<nav>Home News</nav><footer>(c) Acme</footer>",
            "no text left after removing page clutter",
        ),
        ("photo.png", b"\x89PNG", "unsupported file type '.png' (supported: "),
        ("Makefile", b"all:", "unsupported file type (no extension)"),
    ],
)
def test_bad_input_gives_one_reason(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    assert reason(write(tmp_path, name, content)).startswith(expected)


def test_unsupported_reason_lists_supported_types(tmp_path: Path) -> None:
    text = reason(write(tmp_path, "x.docx", b"PK"))
    assert all(s in text for s in SUPPORTED_SUFFIXES)


def test_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    p = tmp_path / "huge.txt"
    with p.open("wb") as fh:
        fh.truncate(60_000_000)  # sparse: 60 MB on paper, nothing on disk
    assert reason(p) == "file is 60.0 MB, over the 20.0 MB limit"
    assert (
        reason(write(tmp_path, "small.txt", BODY), max_bytes=100)
        == f"file is {len(BODY)} bytes, over the 100 bytes limit"
    )


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, "locked.txt", BODY)

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert reason(p) == "cannot read file: Permission denied"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    p = tmp_path / "pipe.txt"
    os.mkfifo(p)
    assert reason(p) == "not a regular file"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("brackets.md", b"[" * 200_000 + b"](" * 100_000 + b"<a" * 100_000),
        ("emphasis.md", b"**x *y _z " * 50_000),
        ("tags.html", b"<b>" * 200_000 + b"<p>text</p>"),
        ("lines.txt", b"short line\n" * 50_000),
    ],
)
def test_adversarial_input_is_read_in_bounded_time(tmp_path: Path, name: str, content: bytes) -> None:
    started = time.perf_counter()
    list(load_file(write(tmp_path, name, content)))
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_text_encodings_decode(tmp_path: Path, encoding: str) -> None:
    """With or without a byte-order mark (``utf-16``/``utf-32`` write one, ``-le``/``-be`` do not)."""
    r = release(write(tmp_path, "enc.txt", f"Café Opens In Toledo\n\n{BODY}\n".encode(encoding)))
    assert r.title == "Café Opens In Toledo"
    assert r.text == BODY


# ---------------------------------------------------------------------------------------------
# Files, folders and uploads
# ---------------------------------------------------------------------------------------------


def test_iter_files_walks_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for rel in ("b.txt", "README.md", "a/z.md", "a/b/c.html", ".git/config", "a/.draft.txt", ".hidden.txt"):
        write(tmp_path, rel, "x")
    single = write(tmp_path / "elsewhere", "one.txt", "x")
    found = list(iter_files([tmp_path / "a", str(single), tmp_path]))
    rel = [(f.relative_to(root).as_posix(), root) for f, root in found]
    assert rel == [
        ("b/c.html", tmp_path / "a"),
        ("z.md", tmp_path / "a"),
        ("one.txt", single.parent),
        ("README.md", tmp_path),
        ("a/b/c.html", tmp_path),
        ("a/z.md", tmp_path),
        ("b.txt", tmp_path),
        ("elsewhere/one.txt", tmp_path),
    ]


def test_iter_files_missing_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such file or folder: .*nope"):
        list(iter_files([tmp_path, tmp_path / "nope"]))


def test_ids_are_posix_paths_relative_to_the_root(tmp_path: Path) -> None:
    write(tmp_path, "news/2023/x.txt", f"Headline Here\n\n{BODY}\n")
    [(f, root)] = list(iter_files([tmp_path]))
    r = release(f, root)
    assert r.id == "news/2023/x.txt" and r.path == str(f)
    assert release(f).id == "x.txt"


def test_load_bytes_for_uploads() -> None:
    [r] = list(load_bytes(f"Upload Headline\n\n{BODY}\n".encode(), "press.txt"))
    assert isinstance(r, Release)
    assert (r.id, r.path, r.title) == ("press.txt", "press.txt", "Upload Headline")
    [r] = list(load_bytes(b"x" * 2048, "upload.txt", release_id="custom-id", max_bytes=1024))
    assert r == Rejected("upload.txt", "file is 2.0 KB, over the 1.0 KB limit")
    [r] = list(load_bytes(NEWSROOM_HTML.encode(), "page.html", release_id="ignored"))
    assert isinstance(r, Release) and r.id == "https://news.acme.example/2025/03/03/toledo-plant"
