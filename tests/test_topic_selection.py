"""Topic summaries choose their releases by the hybrid retrieval questions use (issue #14)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assistant.cli import cli


def test_a_plain_topic_finds_its_release(corpus_index) -> None:  # type: ignore[no-untyped-def]
    chosen = corpus_index.summary_releases(query="batteries")
    assert any("battery" in r.title.lower() for r in chosen)


def test_a_look_alike_topic_finds_nothing(corpus_index) -> None:  # type: ignore[no-untyped-def]
    assert corpus_index.summary_releases(query="quantum computing partnership") == []


def test_topic_summary_over_the_cli(corpus_index) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["summarize", "-q", "batteries", "--json",
                                      "--data-dir", str(corpus_index.settings.data_dir)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["covered"] and any("Battery" in c["title"] for c in summary["citations"])
