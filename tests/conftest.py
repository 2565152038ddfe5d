"""Shared fixtures: settings pointed at temp folders, and one real index of the bundled corpus.

The index uses the real embedding model and real Chroma; it is built once per test session
(about ten seconds) and shared read-only. Tests that change an index build their own.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SEED = CORPUS / "000_db7f590154eb122a.txt"
SHARED = ROOT.parent / "shared"
SERVER_URL = os.environ.get("PRESS_TEST_CHROMA_URL", "")  # set by tests/chroma_server.py
SEED_QUESTION = "When did China Unicom and Shandong Heavy Industry sign their strategic cooperation agreement?"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's .env or writes to ./data."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The default backend (ONNX) with default settings, loaded once."""
    from assistant.embedding import create_embedder
    from assistant.settings import Settings

    s = Settings()
    return create_embedder(s.embedding_backend, s.embedding_model, batch_size=s.embedding_batch_size,
                           threads=s.threads, cache_dir=s.onnx_cache_dir)


def make_news(data_dir: Path, embedder, stories, prefix: str):  # type: ignore[no-untyped-def]
    """An Assistant holding ``stories`` ((source, date, title, body) tuples) as releases ``<prefix>-<i>``."""
    from assistant.types import Release

    a = make_assistant(data_dir, embedder)
    a.index_releases(Release(id=f"{prefix}-{i}", title=t, text=body, date=d, source=s)
                     for i, (s, d, t, body) in enumerate(stories))
    return a


def make_assistant(data_dir: Path, embedder=None, **overrides):  # type: ignore[no-untyped-def]
    """An Assistant on ``data_dir`` that shares the session's loaded model.

    With ``PRESS_TEST_CHROMA_URL`` set (``python -m tests.chroma_server pytest ...``), the index lives on
    that Chroma server instead, in collections named after ``data_dir`` so that tests stay apart.
    """
    from assistant.core import Assistant
    from assistant.settings import Settings

    if SERVER_URL and "chroma_url" not in overrides:
        overrides.update(chroma_url=SERVER_URL,
                         collection="t" + hashlib.sha1(str(data_dir).encode()).hexdigest()[:16])
    a = Assistant(Settings(data_dir=data_dir, **overrides))
    if embedder is not None:
        a.__dict__["embedder"] = embedder
    return a


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """The bundled corpus, indexed once; do not modify it in tests."""
    data = tmp_path_factory.mktemp("corpus-index")
    a = make_assistant(data, embedder)
    report = a.ingest([CORPUS])
    assert not report.rejected, report.rejected
    return a


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the bundled corpus that a test may edit."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst, ignore=shutil.ignore_patterns("README.md"))
    yield dst


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` server: the one the test run was given, else one started for this session."""
    if SERVER_URL:
        yield SERVER_URL
        return
    from .chroma_server import chroma_server

    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url
