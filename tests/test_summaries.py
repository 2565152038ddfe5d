"""Summaries: boilerplate never gets in, every format keeps its length, every point cites and is verbatim."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.boilerplate import ATTRIBUTION, body_sentences, dateline_end, is_clutter
from assistant.cli import cli
from assistant.documents import summary_to_docx, summary_to_markdown, summary_to_text
from assistant.errors import BadInput, NotFound
from assistant.summaries import FORMATS, SOCIAL_LIMIT, Summarizer
from assistant.types import Release

from .conftest import CORPUS, SEED

SEED_ID = SEED.name
# What boilerplate looks like in the bundled releases: none of it may reach a summary.
BOILERPLATE = re.compile(r"About Northwind|Media contact|Media Relations|@example\.com|555-0\d\d|Back to top|"
                         r"forward-looking|Language Switch|customers served", re.I)


def corpus_releases() -> list[Release]:
    from assistant.corpus import iter_files, load_file

    out = []
    for path, root in iter_files([CORPUS]):
        if path.name != "README.md":
            out.extend(r for r in load_file(path, root) if isinstance(r, Release))
    return out


@pytest.fixture(scope="module")
def releases() -> list[Release]:
    return corpus_releases()


@pytest.fixture(scope="module")
def summarizer(embedder):  # type: ignore[no-untyped-def]
    return Summarizer(embedder)


RELEASE_WITH_BOILERPLATE = Release(
    id="acme-1",
    title="Acme Opens Toledo Plant",
    text=(
        "TOLEDO, Ohio, March 3, 2025 /PRNewswire/ -- Acme Corp. today opened a $40 million battery plant in Toledo "
        "that will employ 300 people by 2026.\n\n"
        "The plant will make 2 million cells a year for electric buses.\n\n"
        "Photo: The new plant at dusk\n\n"
        '"Toledo has the workforce we need," said Maria Lopez, chief executive officer of Acme. '
        '"We will add a second line next year."\n\n'
        "Production of the second line is expected to start in the spring of 2026.\n\n"
        "Forward-Looking Statements\n\n"
        "This release contains forward-looking statements that involve risks; readers should not place undue "
        "reliance on them.\n\n"
        "About Acme\n\n"
        "Acme Corp. is a leading maker of batteries with plants in 12 countries.\n\n"
        "Media contact: Jo Smith, jo.smith@acme.example, +1 419 555 0100"
    ),
    date="2025-03-03",
)


def test_body_sentences_drop_boilerplate_and_dateline() -> None:
    texts = [c.text for c in body_sentences(RELEASE_WITH_BOILERPLATE)]
    assert texts[0].startswith("Acme Corp. today opened")
    joined = " ".join(texts)
    for bad in ("forward-looking", "leading maker", "jo.smith", "Photo:", "PRNewswire"):
        assert bad not in joined
    quote = [c for c in body_sentences(RELEASE_WITH_BOILERPLATE) if c.text.startswith('"We will add')][0]
    assert quote.quote and quote.attribution == "Maria Lopez, chief executive officer of Acme"


@pytest.mark.parametrize(("text", "rest"), [
    ("HARLOW BAY, Ore., June 18, 2019 /PRNewswire/ -- Northwind Grid signed", "Northwind Grid signed"),
    ("HARLOW BAY, Ore.--(BUSINESS WIRE)--Feb. 11, 2020-- Northwind Grid today", "Northwind Grid today"),
    ("May 8, 2025 /PRNewswire/ -- HARLOW BAY, Ore. -- Northwind Grid and", "Northwind Grid and"),
    ("LONDON (Reuters) - The bank raised rates", "The bank raised rates"),
    ("Northwind Grid -- the utility founded in 1948 -- said", "Northwind Grid -- the utility founded in 1948 -- said"),
])
def test_dateline_end(text: str, rest: str) -> None:
    assert text[dateline_end(text):] == rest


@pytest.mark.parametrize(("sentence", "clutter"), [
    ("Media Relations Manager, Northwind Grid jordan.pike@example.com", True),
    ("For more details visit www.example.com today please.", True),
    ("Scroll down for video of the ceremony.", True),
    ("Benefits for customers include:", True),
    ("Northwind Grid opened the plant on Tuesday.", False),
])
def test_is_clutter(sentence: str, clutter: bool) -> None:
    assert is_clutter(sentence) is clutter


def assert_whole_quote(p, release_texts: dict[int, str]) -> None:  # type: ignore[no-untyped-def]
    """A quote point is verbatim, whole (every quotation mark it opens, it closes) and names its speaker."""
    text = p.text
    assert not text.endswith("…"), text
    assert text.count('"') % 2 == 0 and text.count("“") == text.count("”"), text
    assert p.attribution or ATTRIBUTION.search(text), text
    assert any(text in " ".join(t.split()) for t in release_texts.values()), text


def check_summary(summary, release_texts: dict[int, str]) -> None:  # type: ignore[no-untyped-def]
    """Invariants every extractive summary keeps, whatever its format."""
    numbers = {c.number for c in summary.citations}
    assert summary.covered and summary.backend == "extractive"
    assert not BOILERPLATE.search(summary.text), summary.text
    for p in summary.points:
        assert p.verified, p
        if p.text == "The releases do not say.":
            continue
        assert p.citations and set(p.citations) <= numbers
        if p.section == "headline":
            continue
        shown = p.text.removesuffix("…")
        for n, s, e in p.evidence:
            assert " ".join(release_texts[n][s:e].split()).startswith(shown)
        if p.quote:
            assert_whole_quote(p, release_texts)
    for c in summary.citations:
        assert c.verified and c.quote in release_texts[c.number]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_on_every_release(fmt: str, releases: list[Release], summarizer: Summarizer) -> None:
    for release in releases:
        summary = summarizer.summarize([release], fmt)
        check_summary(summary, {1: release.text})
        sections = [p.section for p in summary.points]
        if fmt == "brief":
            lede = [p for p in summary.points if p.section == "lede"]
            assert [x for x in sections if x != "correction"] == ["headline"] + ["lede"] * len(lede)
            assert 1 <= len(lede) <= summarizer.weights.lede_max
            # the lede adds passages only while it is short of its word budget
            assert sum(len(p.text.split()) for p in lede[:-1]) < summarizer.weights.lede_words
            assert summary.points[0].text == release.title
        elif fmt == "bullets":
            assert 3 <= len([x for x in sections if x != "correction"]) <= 5
            assert all(line.startswith("- ") for line in summary.text.splitlines())
        elif fmt == "social":
            assert 0 < len(summary.plain) <= SOCIAL_LIMIT and summary.plain == summary.text.replace("**", "")
        elif fmt == "newsletter":
            assert "\n" not in summary.text and 3 <= len([x for x in sections if x != "correction"]) <= 4
        else:
            assert [x for x in sections if x != "correction"][0] == "what_happened" and "why_it_matters" in sections
            assert sections[-1] == "what_is_next"
            assert "## What happened" in summary.text and "## What is next" in summary.text


_TOPICS = ("water mains", "bus depots", "school roofs", "bike lanes", "street lights", "park benches", "fire stations")


def _release_of(words: int) -> Release:
    """A release whose body sentences have about ``words`` words each, each on its own subject."""
    filler = "across the northern and southern districts of the county during the coming months and years".split()
    sentences = [f"The council will repair {t} " + " ".join(filler[k % len(filler)] for k in range(words - 6)) + "."
                 for t in _TOPICS]
    return Release(id=f"lede-{words}", title="Council repairs", text="\n\n".join(sentences))


def test_lede_is_the_lead_within_its_word_budget(embedder) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from assistant.summaries import DEFAULT_WEIGHTS

    s = Summarizer(embedder, weights=replace(DEFAULT_WEIGHTS, lede_words=75, lede_overshoot=2.0, lede_max=4))
    for words, passages in ((20, 4), (30, 3), (40, 2), (80, 1)):
        release = _release_of(words)
        lede = s.lede([release])
        assert len(lede) == passages, (words, lede)
        brief = s.summarize([release], "brief")
        assert [p.text for p in brief.points if p.section == "lede"] == lede
        assert all(_TOPICS[k] in text for k, text in enumerate(lede))  # the lead, in order
    shipped = json.loads((Path(__file__).parents[1] / "assistant/summaries/summary_model.json").read_text())
    assert Summarizer(embedder).weights.lede_words == shipped["lede"]["words"]


def test_lede_without_its_final_period_is_the_lede(summarizer: Summarizer) -> None:
    """A standfirst that lost its period (scraped pages, PDFs) is still the lede; a caption later on is not."""
    release = Release(id="standfirst", title="Harbour ferry", text=(
        "Harlow Bay will run an electric ferry across the harbour from June, cutting the crossing to eight minutes\n\n"
        "The ferry will carry 120 passengers and 20 bicycles on each trip.\n\n"
        "The new ferry docked at the pier on Monday evening after sea trials\n\n"
        "Tickets will cost the same as the bus, the harbour board said."))
    dated = Release(id="dated", title="Ferry", text=(
        "HARLOW BAY, Wash., and SEATTLE, June 1, 2025 /PRNewswire/ --\n\n" + release.text.split("\n\n", 1)[1]))
    lede = summarizer.lede([release])
    assert lede[0].startswith("Harlow Bay will run an electric ferry") and lede[0].endswith("eight minutes")
    assert not any("docked at the pier" in t for t in lede)
    assert summarizer.lede([dated])[0].startswith("The ferry will carry")  # a dateline alone is no lede
    brief = summarizer.summarize([release], "brief")
    check_summary(brief, {1: release.text})
    assert brief.points[1].text == lede[0]


@pytest.mark.parametrize(("text", "quotes"), [
    ("Douglas Bader's story is to be told in a Hollywood film dubbed ‘The First Great Escape’.", False),
    ('The tallest and fastest "giga-coaster" in the world opens in May.', False),
    ('"I thought I lost you," the relieved father said.', True),
    ("The film 'Up' was a hit and he said 'We are proud of it.", True),
])
def test_a_sentence_quoting_only_names_quotes_no_one(text: str, quotes: bool) -> None:
    from assistant.summaries.extractive import names_only

    assert names_only(text) is not quotes


def test_bullets_carry_a_verbatim_attributed_quote(releases: list[Release], summarizer: Summarizer) -> None:
    release = next(r for r in releases if "pinecrest" in r.id)
    summary = summarizer.summarize([release], "bullets")
    quotes = [p for p in summary.points if p.quote]
    assert len(quotes) == 1
    q = quotes[0]
    assert q.text in " ".join(release.text.split())
    assert "Whitfield" in (q.attribution or q.text) or "Dunning" in (q.attribution or q.text)
    assert (q.attribution or "") in summary.text


def test_social_post_is_cut_at_a_clause_when_no_sentence_fits(summarizer: Summarizer) -> None:
    long_sentence = ("Acme Corp. today opened a battery plant in Toledo, Ohio, " + "with room for growth, " * 10
                     + "and it will employ 300 people.")
    release = Release(id="long", title="Long", text=long_sentence + "\n\n" + long_sentence.replace("Acme", "Beta"))
    summary = summarizer.summarize([release], "social")
    assert len(summary.plain) <= SOCIAL_LIMIT
    assert summary.points[0].text.endswith("…") and summary.points[0].verified


def test_summary_of_several_releases_numbers_its_sources(releases: list[Release], summarizer: Summarizer) -> None:
    picked = [r for r in releases if "pinecrest" in r.id or "elena-marchetti" in r.id or r.id == SEED_ID]
    assert len(picked) == 3
    summary = summarizer.summarize(picked, "bullets")
    assert [c.number for c in summary.citations] == list(range(1, len(summary.citations) + 1))
    assert len(summary.citations) >= 2
    by_number = {c.number: next(r.text for r in picked if r.id == c.release_id) for c in summary.citations}
    check_summary(summary, by_number)
    assert "Sources:" in summary_to_markdown(summary)
    assert summary_to_text(summary).count("\n[") == len(summary.citations)


def test_unknown_format_is_a_user_error(summarizer: Summarizer, releases: list[Release]) -> None:
    with pytest.raises(BadInput, match="unknown summary format"):
        summarizer.summarize(releases[:1], "haiku")


def test_docx_has_the_points_and_a_source_list(releases: list[Release], summarizer: Summarizer) -> None:
    import docx

    release = next(r for r in releases if "pinecrest" in r.id)
    for fmt in FORMATS:
        summary = summarizer.summarize([release], fmt)
        document = docx.Document(io.BytesIO(summary_to_docx(summary)))
        text = "\n".join(p.text for p in document.paragraphs)
        assert "Sources" in text and release.title in text and "[1]" in text
        assert summary.points[-1].text[:40] in text


# ---- through the Assistant and the CLI, on the shared index ---------------------------------
def test_assistant_summarize_by_id_topic_and_dates(corpus_index) -> None:  # type: ignore[no-untyped-def]
    a = corpus_index
    by_id = a.summarize(release_ids=[SEED_ID], fmt="brief")
    assert by_id.citations[0].release_id == SEED_ID and "July 30, 2022" in by_id.text

    topic = a.summarize(query="smart meters", fmt="bullets")
    assert topic.covered and any("meter" in c.title.lower() for c in topic.citations)

    dated = a.summarize(since="2024-01-01", until="2024-12-31", fmt="exec")
    assert dated.citations and all(c.date and c.date.startswith("2024") for c in dated.citations)
    assert len(dated.details["releases"]) <= a.settings.summary_releases

    off_topic = a.summarize(query="recipe for chocolate chip cookies", fmt="brief")
    assert not off_topic.covered and not off_topic.citations

    with pytest.raises(NotFound):
        a.summarize(release_ids=["no-such-release"])
    with pytest.raises(BadInput, match="choose releases"):
        a.summarize()
    with pytest.raises(BadInput, match="not a date"):
        a.summarize(since="someday")


def test_summarize_stream_ends_with_the_summary(corpus_index) -> None:  # type: ignore[no-untyped-def]
    items = list(corpus_index.summarize_stream(release_ids=[SEED_ID], fmt="social"))
    assert isinstance(items[0], str) and items[-1].fmt == "social" and items[0] == summary_to_markdown(items[-1])


def test_cli_summarize(corpus_index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = str(corpus_index.settings.data_dir)
    runner = CliRunner()
    result = runner.invoke(cli, ["summarize", SEED_ID, "-f", "bullets", "--data-dir", data, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["format"] == "bullets" and out["citations"][0]["release_id"] == SEED_ID
    assert all(p["citations"] == [1] and p["verified"] for p in out["points"])

    target = tmp_path / "brief.docx"
    result = runner.invoke(cli, ["summarize", "-q", "smart meters", "--since", "2020", "-f", "exec", "-o",
                                 str(target), "--data-dir", data])
    assert result.exit_code == 0, result.output
    assert "## What happened" in result.stdout and "Sources:" in result.stdout
    assert target.stat().st_size > 5000

    result = runner.invoke(cli, ["summarize", SEED_ID, "-f", "social", "--plain", "--data-dir", data])
    assert result.exit_code == 0 and len(result.stdout.split("\n\nSources:")[0]) <= SOCIAL_LIMIT

    result = runner.invoke(cli, ["summarize", "--data-dir", data])
    assert result.exit_code == 1 and "choose releases" in result.output
    result = runner.invoke(cli, ["summarize", SEED_ID, "-o", str(tmp_path / "x.pdf"), "--data-dir", data])
    assert result.exit_code == 1 and ".docx, .md or .txt" in result.output


# ---- corrections, whole quotes, documents ---------------------------------------------------
OLD_Q3 = "https://news.northwindgrid.example/2022/10/27/northwind-grid-reports-third-quarter-2022-results/"
NEW_Q3 = "https://news.northwindgrid.example/2022/10/28/correction-northwind-grid-reports-third-quarter-2022-results/"


def _docx_text(data: bytes) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_correction_pair_states_the_corrected_figure_in_every_format(fmt: str, releases: list[Release],
                                                                      summarizer: Summarizer) -> None:
    old = next(r for r in releases if r.id == OLD_Q3)
    new = next(r for r in releases if r.id == NEW_Q3)
    for picked in ([old, new], [new, old], [new]):
        summary = summarizer.summarize(picked, fmt)
        for text in (summary.text, summary.plain, summary_to_text(summary), _docx_text(summary_to_docx(summary))):
            assert "584" not in text and "17.5" not in text, text  # the superseded revenue is never stated
            assert "$548 million" in text and "Correction:" in text, text
        assert [c.release_id for c in summary.citations] == [NEW_Q3]
        notes = [p for p in summary.points if p.section == "correction"]
        assert len(notes) == 1 and notes[0].verified and notes[0].citations == (1,)
        check_summary(summary, {1: new.text})
        if fmt == "social":
            assert len(summary.plain) <= SOCIAL_LIMIT


def test_superseded_release_alone_is_summarised_as_it_is(releases: list[Release], summarizer: Summarizer) -> None:
    old = next(r for r in releases if r.id == OLD_Q3)  # without its correction, nothing says it is wrong
    assert "Correction:" not in summarizer.summarize([old], "brief").text


def test_correction_through_the_assistant_and_the_openai_prompt_sources(corpus_index) -> None:  # type: ignore[no-untyped-def]
    for ids in ([OLD_Q3], [OLD_Q3, NEW_Q3]):  # the corrected release alone brings in its correction
        summary = corpus_index.summarize(release_ids=ids, fmt="exec")
        assert "584" not in summary_to_markdown(summary) and "$548 million" in summary_to_markdown(summary)
        assert "Correction:" in summary_to_markdown(summary) and summary.citations[0].release_id == NEW_Q3
    from assistant.generative import LLMSummarizer

    llm = LLMSummarizer(corpus_index.embedder, None)  # the sources an LLM would see, without calling one
    sources = llm.sources([next(r for r in corpus_releases() if r.id == i) for i in (OLD_Q3, NEW_Q3)])
    assert all("584" not in s.text and "17.5 percent" not in s.text for s in sources)


QUOTES = Release(
    id="quotes", title="Harlow Bay Opens Battery Plant",
    text=("HARLOW BAY, Ore., June 12, 2023 -- Northwind Grid today opened the Harlow Bay battery plant, a 200 MW "
          "storage center on the site of the old power station.\n\n"
          '"Harlow Bay grew up around that old power plant. I am glad to see the site put back to work for the next '
          'generation," said Mayor Rosa Navarro.\n\n'
          '"We built it in eleven months. It stores enough power for 150,000 homes. '
          "And it will cut peak costs for every customer by next summer.\n\n"
          'The plant will start a second phase in 2024, the company said.\n\n'
          "The plant cost $180 million and employs 40 people.\n\n"
          '"This is the biggest battery in the region," said Dana Whitfield, chief executive officer.'),
    date="2023-06-12",
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_quotes_are_whole_with_their_speaker_in_every_format(fmt: str, releases: list[Release],
                                                             summarizer: Summarizer) -> None:
    summary = summarizer.summarize([QUOTES], fmt)
    check_summary(summary, {1: QUOTES.text})
    shown = summary.plain
    assert "Harlow Bay grew up around that old power plant. —" not in shown
    assert "We built it in eleven months" not in shown  # a quotation that never closes is never shown
    for p in summary.points:
        if "grew up" in p.text:
            assert "put back to work for the next generation" in p.text and "Navarro" in p.text
    plant = next(r for r in releases if "battery-plant" in r.id)
    check_summary(summarizer.summarize([plant], fmt), {1: plant.text})


def _docx_structure(data: bytes) -> tuple[list[tuple[str, str]], list[str]]:
    """(style, text) of every paragraph, and the targets of its hyperlinks (read back with python-docx)."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE

    document = docx.Document(io.BytesIO(data))
    links = [r.target_ref for r in document.part.rels.values() if r.reltype == RELATIONSHIP_TYPE.HYPERLINK]
    return [(p.style.name, p.text) for p in document.paragraphs], links


