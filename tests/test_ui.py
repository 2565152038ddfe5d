"""The web UI in a real browser: headless Debian Chromium driven by Playwright, against the app on 127.0.0.1.

The app runs on a small private index (uploads change it) with the UI mounted, as ``make run``
serves it. Each test gets a fresh browser context (its own Gradio session). Screenshots of every
page go to ``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ROOT, SEED_QUESTION
from .servers import running, small_index

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TIMEOUT = 30_000  # ms; a cold first answer on a busy 2-core machine can take a few seconds

TIDAL = ("Northwind Grid Switches On Saltmarsh Point Tidal Energy Pilot\n\n"
         "HARLOW BAY, Ore., April 14, 2026 -- Northwind Grid today switched on the Saltmarsh Point tidal energy "
         "pilot, four underwater turbines with a combined capacity of 2.4 megawatts anchored off the Saltmarsh "
         "Point breakwater. The turbines will supply about 1,900 homes when the tide runs.\n")
HARBOUR = ("Northwind Grid Connects Harlow Bay Tugboats to Shore Power\n\n"
           "HARLOW BAY, Ore., June 2, 2026 -- Northwind Grid connected 14 harbour tugboats to shore power.\n")
HOSTILE = ('Northwind Grid Opens <script>window.__pwned=1</script> Kelp Farm <img src=x onerror="window.__pwned=2">\n\n'
           "HARLOW BAY, Ore., May 5, 2026 -- Northwind Grid today opened the Saltmarsh Kelp Farm "
           "<script>window.__pwned=3</script>, a 40-acre seaweed farm that will absorb carbon and feed a biogas "
           'plant. <img src=x onerror="window.__pwned=4"> The kelp farm employs 22 people and produced its first '
           "harvest of 85 tonnes in April.\n\n"
           'The farm was built with the Harlow Bay Fishermen\'s Cooperative <svg onload="window.__pwned=6"></svg> '
           'and cost $6 million, <a href="javascript:window.__pwned=5">the company said</a>.\n')


# ---- the HTML the UI shows, without a browser ----------------------------------------------
class _OneRelease:
    """Stands in for the Assistant: ``render_sources`` only asks it for a release's text."""

    def __init__(self, release: Any) -> None:
        self._release = release

    def release(self, release_id: str) -> Any:
        return self._release


def test_render_answer_escapes_and_links_only_real_citations() -> None:
    from assistant.types import Answer, Citation
    from assistant.web.render import render_answer

    c = Citation(number=1, release_id="r", title="T", quote="q", start=0, end=1)
    html = render_answer(Answer(question="?", text="A <b>bold</b> & [1] claim [7].", citations=(c,)), turn=3)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in html and "<b>" not in html
    assert "<a class='cite' href='#src-3-1'" in html and "[7]</a>" not in html
    gone = render_answer(Answer(question="?", text="The releases do not cover this question.", covered=False), 1)
    assert "not-covered" in gone and "cite" not in gone


def test_render_sources_escapes_release_text_and_drops_unsafe_links() -> None:
    from assistant.types import Answer, Citation, Release
    from assistant.web.render import render_sources

    text = "Intro <script>x()</script>. The plant opened on May 5. Outro <img src=x onerror=y()>."
    start = text.index("The plant")
    end = text.index("May 5.") + len("May 5.")
    release = Release(id="r1", title="<i>Title</i>", text=text, date="2026-05-05", url="javascript:alert(1)")
    c = Citation(number=1, release_id="r1", title=release.title, quote=text[start:end], start=start, end=end,
                 date=release.date, url=release.url, verified=True)
    html = render_sources(_OneRelease(release), Answer(question="?", text="x [1]", citations=(c,)))  # type: ignore[arg-type]
    assert "<script>" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=y()&gt;" in html
    assert "<mark>The plant opened on May 5.</mark>" in html and "javascript:" not in html


def test_render_report_lists_each_rejected_file_escaped() -> None:
    from assistant.types import IngestReport, Rejected
    from assistant.web.render import render_report

    html = render_report(IngestReport(added=["a.txt"], rejected=[Rejected("<b>.txt", "empty file")]))
    assert "1 added" in html and "1 rejected" in html and "&lt;b&gt;.txt" in html and "empty file" in html


