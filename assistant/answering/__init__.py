"""Hits -> Answer with verified citations; answerer backends chosen by name.

``base`` holds what every answerer shares (question checks, composing and verifying quotes);
``extractive`` is the offline answerer built on the reader (``assistant.reader``). Heavy parts load lazily.
"""

from __future__ import annotations

from typing import Any

from assistant.answering.base import (
    BASE_STOPWORDS,
    COVERAGE_WEIGHT,
    NOT_COVERED,
    STOPWORDS,
    Quote,
    check_question,
    compose,
    coverage,
    not_covered,
    salient_terms,
    tokens,
)

__all__ = ["BASE_STOPWORDS", "COVERAGE_WEIGHT", "EMBEDDED_SENTENCES", "NOT_COVERED", "STOPWORDS",
           "ExtractiveAnswerer", "Quote", "check_question", "compose", "coverage", "not_covered",
           "salient_terms", "tokens"]


def __getattr__(name: str) -> Any:
    """``ExtractiveAnswerer`` and ``EMBEDDED_SENTENCES`` load the retrieval stack, so they come on first use."""
    if name in {"ExtractiveAnswerer", "EMBEDDED_SENTENCES"}:
        from assistant.answering import extractive

        return getattr(extractive, name)
    raise AttributeError(name)
