"""Which release a correction supersedes, read from titles, metadata and opening lines."""

from pathlib import Path

from assistant.corpus import iter_files, load_file
from assistant.corrections import base_title, correction_note, is_correction, supersessions
from assistant.types import Release

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _rel(rid: str, title: str, date: str, text: str = "Body text.", **kw: str) -> Release:
    return Release(id=rid, title=title, text=text, date=date, **kw)


def test_bundled_correction_supersedes_the_q3_2022_release() -> None:
    releases = [r for f, root in iter_files([CORPUS]) for r in load_file(f, root) if isinstance(r, Release)]
    corr = next(r for r in releases if r.title.upper().startswith("CORRECTION"))
    assert corr.corrects and corr.corrects.startswith("https://")  # front matter survives ingest
    found = supersessions(releases)
    assert len(found) == 1
    (old_id, s), = found.items()
    assert s.new.id == corr.id
    assert "584" in s.old.text and s.old.date == "2022-10-27"
    assert "corrected on 2022-10-28" in correction_note(s)


def test_title_mark_without_metadata() -> None:
    old = _rel("a", "Acme Reports Record Sales", "2021-03-01")
    new = _rel("b", "CORRECTING and REPLACING Acme Reports Record Sales", "2021-03-02")
    assert base_title(new.title) == "Acme Reports Record Sales"
    assert supersessions([old, new])["a"].new.id == "b"


def test_quoted_title_in_opening_lines() -> None:
    old = _rel("a", "Beta Corp Names New Chair", "2020-05-01")
    new = _rel("b", "Beta Corp issues clarification", "2020-05-03",
               text='In the release "Beta Corp Names New Chair," issued on May 1, 2020, Beta Corp misstated a date.')
    assert is_correction(new)
    assert supersessions([old, new])["a"].new.id == "b"


def test_news_is_not_a_correction() -> None:
    a = _rel("a", "Update on storm restoration", "2020-11-07")
    b = _rel("b", "Storm restoration", "2020-11-08", text="Crews restored power to 90 percent of customers.")
    assert not is_correction(a) and not is_correction(b)
    assert supersessions([a, b]) == {}


def test_a_correction_never_supersedes_a_later_release() -> None:
    later = _rel("a", "Gamma Results", "2022-01-10")
    corr = _rel("b", "Correction: Gamma Results", "2022-01-05")
    assert supersessions([later, corr]) == {}
