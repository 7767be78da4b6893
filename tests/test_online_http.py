"""The shared HTTP layer: retries, Retry-After, rate limits, the cache, answers refused."""

from __future__ import annotations

import email.utils
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from painlit.errors import ServiceError
from painlit.online import http
from painlit.online.crossref import Crossref
from painlit.online.pubmed import PubMed
from test_online_support import (
    FakeTime,
    Server,
    fixture,
    install,
    json_response,
    raises,
    text_response,
)

OK = {"status": "ok", "message": {"DOI": "10.5555/x", "title": ["Synthetic fixture"]}}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Server:
    server = Server()
    install(monkeypatch, server)
    return server


def _http(server: Server, fake: FakeTime | None = None, cache: http.Cache | None = None,
          **options: Any) -> http.Http:
    fake = fake or FakeTime()
    return http.Http(server.client(), cache=cache, sleep=fake.sleep, clock=fake.clock,
                     now=fake.clock, **options)


def _crossref(server: Server, fake: FakeTime, **options: Any) -> Any:
    return _http(server, fake, **options).get_json(http.crossref_service(), "/works/10.5555/x")


def test_success_sends_user_agent_timeout_and_identity(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    monkeypatch.setenv("NCBI_API_KEY", "synthetic-key")
    server.on("/esearch.fcgi", json_response(fixture("esearch.json")))
    payload = _http(server).get_json(http.pubmed_service(), "/esearch.fcgi",
                                     {"db": "pubmed", "term": "x"})
    assert payload["esearchresult"]["count"] == "3"
    [request] = server.requests
    assert str(request.url).startswith("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch")
    assert server.params() == {"db": "pubmed", "term": "x", "tool": "painlit",
                               "email": "curator@example.org", "api_key": "synthetic-key"}
    assert request.headers["user-agent"].startswith("painlit/0.1.0 (mailto:curator@example.org)")
    assert request.extensions["timeout"] == {"connect": 10.0, "read": 30.0, "write": 30.0,
                                             "pool": 30.0}


def test_a_timeout_is_retried_with_backoff(server: Server) -> None:
    server.on("/works/", raises(httpx.ReadTimeout), raises(httpx.ConnectTimeout),
              json_response(OK))
    fake = FakeTime()
    assert _crossref(server, fake)["status"] == "ok"
    assert len(server.requests) == 3
    assert fake.sleeps == [1.0, 2.0]


def test_429_honours_retry_after_in_seconds_and_as_a_date(server: Server) -> None:
    fake = FakeTime()
    moment = email.utils.formatdate(fake.now + 12, usegmt=True)
    server.on("/works/", json_response(fixture("ncbi_429.json"), 429, **{"Retry-After": "7"}),
              text_response("busy", 429, **{"Retry-After": moment}), json_response(OK))
    assert _crossref(server, fake)["status"] == "ok"
    assert fake.sleeps == [7.0, 5.0]  # the date is 12 s after the first answer
    assert len(server.requests) == 3


def test_500_then_success(server: Server) -> None:
    server.on("/works/", text_response("Internal Server Error", 500), json_response(OK))
    fake = FakeTime()
    assert _crossref(server, fake)["status"] == "ok"
    assert fake.sleeps == [1.0]


def test_persistent_failures_give_up_with_a_clear_message(server: Server) -> None:
    server.on("/works/", text_response("Bad Gateway", 502))
    fake = FakeTime()
    with pytest.raises(ServiceError, match=r"server error \(HTTP 502\); gave up after 4"):
        _crossref(server, fake)
    assert fake.sleeps == [1.0, 2.0, 4.0]


def test_429_that_persists_suggests_an_api_key(server: Server) -> None:
    server.on("/esummary.fcgi", json_response(fixture("ncbi_429.json"), 429))
    with pytest.raises(ServiceError) as caught:
        _http(server).get_json(http.pubmed_service(), "/esummary.fcgi", {"id": "1"})
    assert "HTTP 429" in caught.value.message
    assert caught.value.hint is not None and "NCBI_API_KEY" in caught.value.hint


def test_a_long_retry_after_is_reported_not_waited(server: Server) -> None:
    server.on("/works/", text_response("slow down", 429, **{"Retry-After": "3600"}))
    fake = FakeTime()
    with pytest.raises(ServiceError, match="asks to wait 3600 s"):
        _crossref(server, fake)
    assert fake.sleeps == []


def test_offline_is_a_service_error_with_a_hint(server: Server) -> None:
    server.on("/works/", raises(httpx.ConnectError))
    fake = FakeTime()
    with pytest.raises(ServiceError) as caught:
        _crossref(server, fake)
    assert "cannot reach Crossref (api.crossref.org): connection failed" in caught.value.message
    assert caught.value.hint and "connection" in caught.value.hint
    assert len(server.requests) == 4


def test_404_is_none_when_allowed_and_an_error_otherwise(server: Server) -> None:
    server.on("/works/", text_response("Resource not found.", 404))
    service = http.crossref_service()
    assert _http(server).get_json(service, "/works/10.5555/x", missing_ok=True) is None
    with pytest.raises(ServiceError, match=r"HTTP 404: Resource not found\."):
        _http(server).get_json(service, "/works/10.5555/x")
    assert len(server.requests) == 2  # a 404 is not retried


@pytest.mark.parametrize(("body", "content_type", "message"), [
    ('{"status": "ok", "mess', "application/json", "invalid or truncated JSON"),
    ("", "application/json", "invalid or truncated JSON"),
    ("<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html",
     "HTML page instead of JSON"),
    ("<html>no type</html>", "application/json", "HTML page instead of JSON"),
    ('{"status": "ok"}', "application/json", "message' in the answer"),
    ("[1, 2]", "application/json", "expected a JSON object"),
    ("[" * 100_000 + "]" * 100_000, "application/json", "invalid or truncated JSON"),
])
def test_unusable_answers_are_refused_and_never_cached(
        server: Server, tmp_path: Path, body: str, content_type: str, message: str) -> None:
    server.on("/works/", text_response(body, content_type=content_type), json_response(OK))
    cache = http.Cache(tmp_path / "cache")
    crossref = Crossref(_http(server, cache=cache), http.crossref_service())
    with pytest.raises(ServiceError, match=message):
        crossref.work("10.5555/x")
    assert not (tmp_path / "cache").exists()
    assert crossref.work("10.5555/x") is not None  # the next answer is good and is used


def test_an_error_inside_a_200_is_refused(server: Server, tmp_path: Path) -> None:
    server.on("/esearch.fcgi", json_response(fixture("esearch_error.json")))
    cache = http.Cache(tmp_path / "cache")
    pubmed = PubMed(_http(server, cache=cache), http.pubmed_service())
    with pytest.raises(ServiceError, match="Invalid db name specified"):
        pubmed.search("x", *_days())
    server.routes.clear()
    server.on("/esummary.fcgi", json_response(fixture("esummary_too_many.json")))
    with pytest.raises(ServiceError, match="Too many UIDs"):
        pubmed.summaries(["1"])
    assert not (tmp_path / "cache").exists()


def _days() -> tuple[Any, Any]:
    from datetime import date

    return date(2026, 1, 1), date(2026, 1, 31)


def test_an_enormous_body_is_refused(server: Server) -> None:
    server.on("/works/", json_response({**OK, "padding": "x" * 5000}))
    with pytest.raises(ServiceError, match="more than 0 MB"):
        _crossref(server, FakeTime(), max_body=1000)

    def streamed(request: httpx.Request) -> httpx.Response:  # no Content-Length
        return httpx.Response(200, content=iter([b"{" + b" " * 900, b" " * 900 + b"}"]))

    server.routes.clear()
    server.on("/works/", streamed)
    with pytest.raises(ServiceError, match="refusing to read it"):
        _crossref(server, FakeTime(), max_body=1000)


def test_redirects_are_capped(server: Server) -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": str(request.url) + "x"})

    server.on("/works/", loop)
    with pytest.raises(ServiceError, match="redirected more than 5 times"):
        _crossref(server, FakeTime())
    assert len(server.requests) == 6


def test_ncbi_rate_is_three_a_second_or_ten_with_a_key(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    server.on("/esummary.fcgi", json_response(fixture("esummary.json")))
    fake = FakeTime()
    client = _http(server, fake)
    service = http.pubmed_service()
    for _ in range(3):
        client.get_json(service, "/esummary.fcgi", {"id": "99000001"})
    assert fake.sleeps == [0.34, 0.34]
    monkeypatch.setenv("NCBI_API_KEY", "synthetic-key")
    fake = FakeTime()
    client = _http(server, fake)
    service = http.pubmed_service()
    for _ in range(3):
        client.get_json(service, "/esummary.fcgi", {"id": "99000001"})
    assert fake.sleeps == [0.1, 0.1]


def test_crossref_paces_to_its_advertised_rate(server: Server) -> None:
    rated = {"X-Rate-Limit-Limit": "2", "X-Rate-Limit-Interval": "1s"}
    server.on("/works/", json_response(OK, 200, **rated))
    fake = FakeTime()
    client = _http(server, fake)
    service = http.crossref_service()
    for _ in range(3):
        client.get_json(service, "/works/10.5555/x")
    assert fake.sleeps == [0.5, 0.5]


def test_the_cache_serves_refreshes_expires_and_hides_keys(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "synthetic-secret-key")
    server.on("/esummary.fcgi", json_response(fixture("esummary.json")))
    fake = FakeTime()
    root = http.cache_root()
    assert root == Path(str(tmp_path / "home" / ".cache" / "painlit" / "http"))
    service = http.pubmed_service()
    params = {"db": "pubmed", "id": "99000001"}
    cached = _http(server, fake, cache=http.Cache(root))
    first = cached.get_json(service, "/esummary.fcgi", params)
    assert cached.get_json(service, "/esummary.fcgi", params) == first
    assert len(server.requests) == 1
    files = list(root.rglob("*.json"))
    assert len(files) == 1 and files[0].parent.parent.name == "pubmed"
    assert b"synthetic-secret-key" not in files[0].read_bytes()
    assert "synthetic-secret-key" not in str(files[0])
    # --refresh: ask again, and store the fresh answer
    refreshing = _http(server, fake, cache=http.Cache(root, read=False))
    refreshing.get_json(service, "/esummary.fcgi", params)
    assert len(server.requests) == 2
    # a day later the entry is stale
    later = lambda: files[0].stat().st_mtime + http.CACHE_TTL + 1  # noqa: E731
    _http(server, fake, cache=http.Cache(root, now=later)).get_json(
        service, "/esummary.fcgi", params)
    assert len(server.requests) == 3
    # a corrupted entry is ignored
    files[0].write_bytes(b"{not json")
    assert cached.get_json(service, "/esummary.fcgi", params) == first
    assert len(server.requests) == 4
    assert json.loads(files[0].read_bytes()) == first


def test_environment_overrides_base_urls(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_PUBMED_URL", "https://mirror.example.org/eutils/")
    monkeypatch.setenv("PAINLIT_CROSSREF_URL", "https://crossref.example.org")
    monkeypatch.setenv("PAINLIT_CTGOV_URL", "https://ctgov.example.org/api/v2")
    assert http.pubmed_service().base_url == "https://mirror.example.org/eutils"
    assert http.crossref_service().host == "crossref.example.org"
    assert http.ctgov_service().base_url == "https://ctgov.example.org/api/v2"
    server.on("/works/", json_response(OK))
    _crossref(server, FakeTime())
    assert str(server.requests[0].url) == "https://crossref.example.org/works/10.5555/x"
    monkeypatch.setenv("PAINLIT_CTGOV_URL", "ftp://nope")
    with pytest.raises(ServiceError, match="PAINLIT_CTGOV_URL must be a web address"):
        http.ctgov_service()


def test_retry_after_parsing() -> None:
    now = 1_800_000_000.0
    assert http.retry_after("5", now) == 5.0
    assert http.retry_after(None, now) is None
    assert http.retry_after("soon", now) is None
    assert http.retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30.0
    assert http.retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0


def test_messages_never_show_the_api_key(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "synthetic-secret-key")
    server.on("/esearch.fcgi", text_response("<html>error</html>", content_type="text/html"))
    with pytest.raises(ServiceError) as caught:
        _http(server).get_json(http.pubmed_service(), "/esearch.fcgi", {"term": "x"})
    assert "synthetic-secret-key" not in caught.value.message
    assert "eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi" in caught.value.message


def test_a_name_that_does_not_resolve_fails_at_once(server: Server) -> None:
    import socket

    def unresolved(request: httpx.Request) -> httpx.Response:
        try:  # as httpx raises it: its ConnectError from the socket's lookup failure
            raise socket.gaierror(-3, "Temporary failure in name resolution")
        except socket.gaierror as error:
            raise httpx.ConnectError(str(error), request=request) from error

    server.on("/works/", unresolved)
    fake = FakeTime()
    with pytest.raises(ServiceError) as caught:
        _crossref(server, fake)
    assert caught.value.message == ("cannot reach Crossref: the name api.crossref.org does not "
                                    "resolve")
    assert caught.value.hint and caught.value.hint.startswith("are you online?")
    assert len(server.requests) == 1 and fake.sleeps == []