def check_docx(data: bytes, summary_sources: int) -> None:
    paras, links = _docx_structure(data)
    headings = [t for s, t in paras if s.startswith("Heading")]
    assert "Sources:" in headings
    after = [t for _, t in paras[[t for _, t in paras].index("Sources:") + 1:]]
    assert len(after) == summary_sources and all(t.startswith(f"[{n}] ") for n, t in enumerate(after, 1))
    assert links and all(u.startswith("https://") for u in links)


def test_docx_structure_from_a_summary_and_from_edited_markdown(releases: list[Release],
                                                                summarizer: Summarizer) -> None:
    from assistant.documents import markdown_to_docx

    picked = [r for r in releases if "pinecrest" in r.id or "battery-plant" in r.id]
    summary = summarizer.summarize(picked, "exec")
    data = summary_to_docx(summary)
    check_docx(data, len(summary.citations))
    paras, _ = _docx_structure(data)
    assert [t for s, t in paras if s == "Heading 2"][:2] == ["What happened", "Why it matters"]
    # the UI's path: the draft's Markdown, edited, then downloaded
    edited = summary_to_markdown(summary).replace("## Why it matters", "## Why it matters to us")
    paras, links = _docx_structure(markdown_to_docx(edited))
    assert "Why it matters to us" in [t for s, t in paras if s.startswith("Heading")]
    check_docx(markdown_to_docx(edited), len(summary.citations))
    assert "\\[" not in "".join(t for _, t in paras) and "**" not in "".join(t for _, t in paras)


