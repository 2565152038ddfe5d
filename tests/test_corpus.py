"""Files and pages -> releases: what a user sees after ingest (titles, dates, ids, clean text, reasons)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from assistant.corpus import (
    SUPPORTED_SUFFIXES,
    iter_files,
    load_bytes,
    load_file,
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
