"""Several app replicas serving one index on a real ``chroma run`` server.

Each replica has its own data folder (its keyword index) and talks to the same Chroma server; what
one replica ingests or deletes, the others answer from (or stop answering from) within
ASSISTANT_KEYWORD_SYNC_SECONDS, over real HTTP.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .conftest import SEED, SEED_QUESTION, make_assistant
from .servers import running

KEY = "replica-test-key"


@pytest.fixture
def replicas(tmp_path: Path, chroma_url: str, embedder):  # type: ignore[no-untyped-def]
    collection = "replicas-" + tmp_path.name[-20:].replace("_", "-").strip("-")
    return [make_assistant(tmp_path / f"replica-{n}", embedder, chroma_url=chroma_url, collection=collection,
                           keyword_sync_seconds=0.0, corpus_dir="", api_keys=KEY) for n in (1, 2)]


def test_replicas_share_ingests_and_deletes(replicas) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    one, two = replicas
    with running(create_app(one)) as url_one, running(create_app(two)) as url_two:
        auth = {"Authorization": f"Bearer {KEY}"}
        up = httpx.post(f"{url_one}/api/v1/releases", headers=auth, timeout=120,
                        files=[("files", (SEED.name, SEED.read_bytes(), "text/plain"))])
        assert up.status_code == 201, up.text
        assert up.json()["added"] == [SEED.name]

        # replica two never ingested anything, yet answers with a citation, keyword index included
        answer = httpx.post(f"{url_two}/api/v1/ask", json={"question": SEED_QUESTION}, timeout=60).json()
        assert "July 30, 2022" in answer["answer"]
        assert answer["citations"][0]["release_id"] == SEED.name
        hits = httpx.get(f"{url_two}/api/v1/search", params={"q": "Shandong Heavy Industry Jinan"}, timeout=60).json()
        assert hits["hits"] and hits["hits"][0]["keyword_score"] is not None
        assert two.keyword.chunk_keys() == one.keyword.chunk_keys()
        health = httpx.get(f"{url_two}/api/v1/health", timeout=30).json()
        assert health["releases"] == 1 and "store" not in health  # health needs no key: no server addresses
        assert two.health()["store"].startswith("http://127.0.0.1")

        gone = httpx.delete(f"{url_two}/api/v1/releases/{SEED.name}", headers=auth, timeout=60)
        assert gone.status_code == 200, gone.text
        after = httpx.post(f"{url_one}/api/v1/ask", json={"question": SEED_QUESTION}, timeout=60).json()
        assert not after["citations"], "a release deleted on one replica is still cited by another"
        httpx.get(f"{url_one}/api/v1/search", params={"q": "Shandong"}, timeout=60)
        assert one.keyword.count() == 0, "the deleted release's keyword rows stayed on the other replica"


def test_a_replica_started_later_catches_up(replicas, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    one, _ = replicas
    one.ingest([SEED])
    late = make_assistant(tmp_path / "late", embedder, chroma_url=one.settings.chroma_url,
                          collection=one.settings.collection, keyword_sync_seconds=60.0)
    hits = late.search("strategic cooperation signing ceremony in Jinan")
    assert hits and hits[0].chunk.release_id == SEED.name and hits[0].keyword_score is not None