@pytest.mark.parametrize("host,keys,signed_in,allowed", [
    ("127.0.0.1", "", False, True), ("::1", "", False, True), ("localhost", "", False, True),
    ("0.0.0.0", "", False, False), ("192.0.2.7", "", False, False),
    ("0.0.0.0", "k1,k2", True, True), ("0.0.0.0", "k1", False, False), ("127.0.0.1", "k1", False, False),
])
def test_library_changes_from_the_ui_need_a_key_or_loopback(host: str, keys: str, signed_in: bool,
                                                            allowed: bool) -> None:
    from assistant.core import Assistant
    from assistant.settings import Settings
    from assistant.web.ui import library_writes_error

    assistant = Assistant(Settings(host=host, api_keys=keys))
    assert (library_writes_error(assistant, signed_in) is None) is allowed


# ---- the browser ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    folder = tmp_path_factory.mktemp("ui-corpus")  # what Re-index re-reads
    (folder / "harbour-tugs.txt").write_text(HARBOUR, encoding="utf-8")
    assistant = small_index(tmp_path_factory.mktemp("ui-index"), embedder, corpus_dir=str(folder))
    with running(create_app(assistant)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    pg.goto(app_url + "/")
    pg.wait_for_selector("#question textarea")
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def answers(page: Any) -> Any:
    return page.locator("#chat .answer, #chat .not-covered, #chat .error")


def ask(page: Any, question: str) -> Any:
    """Ask in the Chat tab and wait for the finished answer; returns its locator."""
    before = answers(page).count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(f"document.querySelectorAll('#chat .answer, #chat .not-covered, #chat .error').length"
                           f" > {before}", timeout=TIMEOUT)
    return answers(page).nth(before)


def fill_until_it_holds(page: Any, box: Any, value: str, tries: int = 10) -> None:
    """Type into a box that an opening accordion may still be mounting: under CPU load its first value can
    arrive after a fast fill and wipe it (seen in CI about once in ten runs), so fill again until it stays."""
    for _ in range(tries):
        box.fill(value)
        box.press("Tab")
        page.wait_for_timeout(300)
        if box.input_value() == value:
            return
    raise AssertionError(f"{value!r} never stayed in the box")


def tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def upload(page: Any, files: list[tuple[str, bytes]]) -> str:
    """Drop files on the Library tab's upload area; returns the report once it is there."""
    tab(page, "Library")
    page.locator("#lib-report").evaluate("el => el.setAttribute('data-before', el.innerText)")
    page.set_input_files("#lib-upload input[type=file]",
                         files=[{"name": n, "mimeType": "text/plain", "buffer": b} for n, b in files])
    page.wait_for_function("document.querySelector('#lib-report').innerText.includes('added')")
    return page.inner_text("#lib-report")


def test_ask_shows_a_streamed_cited_answer(page: Any) -> None:
    answer = ask(page, SEED_QUESTION)
    assert "July 30, 2022" in answer.inner_text()
    cites = answer.locator("a.cite")
    assert cites.count() >= 1 and cites.first.inner_text() == "[1]"
    assert page.inner_text("#chat").count(SEED_QUESTION) == 1  # the question is shown once
    assert "July 30, 2022" in page.inner_text("#src-1-1 mark")
    shot(page, "chat-answer")


def test_citation_opens_the_highlighted_source(page: Any) -> None:
    from playwright.sync_api import expect

    ask(page, SEED_QUESTION)
    page.locator("#sources").evaluate("el => el.scrollTop = el.scrollHeight")  # the card starts out of view
    page.click("#chat a.cite >> nth=0")
    card = page.locator("#src-1-1")
    expect(card).to_be_in_viewport()
    expect(card).to_have_class(re.compile(r"\bflash\b"))
    assert "July 30, 2022" in card.locator("blockquote mark").first.inner_text()
    assert "Strategic Cooperation Agreement" in card.locator(".source-head").inner_text()
    assert "2022-07-30" in card.locator(".meta").inner_text() and "quote checked" in card.inner_text()
    card.locator("details.full summary").click()
    full = card.locator(".fulltext")
    expect(full).to_be_visible()
    assert "July 30, 2022" in full.locator("mark").first.inner_text()
    shot(page, "chat-source")


def test_follow_up_copy_and_date_filter(page: Any) -> None:
    from playwright.sync_api import expect

    ask(page, SEED_QUESTION)
    follow = ask(page, "And who signed it?")
    assert "Tang Yongbo" in follow.inner_text()
    assert page.locator("#sources details.earlier").count() == 1  # the first answer's sources, folded

    page.click("#copy-answer")
    page.wait_for_function("window.__copiedAnswer !== undefined")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Tang Yongbo" in copied and "\nSources:\n[1] " in copied

    page.get_by_text("Filters: dates and sources").click()
    since = page.locator("#since textarea, #since input")
    expect(since).to_be_visible()
    fill_until_it_holds(page, since, "2023-01-01")
    later = ask(page, SEED_QUESTION)
    assert "July 30, 2022" not in later.inner_text()
    shot(page, "chat-follow-up-and-filter")


def test_not_covered_is_said_plainly(page: Any) -> None:
    answer = ask(page, "How do I repot an orchid?")
    assert answer.get_attribute("class") == "not-covered"
    assert "do not cover this question" in answer.inner_text()
    assert "No sources" in page.inner_text("#sources")
    shot(page, "chat-not-covered")


def test_upload_then_answer_from_it_then_delete(page: Any) -> None:
    report = upload(page, [("tidal-pilot.txt", TIDAL.encode()), ("empty.txt", b""), ("notes.rtf", b"{\\rtf1}")])
    assert "1 added" in report and "2 rejected" in report
    assert "empty.txt" in report and "empty file" in report and "unsupported file type" in report
    assert "Saltmarsh Point Tidal Energy Pilot" in page.inner_text("#lib-table")
    shot(page, "library-upload")

    tab(page, "Chat")
    answer = ask(page, "What is the capacity of the Saltmarsh Point tidal energy pilot?")
    assert "2.4 megawatts" in answer.inner_text()
    assert "Tidal Energy Pilot" in page.inner_text("#src-1-1")
    shot(page, "chat-uploaded-release")

    tab(page, "Library")
    page.fill("#lib-find textarea, #lib-find input", "tidal")
    page.wait_for_function("!document.querySelector('#lib-table').innerText.includes('Strategic Cooperation')")
    page.click("#lib-pick input")
    page.get_by_role("option", name=re.compile("Tidal Energy Pilot")).click()
    page.click("#lib-delete")
    page.wait_for_function("document.querySelector('#lib-report').innerText.includes('Delete “')")
    assert "Saltmarsh Point Tidal Energy Pilot" in page.inner_text("#lib-report")  # asks first, by title
    assert "Saltmarsh Point Tidal Energy Pilot" in page.inner_text("#lib-table")  # nothing deleted yet
    page.click("#lib-delete-yes")
    page.wait_for_function("document.querySelector('#lib-report').innerText.includes('Deleted')")
    report = page.inner_text("#lib-report")
    assert "Saltmarsh Point Tidal Energy Pilot" in report and "tidal-pilot.txt" not in report
    page.fill("#lib-find textarea, #lib-find input", "")
    page.wait_for_function("document.querySelector('#lib-table').innerText.includes('Strategic Cooperation')")
    assert "Tidal Energy Pilot" not in page.inner_text("#lib-table")
    shot(page, "library-delete")


def test_markup_in_a_release_shows_as_text_and_never_runs(page: Any) -> None:
    page.evaluate("window.__pwned = undefined")
    report = upload(page, [("kelp-farm.txt", HOSTILE.encode())])
    assert "1 added" in report
    table = page.inner_text("#lib-table")
    assert "<script>window.__pwned=1</script>" in table and '<img src=x onerror="window.__pwned=2">' in table

    tab(page, "Chat")
    answer = ask(page, "How many people does the Saltmarsh Kelp Farm employ?")
    sources = page.inner_text("#sources")
    assert "<script>window.__pwned=1</script>" in sources  # the title, as text
    assert "<script>window.__pwned=3</script>" in sources or "<script>window.__pwned=3</script>" in answer.inner_text()
    page.locator("#src-1-1 details.full summary").click()
    assert '<img src=x onerror="window.__pwned=4">' in page.inner_text("#src-1-1 .fulltext")
    assert '<svg onload="window.__pwned=6"></svg>' in page.inner_text("#src-1-1 .fulltext")
    page.wait_for_timeout(300)  # give any injected handler the chance to fire
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#sources script, #sources img, #sources svg, #chat img[src='x'], #lib-table img").count() == 0
    assert page.locator("#sources a[href^='javascript']").count() == 0
    shot(page, "untrusted-markup-as-text")


def test_sessions_do_not_share_conversations(page: Any, browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    ask(page, SEED_QUESTION)
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        second = other.new_page()
        second.goto(app_url + "/")
        second.wait_for_selector("#question textarea", timeout=TIMEOUT)
        second.wait_for_timeout(500)
        assert answers(second).count() == 0 and "Sources of each answer appear here" in second.inner_text("#sources")
    finally:
        other.close()


def test_summary_draft_generated_edited_and_downloaded(page: Any, app_url: str, tmp_path: Path) -> None:
    from assistant.core import Assistant

    if not callable(getattr(Assistant, "summarize", None)):
        pytest.skip("Assistant.summarize is not there yet (summaries issue)")
    tab(page, "Summarize")
    # the page's load event refreshes the checklist; let it land before ticking a box
    n = len(httpx.get(f"{app_url}/api/v1/releases", timeout=30).json()["releases"])
    page.wait_for_function(f"document.querySelectorAll('#sum-pick input').length === {n}")
    seed = page.get_by_label(re.compile(r"2022-07-30 \(inferred\) · Strategic Cooperation"))
    seed.check()
    assert seed.is_checked() and page.locator("#sum-pick input:checked").count() == 1
    page.get_by_role("radio", name=re.compile("^bullets")).check()
    page.click("#sum-generate")
    page.wait_for_function("document.querySelector('#sum-rendered')?.innerText.includes('Sources')")
    rendered = page.locator("#sum-rendered")
    assert "Shandong Heavy Industry" in rendered.inner_text() and rendered.locator("li").count() >= 1  # rendered
    assert "**" not in rendered.inner_text() and page.locator("#sum-draft textarea").count() == 0
    page.click("#sum-edit")
    box = page.locator("#sum-draft textarea")
    box.wait_for()
    draft = box.input_value()
    assert "Sources:" in draft and "Shandong Heavy Industry" in draft
    edited = draft + "\n\nEdited by the press office."
    box.fill(edited)
    page.click("#sum-edit")  # done editing: the rendered view comes back with the edit
    page.wait_for_function("document.querySelector('#sum-rendered')?.innerText.includes('Edited by the press')")
    shot(page, "summarize-draft")

    page.wait_for_timeout(500)  # the download files follow the edit
    with page.expect_download() as got:
        page.click("#sum-md")
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    assert saved.suffix == ".md" and saved.read_text(encoding="utf-8") == edited

    with page.expect_download() as got:
        page.click("#sum-docx")
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    import docx

    text = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
    assert saved.suffix == ".docx" and "Edited by the press office." in text
    shot(page, "summarize-downloaded")


def test_reindex_reads_the_corpus_folder(page: Any) -> None:
    tab(page, "Library")
    assert "Tugboats to Shore Power" not in page.inner_text("#lib-table")
    page.click("#lib-reindex")
    page.wait_for_function("document.querySelector('#lib-report').innerText.includes('Re-index:')")
    assert "1 added" in page.inner_text("#lib-report")
    assert "Tugboats to Shore Power" in page.inner_text("#lib-table")
    shot(page, "library-reindex")


def test_every_tab_renders(page: Any) -> None:
    for name in ("Summarize", "Library", "Chat"):
        tab(page, name)
        page.wait_for_timeout(300)
        shot(page, f"tab-{name.lower()}")
    assert page.locator("#lib-table").count() == 1
