"""The offline citation checker: parsing generated text into cited claims, and judging support."""

from __future__ import annotations

import pytest

from assistant.checking import (
    CitationChecker,
    citation_numbers,
    key_terms,
    parse_claims,
    spearman,
    strip_citations,
    terms,
)
from assistant.generative import quotes_verbatim

from .conftest import CORPUS

PINECREST = CORPUS / "2019-06-18-northwind-grid-and-pinecrest-cooperative-sign-clean-power-agreement.md"
CFO = CORPUS / "2021-07-12-northwind-grid-appoints-elena-marchetti-chief-financial-officer.txt"


def release_text(path):  # type: ignore[no-untyped-def]
    from assistant.corpus import load_file

    (release,) = list(load_file(path, path.parent))
    return release.text


@pytest.mark.parametrize(("text", "expected"), [
    ("The plant opened in May. [1] It cost $96 million [2].",
     [("The plant opened in May.", (1,)), ("It cost $96 million.", (2,))]),
    ("Revenue rose [1][3]. Profit fell [2, 4].", [("Revenue rose.", (1, 3)), ("Profit fell.", (2, 4))]),
    ("- First point [1]\n- Second point [Source 2]\n", [("First point", (1,)), ("Second point", (2,))]),
    ("A sentence without a source.", [("A sentence without a source.", ())]),
    ("Deliveries start in 2020 [1-3].", [("Deliveries start in 2020.", (1, 2, 3))]),
])
def test_parse_claims_attaches_markers_to_their_sentence(text: str, expected: list) -> None:  # type: ignore[type-arg]
    got = [(c.text, c.citations) for c in parse_claims(text)]
    assert got == expected


def test_parse_claims_keeps_section_labels_and_drops_stray_markup() -> None:
    text = "What happened: The deal closed on June 17. [1]\n<p>\nWhy it matters:\nPrices stay fixed. [2]"
    claims = parse_claims(text)
    assert [(c.section, c.citations) for c in claims] == [("What happened", (1,)), ("Why it matters", (2,))]


def test_citation_helpers() -> None:
    assert citation_numbers("1, 3 and 5") == [1, 3, 5]
    assert citation_numbers("2-4") == [2, 3, 4]
    assert strip_citations("Text [1] more [2][3].") == "Text more."
    assert terms("The agreements were signed in 2019, costing 1,000 dollars") == ["agreement", "sign", "2019",
                                                                                   "cost", "1000", "dollar"]
    assert {"96", "pinecrest"} <= key_terms("The line to Pinecrest costs $96 million.")


def test_spearman_matches_known_values() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ties get average ranks (values checked against scipy.stats.spearmanr)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(0.948683, abs=1e-5)
    assert spearman([3, 1, 4, 1, 5], [9, 2, 6, 5, 3]) == pytest.approx(0.205196, abs=1e-5)


def test_quotes_must_be_verbatim() -> None:
    src = '"Rural communities deserve the same access to clean, affordable power as our cities," said Dana Whitfield.'
    assert quotes_verbatim('Whitfield said "rural communities deserve the same access to clean, affordable power".',
                           src)
    assert not quotes_verbatim('Whitfield said "rural towns deserve cheap power from the company".', src)
    assert quotes_verbatim("No quote in this sentence at all.", src)
    unattributed = '"Rural communities deserve the same access to clean, affordable power as our cities."'
    assert not quotes_verbatim(unattributed, src)
    assert quotes_verbatim(unattributed[:-1] + '," Whitfield said.', src)


@pytest.fixture(scope="module")
def checker(embedder):  # type: ignore[no-untyped-def]
    return CitationChecker(embedder)


def test_supported_and_unsupported_claims(checker: CitationChecker) -> None:
    pinecrest, cfo = release_text(PINECREST), release_text(CFO)
    sources = {1: pinecrest, 2: cfo}
    text = (
        "Northwind Grid will supply up to 120 megawatts of wind and hydro power to Pinecrest from January 2020. [1] "
        "The Pinecrest Tie transmission line is estimated to cost $96 million. [1] "
        "The Pinecrest Tie will cost $410 million and run 300 miles. [1] "  # invented figures
        "Elena Marchetti becomes chief financial officer on August 2, 2021. [1] "  # true, but not in source 1
        "Elena Marchetti becomes chief financial officer on August 2, 2021. [2] "
        "Ms. Marchetti previously worked at Lakemont Energy Cooperative. [7]"  # no source 7
    )
    result = checker.check(text, sources)
    verdicts = [(c.citations, c.verified) for c in result.claims]
    assert verdicts == [((1,), True), ((1,), True), ((1,), False), ((1,), False), ((2,), True), ((), False)]
    assert result.unknown == (7,)
    bad = result.claims[2].support
    assert bad is not None and "410" in bad.missing
    best = result.claims[1].support
    assert best is not None and "$96 million" in pinecrest[best.start:best.end]


def test_declining_sentences_are_recognised(checker: CitationChecker) -> None:
    result = checker.check("The sources do not mention the price of the meters.", {1: release_text(PINECREST)})
    assert result.claims[0].declines and not result.claims[0].verified


def test_faithfulness_score_ranks_a_faithful_summary_above_an_invented_one(checker: CitationChecker) -> None:
    article = release_text(CFO)
    faithful = "Northwind Grid appointed Elena Marchetti chief financial officer. She succeeds Gerald Foss."
    invented = "Northwind Grid fired its chief executive. The company will move to Seattle in 2030."
    assert checker.score_text(faithful, article) > 0.6 > 0.3 > checker.score_text(invented, article)
