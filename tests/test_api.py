"""The web app over real HTTP: uvicorn on 127.0.0.1, real indexes, every route, error and auth case.

Two servers per module: ``server`` on the shared read-only corpus index (UI mounted, no API
keys, so writes are refused), and ``writable`` on a small private index with API keys and small
size limits, for uploads, deletes, limits and auth. schemathesis runs last, against ``writable``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import SEED_QUESTION
from .servers import running, small_index, with_settings

KEY = "key-one"
HEADERS = {"Authorization": f"Bearer {KEY}"}
TIDAL = ("Northwind Grid Switches On Saltmarsh Point Tidal Energy Pilot\n\n"
         "HARLOW BAY, Ore., April 14, 2026 -- Northwind Grid today switched on the Saltmarsh Point tidal energy "
         "pilot, four underwater turbines with a combined capacity of 2.4 megawatts anchored off the Saltmarsh "
         "Point breakwater. The turbines will supply about 1,900 homes when the tide runs.\n\n"
         "The pilot cost $31 million, shared with the state energy office, and will run for five years.\n")
TIDAL_QUESTION = "What is the capacity of the Saltmarsh Point tidal energy pilot?"


@pytest.fixture(scope="module")
def server(corpus_index) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    with running(create_app(corpus_index)) as base:
        yield base


@pytest.fixture(scope="module")
def writable_assistant(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    return small_index(tmp_path_factory.mktemp("api-writable"), embedder, api_keys=f"{KEY},key-two",
                       max_request_mb=0.2, max_file_mb=0.05)


@pytest.fixture(scope="module")
def writable(writable_assistant) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    with running(create_app(writable_assistant, with_ui=False)) as base:
        yield base


def events(body: str) -> list[tuple[str, Any]]:
    """Server-sent events as (event, parsed data)."""
    out = []
    for block in body.strip().split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        out.append((name, json.loads("\n".join(data))))
    return out


# ---- answers ------------------------------------------------------------------------------
def test_ask_over_http(server: str) -> None:
    r = httpx.post(f"{server}/api/v1/ask", json={"question": SEED_QUESTION}, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["covered"] and "July 30, 2022" in body["answer"]
    c = body["citations"][0]
    assert c["number"] == 1 and c["verified"] and c["date"] == "2022-07-30" and "July 30, 2022" in c["quote"]



def test_an_inferred_date_is_said_to_be_inferred(server: str) -> None:
    """The China Unicom page states no date; its date comes from the ceremony its text describes. Every
    Northwind release states its own (a dateline or metadata), so only the seed is marked."""
    cite = httpx.post(f"{server}/api/v1/ask", json={"question": SEED_QUESTION}, timeout=30).json()["citations"][0]
    assert cite["date"] == "2022-07-30" and cite["date_inferred"] is True
    releases = httpx.get(f"{server}/api/v1/releases").json()["releases"]
    assert [r["date"] for r in releases if r["date_inferred"]] == ["2022-07-30"]
    assert all(r["date_inferred"] is False for r in releases if r["date"] != "2022-07-30")
    seed = next(r for r in releases if r["date_inferred"])
    assert httpx.get(f"{server}/api/v1/releases/{seed['id']}").json()["date_inferred"] is True
    hits = httpx.get(f"{server}/api/v1/search", params={"q": "Shandong Heavy Industry agreement", "k": 3}
                     ).json()["hits"]
    assert hits[0]["date_inferred"] is True
    dated = httpx.post(f"{server}/api/v1/ask", json={"question": "How many smart meters did Northwind Grid install?"},
                       timeout=30).json()["citations"]
    assert dated and not any(c["date_inferred"] for c in dated)
    spec = httpx.get(f"{server}/openapi.json").json()["components"]["schemas"]
    assert "date_inferred" in spec["CitationOut"]["properties"]

def test_not_covered_over_http(server: str) -> None:
    r = httpx.post(f"{server}/api/v1/ask", json={"question": "How do I repot an orchid?"}, timeout=30)
    assert r.status_code == 200 and r.json()["covered"] is False and r.json()["citations"] == []


def test_ask_filters_by_date_and_source(server: str) -> None:
    later = httpx.post(f"{server}/api/v1/ask", json={"question": SEED_QUESTION, "since": "2023"}, timeout=30).json()
    assert all(c["date"] >= "2023-01-01" for c in later["citations"])
    assert "July 30, 2022" not in later["answer"]
    nowhere = httpx.post(f"{server}/api/v1/ask", json={"question": SEED_QUESTION, "sources": ["No Such Source"]},
                         timeout=30).json()
    assert nowhere["covered"] is False


def test_follow_up_uses_the_history(server: str) -> None:
    history = [{"role": "user", "content": SEED_QUESTION},
               {"role": "assistant", "content": "On the afternoon of July 30, 2022, ... [1]"}]
    r = httpx.post(f"{server}/api/v1/ask", json={"question": "And who signed it?", "history": history}, timeout=30)
    body = r.json()
    assert r.status_code == 200 and body["covered"]
    assert body["citations"][0]["date"] == "2022-07-30" and "Tang Yongbo" in body["answer"]


@pytest.mark.parametrize("how", ["flag", "accept"])
def test_ask_streams_tokens_then_sources(server: str, how: str) -> None:
    payload: dict[str, Any] = {"question": SEED_QUESTION}
    headers = {}
    if how == "flag":
        payload["stream"] = True
    else:
        headers["Accept"] = "text/event-stream"
    with httpx.stream("POST", f"{server}/api/v1/ask", json=payload, headers=headers, timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        got = events(r.read().decode())
    names = [n for n, _ in got]
    assert names[-2:] == ["sources", "done"] and names.count("sources") == 1 and set(names[:-2]) == {"token"}
    assert len(names) >= 3  # more than one token: it streams
    answer = got[-2][1]
    assert "".join(d["text"] for n, d in got if n == "token") == answer["answer"]
    assert "July 30, 2022" in answer["answer"] and answer["citations"][0]["verified"]


def test_stream_input_errors_are_json(server: str) -> None:
    r = httpx.post(f"{server}/api/v1/ask", json={"question": "x" * 5000, "stream": True}, timeout=30)
    assert r.status_code == 422 and r.json()["error"]["code"] == "question_too_long"


def test_search_ranks_passages_with_filters(server: str) -> None:
    query = {"q": "Shandong Heavy Industry agreement", "k": 3}
    hits = httpx.get(f"{server}/api/v1/search", params=query).json()["hits"]
    assert len(hits) == 3 and hits[0]["date"] == "2022-07-30" and hits[0]["score"] >= hits[-1]["score"]
    later = httpx.get(f"{server}/api/v1/search", params={"q": "Shandong Heavy Industry agreement",
                                                          "since": "2023-01-01"}).json()["hits"]
    assert later and all(h["date"] >= "2023-01-01" for h in later)


def test_health_releases_and_one_release(server: str) -> None:
    health = httpx.get(f"{server}/api/v1/health").json()
    assert health["status"] == "ok" and health["releases"] >= 21 and health["chunks"] >= health["releases"]
    releases = httpx.get(f"{server}/api/v1/releases").json()["releases"]
    seed = next(r for r in releases if r["date"] == "2022-07-30")
    full = httpx.get(f"{server}/api/v1/releases/{seed['id']}").json()
    assert "path" not in full and "/corpus/" not in str(full)  # no server file paths leak
    assert "Back to top" not in full["text"] and full["text"].startswith("On the afternoon of July 30, 2022")
    found = httpx.get(f"{server}/api/v1/releases", params={"q": "unicom"}).json()["releases"]
    assert [r["id"] for r in found] == [seed["id"]]
    by_url = next(r for r in releases if r["id"].startswith("https://"))
    assert httpx.get(f"{server}/api/v1/releases/{by_url['id']}").json()["id"] == by_url["id"]


def test_openapi_and_docs(server: str) -> None:
    spec = httpx.get(f"{server}/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/api/v1/ask", "post"), ("/api/v1/search", "get"), ("/api/v1/summarize", "post"),
                         ("/api/v1/releases", "get"), ("/api/v1/releases", "post"),
                         ("/api/v1/releases/{release_id}", "get"), ("/api/v1/releases/{release_id}", "delete"),
                         ("/api/v1/health", "get"), ("/v1/chat/completions", "post")]:
        assert method in paths[path], (path, method)
    assert paths["/api/v1/releases"]["post"]["security"]  # writes declare their key
    assert set(spec["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert httpx.get(f"{server}/docs").status_code == 200


def test_ui_is_served_at_root(server: str) -> None:
    r = httpx.get(server + "/", timeout=30)
    assert r.status_code == 200 and "gradio" in r.text.lower()


def test_gradio_client_drives_the_ui_api(server: str) -> None:
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    chat, _, sources_html, markdown = client.predict(SEED_QUESTION, api_name="/ask")
    assert "July 30, 2022" in markdown and "Sources:" in markdown and "[1]" in markdown
    assert "<mark>" in sources_html and "src-1-1" in sources_html
    assert len(chat) == 2
    table, _, count = client.predict("unicom", api_name="/releases")
    assert [row[1] for row in table["data"]] == ["2022-07-30*"] and "1 of " in count  # * : an inferred date
    assert "* Date inferred" in count


# ---- errors: one JSON shape -----------------------------------------------------------------
@pytest.mark.parametrize("method,path,payload,status,code", [
    ("post", "/api/v1/ask", {"question": ""}, 422, "invalid_input"),
    ("post", "/api/v1/ask", {"question": "   "}, 422, "invalid_input"),
    ("post", "/api/v1/ask", {"question": "x" * 100_000}, 422, "question_too_long"),
    ("post", "/api/v1/ask", {"nothing": 1}, 422, "invalid_input"),
    ("post", "/api/v1/ask", {"question": "When?", "since": "last spring"}, 422, "invalid_input"),
    ("post", "/api/v1/ask", {"question": "When?", "backend": "no-such-backend"}, 422, "unknown_backend"),
    ("get", "/api/v1/search?q=", None, 422, "invalid_input"),
    ("get", "/api/v1/search?q=grid&k=0", None, 422, "invalid_input"),
    ("get", "/api/v1/search?q=grid&k=101", None, 422, "invalid_input"),
    ("get", "/api/v1/releases/no-such-release", None, 404, "not_found"),
    ("get", "/api/v1/no-such-route", None, 404, "not_found"),
    ("put", "/api/v1/health", None, 405, "method_not_allowed"),
    ("get", "/v1/chat/completions", None, 405, "method_not_allowed"),
    ("post", "/api/v1/releases", {"text": "x"}, 403, "writes_disabled"),
    ("delete", "/api/v1/releases/000_db7f590154eb122a.txt", None, 403, "writes_disabled"),
])
def test_errors_share_one_json_shape(server: str, method: str, path: str, payload, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    r = httpx.request(method.upper(), server + path, json=payload, timeout=30)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["status"] == status and err["code"] == code and err["message"]
    if code == "writes_disabled":
        assert "ASSISTANT_API_KEYS" in err["message"]
    if status == 405:
        assert r.headers["allow"]


@pytest.mark.parametrize("path,payload,field", [
    ("/api/v1/ask", {"question": "When?", "sincee": "2023"}, "sincee"),
    ("/api/v1/ask", {"question": "When?", "history": [{"role": "user", "content": "hi", "extra": 1}]},
     "history.0.extra"),
    ("/api/v1/summarize", {"query": "meters", "formt": "bullets"}, "formt"),
])
def test_unknown_fields_are_named_not_ignored(server: str, path: str, payload: dict[str, Any], field: str) -> None:
    r = httpx.post(server + path, json=payload, timeout=30)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and f"unknown field {field!r}" in err["message"]


def test_unknown_field_of_a_json_release_is_named(writable: str) -> None:
    r = httpx.post(f"{writable}/api/v1/releases", json={"text": TIDAL, "titel": "x"}, headers=HEADERS)
    assert r.status_code == 422 and r.json()["error"] == {
        "status": 422, "code": "invalid_input", "message": "unknown field 'titel'"}


@pytest.mark.parametrize("path", ["/api/v1/ask", "/api/v1/summarize", "/v1/chat/completions"])
def test_malformed_json_says_so_in_words(server: str, path: str) -> None:
    r = httpx.post(server + path, content=b'{"question": "When?",}', timeout=30,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and err["message"].startswith("the body is not valid JSON (")
    assert "JSON decode error" not in err["message"] and not err["message"][0].isdigit()


def test_blank_question_message_is_plain(server: str) -> None:
    err = httpx.post(f"{server}/api/v1/ask", json={"question": " "}).json()["error"]
    assert err["message"] == "question: must not be blank"


# ---- writes, auth and limits ----------------------------------------------------------------
@pytest.mark.parametrize("headers,status,code", [
    ({}, 401, "missing_api_key"),
    ({"Authorization": "Bearer wrong"}, 401, "invalid_api_key"),
    ({"X-API-Key": "wrong"}, 401, "invalid_api_key"),
    ({"Authorization": "Basic a2V5LW9uZTo="}, 401, "missing_api_key"),
])
def test_writes_need_a_valid_key(writable: str, headers: dict[str, str], status: int, code: str) -> None:
    for method, path in [("POST", "/api/v1/releases"), ("DELETE", "/api/v1/releases/000_db7f590154eb122a.txt")]:
        r = httpx.request(method, writable + path, json={"text": TIDAL}, headers=headers)
        assert r.status_code == status and r.json()["error"]["code"] == code
        assert r.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{writable}/api/v1/releases/000_db7f590154eb122a.txt").status_code == 200


def test_upload_files_then_ask_then_delete(writable: str) -> None:
    files = [("files", ("tidal-pilot.txt", TIDAL.encode(), "text/plain")),
             ("files", ("empty.txt", b"", "text/plain")),
             ("files", ("notes.docx", b"PK\x03\x04", "application/octet-stream")),
             ("files", ("huge.txt", b"word " * 20_000, "text/plain"))]
    r = httpx.post(f"{writable}/api/v1/releases", files=files, headers={"X-API-Key": "key-two"}, timeout=60)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["added"] == ["tidal-pilot.txt"]
    reasons = {x["path"]: x["reason"] for x in report["rejected"]}
    assert reasons.keys() == {"empty.txt", "notes.docx", "huge.txt"}
    assert "empty" in reasons["empty.txt"] and "unsupported" in reasons["notes.docx"] and "limit" in reasons["huge.txt"]

    again = httpx.post(f"{writable}/api/v1/releases", files=files[:1], headers=HEADERS, timeout=60)
    assert again.status_code == 200 and again.json()["unchanged"] == ["tidal-pilot.txt"]

    answer = httpx.post(f"{writable}/api/v1/ask", json={"question": TIDAL_QUESTION}, timeout=30).json()
    assert "2.4 megawatts" in answer["answer"] and answer["citations"][0]["release_id"] == "tidal-pilot.txt"

    assert httpx.delete(f"{writable}/api/v1/releases/tidal-pilot.txt", headers=HEADERS).json() == {
        "deleted": "tidal-pilot.txt"}
    assert httpx.get(f"{writable}/api/v1/releases/tidal-pilot.txt").status_code == 404
    gone = httpx.delete(f"{writable}/api/v1/releases/tidal-pilot.txt", headers=HEADERS)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_add_a_release_as_json(writable: str) -> None:
    body = {"title": "Northwind Grid Names Harbour Pilot Lead", "date": "2026-02-02",
            "url": "https://news.example.com/2026/harbour-pilot-lead",
            "text": "HARLOW BAY -- Northwind Grid named Priya Okafor to lead the harbour electrification pilot, "
                    "which will connect 14 tugboats to shore power by 2027."}
    r = httpx.post(f"{writable}/api/v1/releases", json=body, headers=HEADERS, timeout=60)
    assert r.status_code == 201 and r.json()["added"] == [body["url"]]
    got = httpx.get(f"{writable}/api/v1/releases/{body['url']}").json()
    assert got["title"] == body["title"] and got["date"] == "2026-02-02" and "Priya Okafor" in got["text"]
    assert httpx.delete(f"{writable}/api/v1/releases/{body['url']}", headers=HEADERS).status_code == 200


@pytest.mark.parametrize("kwargs,status,code", [
    ({"json": {"title": "no text"}}, 422, "invalid_input"),
    ({"json": {"text": "x", "colour": "red"}}, 422, "invalid_input"),
    ({"json": ["not", "an", "object"]}, 422, "invalid_input"),
    ({"content": b"{broken", "headers": {"Content-Type": "application/json"}}, 422, "invalid_input"),
    ({"json": {"text": "   \n  "}}, 422, "invalid_input"),
    ({"content": b"just text", "headers": {"Content-Type": "text/plain"}}, 415, "unsupported_media_type"),
    ({"files": [("other", ("a.txt", b"hello", "text/plain"))]}, 422, "invalid_input"),
    ({"content": b"x" * 250_000, "headers": {"Content-Type": "application/json"}}, 413, "too_large"),
])
def test_bad_uploads(writable: str, kwargs: dict[str, Any], status: int, code: str) -> None:
    headers = {**HEADERS, **kwargs.pop("headers", {})}
    r = httpx.post(f"{writable}/api/v1/releases", headers=headers, timeout=30, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_body_without_length_is_counted(writable: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b"x" * 10_000

    r = httpx.post(f"{writable}/api/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == {
        "status": 413, "code": "too_large",
        "message": "the request body is larger than the limit of 0.2 MB (ASSISTANT_MAX_REQUEST_MB)"}


def test_reads_can_require_a_key(writable_assistant) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    locked = with_settings(writable_assistant, require_key_for_reads=True)
    with running(create_app(locked, with_ui=False)) as base:
        assert httpx.get(f"{base}/api/v1/health").status_code == 200
        for method, path, payload in [("GET", "/api/v1/releases", None), ("GET", "/api/v1/search?q=meters", None),
                                      ("POST", "/api/v1/ask", {"question": "smart meters"}),
                                      ("GET", "/api/v1/releases/000_db7f590154eb122a.txt", None)]:
            r = httpx.request(method, base + path, json=payload, timeout=30)
            assert r.status_code == 401 and r.json()["error"]["code"] == "missing_api_key", path
            ok = httpx.request(method, base + path, json=payload, headers={"X-API-Key": KEY}, timeout=30)
            assert ok.status_code == 200, path
        spec = httpx.get(f"{base}/openapi.json").json()
        assert spec["paths"]["/api/v1/releases"]["get"]["security"]


def test_ui_asks_for_a_key_when_reads_need_one(writable_assistant) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    locked = with_settings(writable_assistant, require_key_for_reads=True)
    with running(create_app(locked)) as base, httpx.Client(base_url=base) as browser:
        assert browser.get("/config").status_code == 401
        assert browser.post("/login", data={"username": "press", "password": "wrong"}).status_code == 400
        assert browser.post("/login", data={"username": "press", "password": KEY}).status_code == 200
        assert browser.get("/config").status_code == 200


def test_require_key_for_reads_needs_keys() -> None:
    from assistant.errors import ConfigError
    from assistant.settings import Settings

    with pytest.raises(ConfigError, match="ASSISTANT_API_KEYS"):
        Settings.from_env(env={"ASSISTANT_REQUIRE_KEY_FOR_READS": "true"}, dotenv=None)


# ---- summaries (skipped until Assistant.summarize exists) -----------------------------------
def _summaries() -> bool:
    from assistant.core import Assistant

    return callable(getattr(Assistant, "summarize", None))


@pytest.mark.skipif(not _summaries(), reason="Assistant.summarize is not there yet (summaries issue)")
def test_summarize_markdown_json_and_docx(server: str) -> None:
    body = {"release_ids": ["000_db7f590154eb122a.txt"], "format": "brief"}
    md = httpx.post(f"{server}/api/v1/summarize", json=body, timeout=60)
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "[1]" in md.text and "Sources:" in md.text
    js = httpx.post(f"{server}/api/v1/summarize", json=body, headers={"Accept": "application/json"}, timeout=60)
    assert js.status_code == 200 and js.json()["citations"]
    from assistant.documents import DOCX_MEDIA_TYPE

    docx = httpx.post(f"{server}/api/v1/summarize", json=body, headers={"Accept": DOCX_MEDIA_TYPE}, timeout=60)
    assert docx.status_code == 200 and docx.headers["content-type"] == DOCX_MEDIA_TYPE
    assert docx.content[:2] == b"PK"
    topic = httpx.post(f"{server}/api/v1/summarize", json={"query": "smart meters", "format": "bullets"}, timeout=60)
    assert topic.status_code == 200 and "[1]" in topic.text
    for body, code in [({"format": "sonnet"}, "bad_format"), ({"backend": "nope"}, "unknown_backend"),
                       ({"since": "someday"}, "invalid_input")]:
        bad = httpx.post(f"{server}/api/v1/summarize", json=body, timeout=30)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == code, bad.text


# ---- the schema, fuzzed (last: it adds and removes releases in the writable index) -----------
def test_schemathesis_finds_no_server_errors_and_no_schema_drift(writable: str, tmp_path: Path) -> None:
    """Generated requests (valid and invalid) against every operation: no 5xx, responses match the schema."""
    st = Path(sys.executable).with_name("st")
    checks = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
              "response_schema_conformance,negative_data_rejection,unsupported_method,ignored_auth")
    cmd = [str(st), "run", f"{writable}/openapi.json", "--checks", checks, "--max-examples", "8",
           "--phases", "examples,coverage,fuzzing", "--workers", "1", "--seed", "7", "--no-color",
           "--generation-database", "none", "-H", f"Authorization: Bearer {KEY}", "--request-timeout", "30"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_answer_span_and_a_chain_of_follow_ups_over_http(server: str) -> None:
    q = "What was Northwind Grid's third-quarter 2022 revenue?"
    body = httpx.post(f"{server}/api/v1/ask", json={"question": q}, timeout=30).json()
    s, e = body["answer_span"]
    assert body["answer"][s:e] == "$548 million"
    first = "When did China Unicom and Shandong Heavy Industry sign their strategic cooperation agreement?"
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": "On the afternoon of July 30, 2022, ... in Jinan. [1]"},
               {"role": "user", "content": "and where was the ceremony?"},
               {"role": "assistant", "content": "... a strategic cooperation signing ceremony in Jinan. [1]"}]
    who = httpx.post(f"{server}/api/v1/ask", json={"question": "who signed it?", "history": history},
                     timeout=30).json()
    assert who["covered"] and "Tang Yongbo" in who["answer"]
    assert not who["sentences"][0]["text"].startswith("On the afternoon of July 30, 2022")


def test_uncovered_fact_is_declined_over_http(server: str) -> None:
    body = httpx.post(f"{server}/api/v1/ask", json={"question": "What is Northwind Grid's stock price?"},
                      timeout=30).json()
    assert body["covered"] is False and body["answer_span"] is None