def test_docx_from_the_cli_and_the_api(corpus_index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from assistant.documents import DOCX_MEDIA_TYPE

    from .servers import running

    data = str(corpus_index.settings.data_dir)
    target = tmp_path / "brief.docx"
    ids = [SEED_ID, "https://news.northwindgrid.example/2019/06/18/northwind-grid-and-pinecrest-cooperative-sign-"
                    "clean-power-agreement/"]
    result = CliRunner().invoke(cli, ["summarize", *ids, "-f", "bullets", "-o", str(target), "--data-dir", data])
    assert result.exit_code == 0, result.output
    check_docx(target.read_bytes(), 2)
    try:
        from assistant.web.app import create_app  # type: ignore[import-not-found]
    except ImportError:
        from assistant.api import create_app
    with running(create_app(corpus_index)) as base:
        response = httpx.post(f"{base}/api/v1/summarize", json={"release_ids": ids, "format": "exec"},
                              headers={"Accept": DOCX_MEDIA_TYPE}, timeout=60)
    assert response.status_code == 200
    check_docx(response.content, 2)


def test_correction_without_a_statement_gets_a_note_and_blocks_the_stale_figure(summarizer: Summarizer) -> None:
    old = Release(id="acme-old", title="Acme Opens Toledo Plant", date="2025-03-03",
                  text=("Acme Corp. today opened a $40 million battery plant in Toledo that will employ 300 people.\n\n"
                        "The plant will make 2 million cells a year for electric buses."))
    new = Release(id="acme-new", title="CORRECTION: Acme Opens Toledo Plant", date="2025-03-04",
                  text=("This release replaces the release issued on March 3, 2025, which misstated the plant's cost "
                        "as $40 million.\n\n"
                        "Acme Corp. today opened a $46 million battery plant in Toledo that will employ 300 people.\n\n"
                        "The plant will make 2 million cells a year for electric buses."))
    for fmt in FORMATS:
        summary = summarizer.summarize([old, new], fmt)
        assert "$40 million" not in summary.plain and "$46 million" in summary.plain, summary.plain
        note = next(p for p in summary.points if p.section == "correction")
        assert "Acme Opens Toledo Plant" in note.text and "corrected on 2025-03-04" in note.text
