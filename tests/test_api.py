"""The web app over real HTTP: uvicorn on 127.0.0.1, the real index, the Gradio UI mounted at /."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from .conftest import SEED_QUESTION


@pytest.fixture(scope="module")
def server(corpus_index) -> Iterator[str]:  # type: ignore[no-untyped-def]
    import uvicorn

    from assistant.api import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(corpus_index), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/api/v1/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


def test_ask_over_http(server: str) -> None:
    r = httpx.post(f"{server}/api/v1/ask", json={"question": SEED_QUESTION}, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["covered"] and "July 30, 2022" in body["answer"]
    c = body["citations"][0]
    assert c["number"] == 1 and c["verified"] and c["date"] == "2022-07-30" and "July 30, 2022" in c["quote"]


def test_not_covered_over_http(server: str) -> None:
    r = httpx.post(f"{server}/api/v1/ask", json={"question": "How do I repot an orchid?"}, timeout=30)
    assert r.status_code == 200 and r.json()["covered"] is False and r.json()["citations"] == []


@pytest.mark.parametrize("method,path,payload,status,code", [
    ("post", "/api/v1/ask", {"question": ""}, 422, "invalid_input"),
    ("post", "/api/v1/ask", {"question": "x" * 100_000}, 422, "question_too_long"),
    ("post", "/api/v1/ask", {"nothing": 1}, 422, "invalid_request"),
    ("get", "/api/v1/releases/no-such-release", None, 404, "not_found"),
    ("get", "/api/v1/no-such-route", None, 404, "not_found"),
])
def test_errors_share_one_json_shape(server: str, method: str, path: str, payload, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    r = httpx.request(method.upper(), server + path, json=payload, timeout=30)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["status"] == status and err["code"] == code and err["message"]


def test_health_releases_and_search(server: str) -> None:
    health = httpx.get(f"{server}/api/v1/health").json()
    assert health["status"] == "ok" and health["releases"] >= 21 and health["chunks"] >= health["releases"]
    releases = httpx.get(f"{server}/api/v1/releases").json()["releases"]
    seed = next(r for r in releases if r["date"] == "2022-07-30")
    full = httpx.get(f"{server}/api/v1/releases/{seed['id']}").json()
    assert "Back to top" not in full["text"] and full["text"].startswith("On the afternoon of July 30, 2022")
    hits = httpx.get(f"{server}/api/v1/search", params={"q": "Shandong Heavy Industry agreement"}).json()["hits"]
    assert hits[0]["release_id"] == seed["id"]


def test_ui_is_served_at_root(server: str) -> None:
    r = httpx.get(server + "/", timeout=30)
    assert r.status_code == 200 and "gradio" in r.text.lower()
