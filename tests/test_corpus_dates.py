"""Release dates in text: datelines, prose dates, the opening only."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import parse_date
from tests.test_corpus import release, write

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
        # newsrooms that write in other languages, or in English with their own month names in the dateline
        ("Berlin, 6. Dezember 2026 – Acme AG eröffnet heute ein Werk für Roboterarme.", "2026-12-06"),
        ("Paris, le 1er juillet 2025 — Acme SA inaugure aujourd'hui une usine de bras robotisés.", "2025-07-01"),
        ("Madrid, 6 de diciembre de 2026. Acme abre hoy una planta de brazos robóticos.", "2026-12-06"),
        ("Milano, 3 marzo 2024 – Acme S.p.A. apre oggi uno stabilimento.", "2024-03-03"),
        ("Amsterdam, 12 mei 2023 – Acme opent vandaag een fabriek voor robotarmen.", "2023-05-12"),
        ("Lisboa, 5 de março de 2022 – A Acme abre hoje uma fábrica.", "2022-03-05"),
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


@pytest.mark.parametrize(
    ("name", "content", "date", "inferred"),
    [
        ("dateline.txt", "Acme Opens A Plant\n\nTOLEDO, Ohio, March 3, 2025 -- Acme today opened a plant.\n",
         "2025-03-03", False),
        ("wire.txt", "Acme Opens A Plant\n\nMarch 3, 2025 /PRNewswire/ -- Acme Robotics today opened a plant.\n",
         "2025-03-03", False),
        ("dateline.txt", "Acme Opens A Plant\n\nPublished: 12 June 2023\n\nAcme today opened a plant in Toledo.\n",
         "2023-06-12", False),
        ("event.txt", "Two Groups Sign\n\nOn the afternoon of July 30, 2022, the two groups held a signing ceremony "
         "in Jinan.\n", "2022-07-30", True),
        ("event.md", "# Acme Grows\n\nThe plant, which opened on May 1, 2019, now employs 300 people.\n",
         "2019-05-01", True),
        ("front.md", "---\ndate: 2024-02-01\n---\n# Acme Grows\n\nThe plant, which opened on May 1, 2019, now employs "
         "300 people.\n", "2024-02-01", False),
        ("meta.html", "<html><head><meta property='article:published' content='2021-06-02'></head><body><h1>Acme "
         "Grows</h1><p>The plant, which opened on May 1, 2019, now employs 300 people in the city.</p></body></html>",
         "2021-06-02", False),
        ("prose.html", "<html><body><h1>Acme Grows</h1><p>The plant, which opened on May 1, 2019, now employs 300 "
         "people in the city.</p></body></html>", "2019-05-01", True),
        ("none.txt", "Acme Grows\n\nThe plant now employs 300 people in the city of Toledo.\n", None, False),
    ],
)
def test_a_date_read_from_a_sentence_is_marked_inferred(tmp_path: Path, name: str, content: str, date: str | None,
                                                         inferred: bool) -> None:
    """A dateline or date line states the release's own date; an event a sentence mentions only suggests one."""
    r = release(write(tmp_path, name, content))
    assert (r.date, r.date_inferred) == (date, inferred)


def test_a_date_from_the_url_alone_is_inferred(tmp_path: Path) -> None:
    page = ("<html><head><link rel='canonical' href='https://example.org/news/2015/04/11/acme-grows'></head><body>"
            "<h1>Acme Grows</h1><p>The plant now employs 300 people in the city of Toledo, Ohio.</p></body></html>")
    r = release(write(tmp_path, "url.html", page))
    assert (r.date, r.date_inferred) == ("2015-04-11", True)
