"""Plain text and browser-saved pages: wrapped lines rejoined, pages trimmed like HTML, furniture out."""

from __future__ import annotations

from assistant.corpus import load_bytes
from assistant.types import Release


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
