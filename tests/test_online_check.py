"""`painlit check URL`: the article fetched through the online layer (mock transport only)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from test_online_support import Server, install, raises, run, text_response

REAL = Path(__file__).resolve().parents[1] / "data" / "studies.yaml"
ADDRESS = "https://news.example.org/health/microdosing-pain?id=7"
PAGE = ("<html><head><title>Synthetic test page</title><script>alert(1)</script></head><body>"
        "<nav>Home | News</nav><article><h1>Microdosing and migraine</h1>"
        "<p>Microdosing cures migraines, a synthetic test sentence says.</p>"
        "<p>Another paragraph without any claim in it at all.</p></article></body></html>")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Server:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    fake = Server()
    install(monkeypatch, fake)
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    return fake


def test_an_address_is_fetched_checked_and_cached(server: Server) -> None:
    server.on("/health/microdosing-pain", text_response(PAGE, content_type="text/html"))
    result = run("--data", str(REAL), "check", ADDRESS, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["article"]["kind"] == "html" and data["article"]["name"] == ADDRESS
    assert [f["text"] for f in data["findings"]] == [
        "Microdosing cures migraines, a synthetic test sentence says."]
    request = server.requests[0]
    assert str(request.url) == ADDRESS
    assert "text/html" in request.headers["accept"]
    assert "curator@example.org" not in request.headers["user-agent"]  # no contact to a site
    again = run("--data", str(REAL), "check", ADDRESS, "--json")
    assert again.exit_code == 0 and len(server.requests) == 1  # from the cache
    fresh = run("--data", str(REAL), "check", ADDRESS, "--refresh")
    assert fresh.exit_code == 0 and len(server.requests) == 2


def test_not_a_page_is_refused_and_not_cached(server: Server) -> None:
    server.on("/health", httpx.Response(200, content=b"%PDF-1.7 ...",
                                        headers={"content-type": "application/pdf"}))
    for _ in range(2):
        result = run("--data", str(REAL), "check", ADDRESS)
        assert result.exit_code == 4
        assert "application/pdf, not a web page" in result.stderr
        assert "Traceback" not in result.stderr
    assert len(server.requests) == 2


def test_an_unreachable_address_exits_4_with_a_hint(server: Server) -> None:
    server.on("/health", raises(httpx.ConnectError))
    result = run("--data", str(REAL), "check", ADDRESS)
    assert result.exit_code == 4
    assert "cannot reach news.example.org" in result.stderr and "hint:" in result.stderr


def test_a_missing_page_exits_4(server: Server) -> None:
    result = run("--data", str(REAL), "check", "https://news.example.org/gone")
    assert result.exit_code == 4
    assert "HTTP 404" in result.stderr


@pytest.mark.parametrize("address", ["https://user:secret@news.example.org/a",
                                     "https:///no-host"])
def test_bad_addresses_are_refused_before_any_request(server: Server, address: str) -> None:
    result = run("--data", str(REAL), "check", address)
    assert result.exit_code == 4
    assert "secret" not in result.stderr
    assert server.requests == []
