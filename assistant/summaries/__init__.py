"""Releases -> cited summary drafts in the formats PR staff use: brief, bullets, social, newsletter, exec.

``base`` holds what every backend shares (formats, corrections, assembling and rendering, choosing
releases), ``scorer`` the sentence model learned from news, ``extractive`` the offline summariser;
the LLM summariser is ``assistant.generative.LLMSummarizer``. Drafts are written out as Markdown,
text or .docx by ``assistant.documents``.
"""

from assistant.summaries.base import (
    FORMATS,
    MAX_BULLETS,
    NOT_SAID,
    SOCIAL_LIMIT,
    Corrections,
    build_summary,
    check_format,
    corrections,
    empty_summary,
    release_citation,
    render,
    select_releases,
    with_corrections,
)
from assistant.summaries.extractive import Summarizer, clause_cut, whole_quotes
from assistant.summaries.scorer import DEFAULT_WEIGHTS, Weights, mmr, score

__all__ = [
    "DEFAULT_WEIGHTS", "FORMATS", "MAX_BULLETS", "NOT_SAID", "SOCIAL_LIMIT",
    "Corrections", "Summarizer", "Weights", "build_summary", "check_format", "clause_cut", "corrections",
    "empty_summary", "mmr", "release_citation", "render", "score", "select_releases",
    "whole_quotes", "with_corrections",
]
