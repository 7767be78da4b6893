"""Every online command against every way a service can fail: exit codes, messages, waits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from painlit.loader import load_corpus
from painlit.paths import default_corpus_path
from test_online_support import (
    Responder,
    Server,
    fixture,
    install,
    json_response,
    raises,
    run,
    text_response,
)


def _anderson() -> dict[str, Any]:
    """A Crossref answer made from the shipped corpus's own anderson-2019 record."""
    study = load_corpus(default_corpus_path()).study_by_id["anderson-2019"]
    family, given = study.authors[0].rsplit(" ", 1)
    return {"status": "ok", "message": {
        "DOI": study.doi, "title": [study.title], "author": [{"family": family, "given": given}],
        "issued": {"date-parts": [[study.year]]}}}


# command line, path the failing service answers on, a good answer, an "error inside a 200"
COMMANDS: dict[str, tuple[list[str], str, Any, Any]] = {
    "draft-doi": (["draft", "10.5555/synthetic.2026.001"], "/works/",
                  fixture("crossref_work.json"), {"status": "failed", "message": "synthetic"}),
    "draft-pmid": (["draft", "99000001"], "/esummary.fcgi", fixture("esummary.json"),
                   fixture("esummary_too_many.json")),
    "draft-nct": (["draft", "NCT99999999"], "/studies/NCT99999999",
                  fixture("ctgov_study.json"), {"error": "synthetic"}),
    "verify": (["verify", "anderson-2019"], "/works/", None,
               {"status": "failed", "message": "synthetic"}),
    "update": (["update", "--until", "2026-12-01"], "/esearch.fcgi",
               fixture("esearch_warnings.json"), fixture("esearch_error.json")),
    "trials": (["trials", "fibromyalgia"], "/api/v2/studies", {"studies": []},
               {"error": "synthetic"}),
}
NOT_FOUND = {"draft-doi": (4, "Crossref has no record of DOI"),
             "draft-pmid": (4, "HTTP 404"),
             "draft-nct": (4, "ClinicalTrials.gov has no study NCT99999999"),
             "verify": (1, "does not resolve at Crossref"),
             "update": (4, "HTTP 404"),
             "trials": (4, "HTTP 404")}


def _setup(monkeypatch: pytest.MonkeyPatch, name: str, *answers: Responder
           ) -> tuple[Server, list[float], list[str]]:
    arguments, path, good, _ = COMMANDS[name]
    server = Server()
    fake = install(monkeypatch, server)
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    good_answer = json_response(good if good is not None else _anderson())
    server.on(path, *answers, good_answer) if answers else server.on(path, good_answer)
    return server, fake.sleeps, arguments


def _assert_requests(server: Server) -> None:
    assert server.requests
    for index, request in enumerate(server.requests):
        assert request.headers["user-agent"].startswith("painlit/0.1.0 (mailto:")
        params = server.params(index)
        if request.url.host == "eutils.ncbi.nlm.nih.gov":
            assert params["tool"] == "painlit" and params["email"] == "curator@example.org"
        elif request.url.host == "api.crossref.org":
            assert params["mailto"] == "curator@example.org"
        else:
            assert request.url.host == "clinicaltrials.gov"
            assert "email" not in params and "mailto" not in params


@pytest.mark.parametrize("name", COMMANDS)
def test_success(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    server, sleeps, arguments = _setup(monkeypatch, name)
    result = run(*arguments)
    assert result.exit_code == 0, result.stderr
    assert sleeps == []
    _assert_requests(server)


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize(("first", "waited"), [
    (raises(httpx.ReadTimeout), [1.0]),
    (raises(httpx.ConnectError), [1.0]),
    (json_response(fixture("ncbi_429.json"), 429, **{"Retry-After": "3"}), [3.0]),
    (text_response("Internal Server Error", 500), [1.0]),
], ids=["timeout", "connect-error", "429-retry-after", "500"])
def test_a_transient_failure_is_retried(monkeypatch: pytest.MonkeyPatch, name: str,
                                        first: Responder, waited: list[float]) -> None:
    server, sleeps, arguments = _setup(monkeypatch, name, first)
    result = run(*arguments, "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert sleeps == waited
    assert "retrying in" in result.stderr
    assert len(server.requests) == 2
    _assert_requests(server)


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize(("answer", "message"), [
    (raises(httpx.ReadTimeout), "did not answer in time; gave up after 4 attempts"),
    (text_response('{"studies": [', 200, "application/json"), "invalid or truncated JSON"),
    (text_response("<!DOCTYPE html><title>Down</title>", 200, "text/html"),
     "HTML page instead of JSON"),
], ids=["timeouts", "malformed-json", "html"])
def test_a_lasting_failure_exits_4(monkeypatch: pytest.MonkeyPatch, name: str,
                                   answer: Responder, message: str) -> None:
    server, _, arguments = _setup(monkeypatch, name)
    server.routes.insert(0, (COMMANDS[name][1], [answer]))
    result = run(*arguments)
    assert result.exit_code == 4
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert "hint:" in result.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_an_error_inside_a_200_exits_4(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    server, _, arguments = _setup(monkeypatch, name)
    server.routes.insert(0, (COMMANDS[name][1], [json_response(COMMANDS[name][3])]))
    result = run(*arguments)
    assert result.exit_code == 4
    stderr = " ".join(result.stderr.split())
    assert "reported an error" in stderr or "something unexpected" in stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_not_found(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    server, _, arguments = _setup(monkeypatch, name)
    server.routes.insert(0, (COMMANDS[name][1], [text_response("Resource not found.", 404)]))
    result = run(*arguments)
    code, message = NOT_FOUND[name]
    assert result.exit_code == code
    assert message in " ".join((result.stdout + result.stderr).split())
    assert len(server.requests) == 1  # a 404 is an answer, not retried


def test_credentials_in_a_base_url_never_reach_a_message(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    server = Server()
    install(monkeypatch, server)
    server.on("/esummary", raises(httpx.ConnectError))
    monkeypatch.setenv("PAINLIT_PUBMED_URL", "https://user:hunter2@pubmed.example.org/eutils")
    result = run("draft", "99000001")
    assert result.exit_code == 4
    assert "hunter2" not in result.stderr and "user:" not in result.stderr
    assert "pubmed.example.org" in result.stderr


def test_a_cache_entry_dated_in_the_future_is_not_trusted(tmp_path: Path) -> None:
    from painlit.online.http import Cache

    now = 1_800_000_000.0
    cache = Cache(tmp_path, now=lambda: now)
    cache.put("pubmed", "k" * 64, b'{"ok": true}')
    path = cache.path("pubmed", "k" * 64)
    os.utime(path, (now + 10 * 365 * 86400, now + 10 * 365 * 86400))
    assert cache.get("pubmed", "k" * 64) is None
    os.utime(path, (now - 60, now - 60))
    assert cache.get("pubmed", "k" * 64) == b'{"ok": true}'


def test_an_answer_for_another_doi_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Server()
    install(monkeypatch, server)
    server.on("/works/", json_response({"status": "ok", "message": {
        "DOI": "10.9999/someone.else", "title": ["A synthetic other work"]}}))
    result = run("draft", "10.5555/asked.for")
    assert result.exit_code == 4
    assert "answered for DOI '10.9999/someone.else', not '10.5555/asked.for'" in result.stderr
    case = Server()
    install(monkeypatch, case)
    case.on("/works/", json_response({"status": "ok", "message": {
        "DOI": "10.5555/ASKED.FOR", "title": ["Same DOI in capitals"]}}))
    assert run("draft", "10.5555/asked.for").exit_code != 4  # DOIs are case-insensitive
