"""The UI's daily-use details in a real browser (Debian Chromium via Playwright), and an axe-core audit of every tab.

Same set-up as ``test_ui``: the app with the UI mounted on a small private index, on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import SEED_QUESTION
from .servers import running, small_index
from .test_ui import ARGS, CHROMIUM, TIMEOUT, answers, ask, fill_until_it_holds, shot, tab, upload

CAPITALS = ("NORTHWIND GRID OPENS HARLOW BAY BATTERY STORAGE SITE\n\n"
            "HARLOW BAY, Ore., March 3, 2026 -- Northwind Grid today opened a 60-megawatt battery storage site "
            "beside its Harlow Bay substation. The batteries can supply 20,000 homes for four hours.\n")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    assistant = small_index(tmp_path_factory.mktemp("web-ui-index"), embedder)
    with running(create_app(assistant)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser: Any, url: str, width: int = 1400, height: int = 1000, context: Any = None) -> Any:
    context = context or browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(url + "/")
    pg.wait_for_selector("#question textarea")
    return pg


@pytest.fixture
def page(browser, app_url: str) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    pg = open_page(browser, app_url)
    yield pg
    pg.context.close()


# ---- docs ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path,ready", [("/docs", ".opblock"), ("/redoc", "[data-section-id]")])
def test_api_docs_work_offline(browser, app_url: str, path: str, ready: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(app_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    pg = context.new_page()
    pg.goto(app_url + path)
    pg.wait_for_selector(ready, timeout=TIMEOUT)
    assert "/api/v1/ask" in pg.inner_text("body")
    assert not [u for u in outside if u.endswith((".js", ".css"))], outside
    context.close()


# ---- chat ---------------------------------------------------------------------------------------------
def test_question_box_has_a_name_and_the_answers_label_covers_nothing(page: Any) -> None:
    assert page.get_by_role("textbox", name="Question").count() == 1
    ask(page, SEED_QUESTION)
    labels = page.locator("#chat [data-testid='block-label'], #chat label")
    assert all(not labels.nth(i).is_visible() for i in range(labels.count()))


def test_filters_show_when_on_and_answers_say_what_they_searched(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_text("Filters: dates and sources").click()
    since = page.locator("#since textarea, #since input")
    fill_until_it_holds(page, since, "2023-01-01")  # the opening accordion can wipe a fast first fill
    expect(page.locator("#filters")).to_contain_text("Filters: on, releases from 2023-01-01 on")
    answer = ask(page, "How many smart meters did Northwind Grid install?")
    assert "Searched only releases from 2023-01-01 on" in answer.inner_text()

    since.fill("last year")
    since.press("Tab")
    bad = ask(page, "How many smart meters did Northwind Grid install?")
    assert "From 'last year' is not a date" in bad.inner_text()

    since.fill("2024")
    page.locator("#until textarea, #until input").fill("2022-05-01")
    page.locator("#until textarea, #until input").press("Tab")
    reversed_range = ask(page, "How many smart meters did Northwind Grid install?")
    assert "From (2024) is after To (2022-05-01)" in reversed_range.inner_text()
    shot(page, "web-filters")


def test_one_card_per_release_titles_and_no_file_names(page: Any) -> None:
    ask(page, SEED_QUESTION)
    ask(page, "And who signed it?")
    latest = page.locator("#sources section.turn .source")
    titles = [latest.nth(i).locator(".source-head a, .source-head").first.inner_text() for i in range(latest.count())]
    assert len(titles) == len({re.sub(r"^(\[\d+\])+\s*", "", t) for t in titles})  # one card per release
    for i in range(latest.count()):
        assert ".txt" not in latest.nth(i).locator(".meta").inner_text()  # a file name is not a source

    upload(page, [("battery-site.txt", CAPITALS.encode())])
    assert "Northwind Grid Opens Harlow Bay Battery Storage Site" in page.inner_text("#lib-table")
    tab(page, "Chat")
    ask(page, "How many homes can the Harlow Bay battery storage site supply?")
    assert "Northwind Grid Opens Harlow Bay Battery Storage Site" in page.inner_text("#sources section.turn")
    assert "NORTHWIND GRID OPENS" not in page.inner_text("#sources section.turn")


def test_keyboard_citation_moves_focus_to_the_source(page: Any) -> None:
    ask(page, SEED_QUESTION)
    link = page.locator("#chat a.cite").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('source')")
    assert page.evaluate("document.activeElement.id") == "src-1-1"


def test_try_questions_are_asked_not_just_filled(page: Any) -> None:
    page.locator(".try-question").first.click()
    page.wait_for_function("document.querySelectorAll('#chat .answer, #chat .not-covered').length > 0",
                           timeout=TIMEOUT)
    assert answers(page).count() == 1


def test_conversations_survive_a_reload_and_are_kept_in_a_history(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    pg = open_page(browser, app_url)
    try:
        ask(pg, SEED_QUESTION)
        pg.wait_for_timeout(800)  # the browser stores the conversation after the answer
        pg.reload()
        pg.wait_for_selector("#question textarea")
        pg.wait_for_function("document.querySelectorAll('#chat .answer').length === 1", timeout=TIMEOUT)
        assert "July 30, 2022" in pg.inner_text("#chat") and "<mark>" not in pg.inner_text("#sources")
        assert pg.locator("#sources .source").count() >= 1

        pg.click("#clear")
        pg.wait_for_function("document.querySelectorAll('#chat .answer').length === 0")
        earlier = pg.locator("#earlier")
        earlier.wait_for(state="visible")
        earlier.locator("input").click()
        pg.get_by_role("option", name=re.compile("China Unicom")).click()
        pg.wait_for_function("document.querySelectorAll('#chat .answer').length === 1", timeout=TIMEOUT)
        assert "July 30, 2022" in pg.inner_text("#chat")
    finally:
        pg.context.close()


# ---- summarize ----------------------------------------------------------------------------------------
def test_summarize_explains_formats_and_scrolls_to_the_result(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    pg = open_page(browser, app_url, width=900, height=600)
    try:
        tab(pg, "Summarize")
        assert pg.get_by_role("radio", name=re.compile("^brief: a short paragraph")).count() == 1
        pg.click("#sum-generate")  # nothing chosen
        expect(pg.locator("#sum-status")).to_contain_text("Choose what to summarise")
        assert "release ids" not in pg.inner_text("#sum-status").lower()
        pg.get_by_label(re.compile(r"about 2022-07-30 \(inferred\) · Strategic Cooperation")).check()
        pg.click("#sum-generate")
        pg.wait_for_function("document.querySelector('#sum-status').innerText.includes('Draft ready')")
        pg.wait_for_timeout(800)  # the smooth scroll
        expect(pg.locator("#sum-status")).to_be_in_viewport()
        shot(pg, "web-summarize-scrolled")
    finally:
        pg.context.close()


# ---- library ------------------------------------------------------------------------------------------
def test_library_is_readable_at_400px_with_count_and_preview(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    pg = open_page(browser, app_url, width=400, height=900)
    try:
        tab(pg, "Library")
        count = pg.inner_text("#lib-count")
        assert re.search(r"\d+ releases", count)
        table = pg.locator("#lib-table")
        assert "https://" not in table.inner_text() and "ID" not in [h.strip() for h in
                                                                      table.locator("th").all_inner_texts()]
        date_cell = table.get_by_text("2022-07-30").filter(visible=True).first
        line = float(date_cell.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 20"))
        assert date_cell.bounding_box()["height"] < 2 * line  # a date stays on one line
        table.get_by_text(re.compile("Strategic Cooperation")).filter(visible=True).first.click()
        pg.wait_for_function("document.querySelector('#lib-preview').innerText.includes('July 30, 2022')")
        assert "Strategic Cooperation" in pg.inner_text("#lib-preview")
        shot(pg, "web-library-400px")
    finally:
        pg.context.close()



def test_an_inferred_date_says_so_on_its_card_in_the_library_and_in_the_preview(page: Any) -> None:
    """The China Unicom page states no date; 2022-07-30 is read from the ceremony its text describes."""
    ask(page, SEED_QUESTION)
    card = page.locator("#sources section.turn .source").first
    meta = card.locator(".meta")
    assert "about 2022-07-30 (inferred)" in meta.inner_text()
    assert "states no date" in meta.locator(".inferred").get_attribute("title")
    ask(page, "Who became Northwind Grid's chief financial officer in 2021?")  # a dateline: the date is stated
    metas = page.locator("#sources section.turn .source .meta").all_inner_texts()
    assert metas and any("2021-07-12" in m for m in metas) and not any("inferred" in m for m in metas)
    tab(page, "Library")
    table = page.inner_text("#lib-table")
    assert "2022-07-30*" in table and "2021-07-12*" not in table and "2021-07-12" in table
    assert "* Date inferred: the release states none" in page.inner_text("#lib-count")
    page.locator("#lib-table").get_by_text(re.compile("Strategic Cooperation")).filter(visible=True).first.click()
    page.wait_for_function("document.querySelector('#lib-preview').innerText.includes('(inferred)')")
    assert "about 2022-07-30 (inferred)" in page.inner_text("#lib-preview")
    shot(page, "web-inferred-date")


@pytest.mark.parametrize("width", [1400, 400])
def test_library_columns_line_up_with_their_headers(browser, app_url: str, width: int) -> None:  # type: ignore[no-untyped-def]
    """Each value sits under its own column's header, on a wide screen as on a phone."""
    pg = open_page(browser, app_url, width=width, height=900)
    try:
        tab(pg, "Library")
        date = pg.locator("#lib-table").get_by_text("2022-07-30").filter(visible=True).first
        date.wait_for()
        row = date.evaluate("el => { let e = el; while (e && !e.classList.contains('virtual-row')) e = e.parentElement;"
                            " return Array.from(e.children).map(c => c.getBoundingClientRect())"
                            ".filter(r => r.width > 0).map(r => [r.x, r.width]); }")
        heads = [h.bounding_box() for h in pg.locator("#lib-table th").all() if h.is_visible()]
        assert len(row) == len(heads) >= 3
        for (x, w), head in zip(row, heads, strict=True):
            assert abs(x - head["x"]) < 3 and abs(w - head["width"]) < 3, (row, heads)
    finally:
        pg.context.close()

# ---- accessibility ------------------------------------------------------------------------------------
def test_axe_finds_no_serious_or_critical_violations_on_any_tab(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    ask(page, SEED_QUESTION)  # the chat with an answer and its sources
    found = {}
    for name in ("Chat", "Summarize", "Library"):
        tab(page, name)
        page.wait_for_timeout(400)
        results = Axe().run(page)
        found[name] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                       for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert found == {"Chat": [], "Summarize": [], "Library": []}
