"""Plain text and browser-saved pages: wrapped lines rejoined, pages trimmed like HTML, furniture out."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import load_bytes, release_from_text
from assistant.errors import BadInput
from assistant.types import Release
from tests.test_corpus import BODY, SEED, SEED_NAME, release, write


def one(text: str, name: str = "release.txt") -> Release:
    [r] = list(load_bytes(text.encode(), name))
    assert isinstance(r, Release), r
    return r


# A stock-exchange announcement as filed: hard-wrapped at 70 columns, paragraphs without blank lines
# between them, a short last line ending each one.
WRAPPED = """RIVER HOLDINGS PLC
Results of Annual General Meeting
River Holdings plc announces that at its Annual General Meeting held
today all resolutions set out in the notice of meeting were duly passed
by shareholders on a poll.
The total number of votes cast was 41,200,000, representing 62 per cent
of the issued share capital of the company on the record date.
A copy of the resolutions passed will be submitted to the National
Storage Mechanism and will shortly be available for inspection.
"""


def test_hard_wrapped_lines_become_paragraphs() -> None:
    r = one(WRAPPED)
    assert r.text.split("\n\n")[-3:] == [
        "River Holdings plc announces that at its Annual General Meeting held today all resolutions set out in "
        "the notice of meeting were duly passed by shareholders on a poll.",
        "The total number of votes cast was 41,200,000, representing 62 per cent of the issued share capital of "
        "the company on the record date.",
        "A copy of the resolutions passed will be submitted to the National Storage Mechanism and will shortly be "
        "available for inspection.",
    ]


SAVED_PAGE = """Skip to main content
Home | News | Press releases | Contact
Press Release | 2024-56
2-3 minutes - Source: River Town Council
River Town Opens Flood Barrier Consultation.
RIVER TOWN, 26 / 07 / 2024 — The council today opened a public consultation on the flood barrier that
will protect the lower streets, inviting residents to comment until the end of September.
The barrier will be 2.4 kilometres long and is paid for mostly by the national adaptation fund.
Media contact
Jan Novak
+44 20 7946 0000
Tags: floods, consultation
Related news
Bridge reopens after repairs
© 2024 River Town Council. All rights reserved.
"""


def test_a_browser_saved_page_is_trimmed_like_an_html_page() -> None:
    r = one(SAVED_PAGE, "saved.txt")
    assert r.title == "River Town Opens Flood Barrier Consultation"  # a headline that ends with a full stop
    assert r.date == "2024-07-26"
    assert r.text.startswith("RIVER TOWN, 26 / 07 / 2024 — The council today opened")
    assert r.text.endswith("paid for mostly by the national adaptation fund.")
    for clutter in ("Skip to", "Press Release |", "minutes", "Media contact", "Jan Novak", "Tags", "Bridge", "©"):
        assert clutter not in r.text, clutter


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
