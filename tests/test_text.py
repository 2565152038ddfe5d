"""Shared text utilities: Porter stems and Punkt sentences without nltk, and the stop words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant import text

from .conftest import ROOT


@pytest.mark.parametrize(("word", "expected"), [
    ("agreements", "agreement"), ("signed", "sign"), ("running", "run"), ("generalization", "gener"),
    ("doxxed", "dox"), ("revving", "rev"),  # Porter's step 1b on doubles Snowball's list leaves out
    ("ahh", "ahh"), ("analogy", "analogi"),
])
def test_stems_are_the_original_porter_algorithm(word: str, expected: str) -> None:
    assert text.stem(word) == expected


def test_stems_match_nltk_original_algorithm_on_real_prose() -> None:
    porter = pytest.importorskip("nltk.stem.porter")
    nltk_stem = porter.PorterStemmer(mode=porter.PorterStemmer.ORIGINAL_ALGORITHM).stem
    words = {w for p in (ROOT / "corpus").iterdir() if p.is_file() for w in text.words(p.read_text(errors="replace"))}
    assert len(words) > 1500
    assert [w for w in sorted(words) if text.stem(w) != nltk_stem(w)] == []


def test_terms_drop_question_words_and_stem_the_rest() -> None:
    assert text.terms("When did Northwind Grid sign the agreements?") == ["northwind", "grid", "sign", "agreement"]


def test_sentences_keep_abbreviations_and_split_at_ends() -> None:
    para = "Mr. Foss joined in 2007. He retires on Jan. 5, 2024. Ms. Marchetti starts then."
    spans = list(text.sentence_splitter().span_tokenize(para))
    assert [para[s:e] for s, e in spans] == [
        "Mr. Foss joined in 2007.", "He retires on Jan. 5, 2024.", "Ms. Marchetti starts then."]


def test_importing_text_utilities_loads_no_nltk() -> None:
    code = ("import sys; from assistant import text; text.stem('running'); text.sentence_splitter()\n"
            "print('nltk' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "False"
