"""The online commands against hostile fakes of PubMed, Crossref and ClinicalTrials.gov.

Each case here once broke a command (issue 23): a lone surrogate in a title crashed `verify`,
`update` and `trials` when printing, run after run from the cache; line breaks and tabs from a
service reached the terminal as lines of their own; rate-limit headers asking for hours were
obeyed in silence; a made-up ESearch `count` kept `update` paging one id at a time; a `null`
summary was cached as "no such PMID"; redirects to another host carried the contact e-mail;
and nothing bounded a request or a command in time. Every service is an `httpx.MockTransport`
(test_online_support) and time is fake, except where a request's own deadline is measured.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from painlit.loader import load_corpus
from painlit.online import http, pubmed
from painlit.paths import default_corpus_path
from test_online_support import FakeTime, Server, fixture, install, json_response, run

SURROGATE = "\ud800"


def _ascii_json(data: Any, status: int = 200, **headers: str) -> Any:
    """A JSON answer written with escapes only, as a service may send `\\ud800`."""
    body = json.dumps(data, ensure_ascii=True).encode("ascii")

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body,
                              headers={"content-type": "application/json", **headers})

    return respond


def _trial(nct: str, title: str) -> dict[str, Any]:
    study: dict[str, Any] = copy.deepcopy(fixture("ctgov_study.json"))
    study["protocolSection"]["identificationModule"]["nctId"] = nct
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    return study


def _summaries(title: str, journal: str = "Journal of synthetic fixtures") -> dict[str, Any]:
    answer: dict[str, Any] = copy.deepcopy(fixture("esummary.json"))
    answer["result"]["99000001"]["title"] = title
    answer["result"]["99000001"]["fulljournalname"] = journal
    return answer


def _crossref_for(study_id: str, title: str) -> dict[str, Any]:
    study = load_corpus(default_corpus_path()).study_by_id[study_id]
    family, given = study.authors[0].rsplit(" ", 1)
    return {"status": "ok", "message": {
        "DOI": study.doi, "title": [title], "author": [{"family": family, "given": given}],
        "issued": {"date-parts": [[study.year]]}}}


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> tuple[Server, FakeTime]:
    server = Server()
    return server, install(monkeypatch, server)


@pytest.fixture
def server(services: tuple[Server, FakeTime]) -> Server:
    return services[0]


@pytest.fixture
def sleeps(services: tuple[Server, FakeTime]) -> list[float]:
    """The waits painlit asked for (fake time: nothing really waits)."""
    return services[1].sleeps


# --- a lone surrogate ------------------------------------------------------------------------

def test_a_lone_surrogate_in_a_crossref_title_does_not_crash_verify_even_from_the_cache(
        server: Server) -> None:
    server.on("/works/", _ascii_json(_crossref_for("anderson-2019", f"Broken {SURROGATE} title")))
    for attempt in (1, 2):  # the second run reads the cached answer
        result = run("verify", "anderson-2019")
        assert result.exit_code == 1, (attempt, result.stderr)
        assert "internal error" not in result.stderr
        assert "title differs from Crossref" in result.stdout
        assert "Broken \ufffd title" in result.stdout
        assert SURROGATE not in result.stdout
    assert len(server.requests) == 1


def test_a_lone_surrogate_in_a_pubmed_title_does_not_crash_update(
        server: Server, tmp_path: Path) -> None:
    server.on("/esearch.fcgi", json_response(fixture("esearch.json")))
    server.on("/esummary.fcgi", _ascii_json(_summaries(f"Synthetic {SURROGATE} fixture")))
    for name in ("first.yaml", "second.yaml"):  # a log each: both runs have records to list
        result = run("update", "--until", "2026-12-01", "--log", str(tmp_path / name))
        assert result.exit_code == 0, result.stderr
        assert "Synthetic \ufffd fixture" in result.stdout
        assert "Synthetic \ufffd fixture" in (tmp_path / name).read_text(encoding="utf-8")
    # search, summaries, abstracts: the second run came from the cache, and worked
    assert len(server.requests) == 3


def test_a_lone_surrogate_in_a_registry_title_does_not_crash_trials(server: Server) -> None:
    page = {"studies": [_trial("NCT99999999", f"Synthetic {SURROGATE} trial")]}
    server.on("/api/v2/studies", _ascii_json(page))
    for as_json in (False, True):
        result = run(*(["--json"] if as_json else []), "trials", "fibromyalgia")
        assert result.exit_code == 0, result.stderr
        assert "internal error" not in result.stderr
        if as_json:
            assert json.loads(result.stdout)["trials"][0]["title"] == "Synthetic \ufffd trial"
        else:
            assert "Synthetic \ufffd trial" in result.stdout


def test_draft_turns_a_lone_surrogate_into_one_replacement_character(server: Server) -> None:
    work = fixture("crossref_work.json")
    work["message"]["title"] = [f"Synthetic {SURROGATE} fixture"]
    server.on("/works/", _ascii_json(work))
    result = run("draft", "10.5555/synthetic.2026.001")
    assert result.exit_code == 0, result.stderr
    assert "title: Synthetic \ufffd fixture" in result.stdout


# --- line breaks, tabs and escapes from a service ---------------------------------------------

FAKE_ROWS = ("Real title\nNCT12345678  Completed · PHASE2 · n 999  new\u2028NCT87654321  fake"
             "\tcolumn\x1b[2K\r\x85NCT11111111  another\u2029end")


def test_a_registry_title_cannot_add_lines_to_the_trials_listing(server: Server) -> None:
    server.on("/api/v2/studies", _ascii_json({"studies": [_trial("NCT99999999", FAKE_ROWS)]}))
    result = run("trials", "fibromyalgia")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, lines  # one trial: its facts, then its title
    assert lines[0].startswith("NCT99999999")
    assert not any(line.startswith(("NCT1", "NCT8")) for line in lines)
    for character in ("\t", "\r", "\x1b", "\x85", "\u2028", "\u2029"):
        assert character not in result.stdout
    data = json.loads(run("--json", "trials", "fibromyalgia").stdout)
    title = data["trials"][0]["title"]
    assert "\n" not in title and "\t" not in title and "\u2028" not in title


def test_a_pubmed_title_cannot_add_lines_to_the_update_listing(server: Server) -> None:
    server.on("/esearch.fcgi", json_response(fixture("esearch.json")))
    server.on("/esummary.fcgi", _ascii_json(_summaries(
        "Real title\n99999999   2026  Fake candidate\u2028\tmore", "Journal\nof\x1b[31m fakes")))
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    assert not any(line.lstrip().startswith("99999999") for line in result.stdout.splitlines())
    for character in ("\t", "\x1b", "\u2028"):
        assert character not in result.stdout


def test_pubmed_warnings_and_errors_are_one_line(server: Server) -> None:
    warnings = fixture("esearch_warnings.json")
    warnings["esearchresult"]["errorlist"]["phrasesnotfound"] = ["xyzzy\npainlit: error: fake"]
    server.on("/esearch.fcgi", _ascii_json(warnings))
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    assert not any(line.startswith("painlit: error") for line in result.stderr.splitlines())
    server.routes.clear()
    server.on("/esearch.fcgi", _ascii_json({"error": "bad\nhint: run rm -rf"}))
    result = run("update", "--until", "2026-12-01", "--no-cache")
    assert result.exit_code == 4
    assert not any(line.startswith("hint: run") for line in result.stderr.splitlines())


def test_an_esearch_id_that_is_not_a_pmid_is_refused(server: Server) -> None:
    server.on("/esearch.fcgi", _ascii_json({"esearchresult": {
        "count": "1", "idlist": ["99000001\n12345678  2026  fake"]}}))
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 4
    assert "not a PMID" in result.stderr


# --- waits a service asks for, and the command's budget ---------------------------------------

def test_rate_limit_headers_asking_for_hours_end_verify_with_a_clear_message(
        server: Server, sleeps: list[float]) -> None:
    """`X-Rate-Limit-Limit: 1` per `100000s` once made verify sleep for some 28 hours."""
    corpus = load_corpus(default_corpus_path())
    dois = {s.doi.lower(): s for s in corpus.studies if s.doi}

    def work(request: httpx.Request) -> httpx.Response:
        study = dois[request.url.path.removeprefix("/works/").lower()]
        body = _crossref_for(study.id, study.title)
        return httpx.Response(200, json=body, headers={
            "X-Rate-Limit-Limit": "1", "X-Rate-Limit-Interval": "100000s"})

    server.on("/works/", work)
    server.on("/esummary.fcgi", json_response({"result": {"uids": []}}))
    started = time.monotonic()
    result = run("verify")
    assert time.monotonic() - started < 30
    assert result.exit_code == 4, result.stdout + result.stderr
    stderr = " ".join(result.stderr.split())
    assert "Crossref asks for at most 1 request every 100000 s" in stderr
    assert max(sleeps, default=0) <= http.MAX_WAIT
    assert sum(sleeps) <= http.COMMAND_BUDGET
    assert sum("/works/" in r.url.path for r in server.requests) == 1


def test_rate_limit_waits_are_announced_and_end_within_the_budget(
        server: Server, sleeps: list[float]) -> None:
    corpus = load_corpus(default_corpus_path())
    dois = {s.doi.lower(): s for s in corpus.studies if s.doi}
    assert len(dois) > 20

    def work(request: httpx.Request) -> httpx.Response:
        study = dois[request.url.path.removeprefix("/works/").lower()]
        return httpx.Response(200, json=_crossref_for(study.id, study.title), headers={
            "X-Rate-Limit-Limit": "1", "X-Rate-Limit-Interval": "60s"})

    server.on("/works/", work)
    server.on("/esummary.fcgi", json_response({"result": {"uids": []}}))
    result = run("verify", "--budget", "300")
    assert result.exit_code == 4, result.stdout + result.stderr
    stderr = " ".join(result.stderr.split())
    assert "waiting 60 s before asking Crossref again" in stderr
    assert "time budget of 300 s" in stderr
    assert "--budget" in stderr and "PAINLIT_BUDGET" in stderr
    assert sum(sleeps) <= 300
    assert sleeps.count(60.0) == 4  # asked at 0, 60, 120, 180 and 240 s; 300 s is the budget


def test_retry_after_within_the_cap_but_beyond_the_budget(
        server: Server, sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    server.on("/works/", lambda request: httpx.Response(
        429, text="slow down", headers={"Retry-After": "100"}))
    monkeypatch.setenv("PAINLIT_BUDGET", "150")
    result = run("draft", "10.5555/synthetic.2026.001")
    assert result.exit_code == 4
    stderr = " ".join(result.stderr.split())
    assert "retrying in 100 s" in stderr
    assert "time budget of 150 s" in stderr
    assert sleeps == [100.0]
    assert len(server.requests) == 2


def test_bad_deadline_and_budget_values_are_usage_errors(server: Server) -> None:
    for arguments in (["--deadline", "0"], ["--deadline", "-1"], ["--budget", "-5"],
                      ["--deadline", "soon"]):
        result = run("draft", "10.5555/synthetic.2026.001", *arguments)
        assert result.exit_code == 2, arguments
    assert server.requests == []


def test_a_budget_of_zero_means_no_budget(server: Server, sleeps: list[float]) -> None:
    server.on("/works/", lambda request: httpx.Response(
        429, headers={"Retry-After": "100"}), json_response(fixture("crossref_work.json")))
    result = run("draft", "10.5555/synthetic.2026.001", "--budget", "0", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert sleeps == [100.0]


# --- a request's deadline, headers and body together ------------------------------------------

def _dripping(request: httpx.Request) -> httpx.Response:
    body = json.dumps(fixture("crossref_work.json")).encode("utf-8")

    def drip() -> Iterator[bytes]:
        for index in range(len(body)):
            time.sleep(0.02)
            yield body[index:index + 1]

    return httpx.Response(200, content=drip(), headers={"content-type": "application/json"})


def test_a_dripping_body_is_cut_at_the_request_deadline(server: Server) -> None:
    server.on("/works/", _dripping)
    started = time.monotonic()
    result = run("draft", "10.5555/synthetic.2026.001", "--deadline", "0.3")
    elapsed = time.monotonic() - started
    assert result.exit_code == 4, result.stderr
    stderr = " ".join(result.stderr.split())
    assert "Crossref did not finish answering within 0.3 s" in stderr
    assert "--deadline" in stderr and "PAINLIT_DEADLINE" in stderr
    assert elapsed < 2.0  # the whole answer would take over 10 s
    assert len(server.requests) == 1  # not asked again: the budget is not spent on a drip
    assert result.stdout == ""


def test_the_deadline_comes_from_the_environment(server: Server,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    server.on("/works/", _dripping)
    monkeypatch.setenv("PAINLIT_DEADLINE", "0.2")
    started = time.monotonic()
    result = run("draft", "10.5555/synthetic.2026.001")
    assert result.exit_code == 4
    assert "within 0.2 s" in " ".join(result.stderr.split())
    assert time.monotonic() - started < 2.0


def test_the_defaults_are_bounded_and_as_documented() -> None:
    assert 0 < http.REQUEST_DEADLINE <= 120
    assert 0 < http.COMMAND_BUDGET <= 3600
    assert http.MAX_WAIT <= 120 and http.NOTICE_AFTER <= 10
    for command in ("draft", "verify", "update", "trials"):
        shown = " ".join(run(command, "--help").stdout.split())
        assert f"[default: {http.seconds(http.REQUEST_DEADLINE)}]" in shown, command
        assert f"[default: {http.seconds(http.COMMAND_BUDGET)}]" in shown, command
        assert "PAINLIT_DEADLINE" in shown and "PAINLIT_BUDGET" in shown


# --- paging bounded by what the pages return --------------------------------------------------

def test_a_made_up_esearch_count_does_not_keep_update_paging(server: Server) -> None:
    """A service claiming 10,000 hits and listing one id per page once meant 10,000 requests
    per date slice."""

    def one_per_page(request: httpx.Request) -> httpx.Response:
        start = int(server.params()["retstart"])
        return httpx.Response(200, json={"esearchresult": {
            "count": "10000", "retmax": "1", "retstart": str(start),
            "idlist": [str(98000000 + start)]}})

    server.on("/esearch.fcgi", one_per_page)
    server.on("/esummary.fcgi", json_response({"result": {"uids": []}}))
    result = run("update", "--since", "2026-11-24", "--until", "2026-12-01", "--json")
    assert result.exit_code == 0, result.stderr
    searches = [r for r in server.requests if r.url.path.endswith("esearch.fcgi")]
    assert len(searches) <= pubmed.SEARCH_PAGES
    data = json.loads(result.stdout)
    assert len(data["candidates"]) == len(searches)
    assert any("counted 10000 records" in warning for warning in data["warnings"])


def test_a_page_that_brings_nothing_new_ends_the_paging(server: Server) -> None:
    def same_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"esearchresult": {
            "count": "50", "retmax": "2", "idlist": ["98000001", "98000002"]}})

    server.on("/esearch.fcgi", same_page)
    server.on("/esummary.fcgi", json_response({"result": {"uids": []}}))
    result = run("update", "--since", "2026-11-24", "--until", "2026-12-01", "--json")
    assert result.exit_code == 0, result.stderr
    assert sum(r.url.path.endswith("esearch.fcgi") for r in server.requests) == 2


def test_a_server_that_pages_below_retmax_is_still_followed(server: Server) -> None:
    ids = [str(98000000 + i) for i in range(7)]

    def pages_of_three(request: httpx.Request) -> httpx.Response:
        start = int(server.params()["retstart"])
        return httpx.Response(200, json={"esearchresult": {
            "count": "7", "idlist": ids[start:start + 3]}})

    server.on("/esearch.fcgi", pages_of_three)
    server.on("/esummary.fcgi", json_response({"result": {"uids": []}}))
    result = run("update", "--since", "2026-11-24", "--until", "2026-12-01", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["pmid"] for c in data["candidates"]] == ids
    assert data["warnings"] == []


# --- answers that say nothing are not cached --------------------------------------------------

def test_a_null_summary_is_not_cached(server: Server) -> None:
    server.on("/esummary.fcgi",
              json_response({"result": {"uids": ["99000001"], "99000001": None}}),
              json_response(fixture("esummary.json")))
    first = run("draft", "99000001")
    assert first.exit_code == 4
    second = run("draft", "99000001")
    assert second.exit_code == 0, second.stderr
    assert len(server.requests) == 2
    third = run("draft", "99000001")  # a real answer is cached as before
    assert third.exit_code == 0
    assert len(server.requests) == 2


def test_a_summary_missing_from_the_answer_is_not_cached(server: Server) -> None:
    server.on("/esummary.fcgi", json_response({"result": {"uids": []}}),
              json_response(fixture("esummary.json")))
    assert run("draft", "99000001").exit_code == 4
    assert run("draft", "99000001").exit_code == 0
    assert len(server.requests) == 2


def test_an_unknown_pmid_is_still_cached(server: Server) -> None:
    server.on("/esummary.fcgi", json_response(fixture("esummary_unknown.json")))
    for _ in range(2):
        assert run("draft", "99000009").exit_code == 4
    assert len(server.requests) == 1


# --- redirects ---------------------------------------------------------------------------------

def _form(request: httpx.Request) -> dict[str, list[str]]:
    if request.method == "POST":
        return parse_qs(request.content.decode("utf-8"))
    return parse_qs(request.url.query.decode("utf-8"))


def test_a_redirect_to_another_host_drops_the_contact_details(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.crossref.org":
            return httpx.Response(302, headers={"location": (
                "https://mirror.example.net/works/10.5555/synthetic.2026.001"
                "?mailto=curator%40example.org&keep=1")})
        return httpx.Response(200, json=fixture("crossref_work.json"))

    server.on("/works/", answer)
    result = run("draft", "10.5555/synthetic.2026.001")
    assert result.exit_code == 0, result.stderr
    first, second = server.requests
    assert "curator@example.org" in first.headers["user-agent"]
    assert second.url.host == "mirror.example.net"
    assert "curator" not in second.headers["user-agent"]
    assert "curator" not in str(second.url)
    assert _form(second) == {"keep": ["1"]}


def test_a_redirect_on_the_same_host_keeps_them(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")

    def answer(request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/v1/"):
            return httpx.Response(301, headers={"location": "/v1" + request.url.path
                                                + "?mailto=curator%40example.org"})
        return httpx.Response(200, json=fixture("crossref_work.json"))

    server.on("/works/", answer)
    result = run("draft", "10.5555/synthetic.2026.001")
    assert result.exit_code == 0, result.stderr
    second = server.requests[1]
    assert second.url.path == "/v1/works/10.5555/synthetic.2026.001"
    assert "mailto:curator@example.org" in second.headers["user-agent"]


def test_a_post_redirected_to_another_host_sends_no_key_or_address(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    monkeypatch.setenv("NCBI_API_KEY", "synthetic-secret-key")

    def search(request: httpx.Request) -> httpx.Response:
        if request.url.host == "eutils.ncbi.nlm.nih.gov":
            return httpx.Response(307, headers={
                "location": "https://elsewhere.example.net/entrez/eutils/esearch.fcgi"})
        return httpx.Response(200, json=fixture("esearch.json"))

    server.on("/esearch.fcgi", search)
    server.on("/esummary.fcgi", json_response(fixture("esummary.json")))
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    first, second = server.requests[:2]
    assert first.method == second.method == "POST"  # the saved query is long
    assert "api_key" in _form(first)
    moved = _form(second)
    assert second.url.host == "elsewhere.example.net"
    assert "term" in moved
    for private in ("api_key", "email", "tool"):
        assert private not in moved
    assert b"synthetic-secret-key" not in second.content
    assert "curator" not in second.headers["user-agent"]


def test_a_redirect_to_something_not_on_the_web_is_refused(server: Server) -> None:
    server.on("/works/", lambda request: httpx.Response(
        302, headers={"location": "file:///etc/passwd"}))
    result = run("draft", "10.5555/synthetic.2026.001")
    assert result.exit_code == 4
    assert "redirected to something other than a web address" in " ".join(
        result.stderr.split())


def test_append_refuses_a_corpus_with_control_characters(server: Server, tmp_path: Path
                                                         ) -> None:
    server.on("/works/", json_response(fixture("crossref_work.json")))
    minimal = Path(__file__).parent / "fixtures" / "corpus" / "minimal.yaml"
    text = minimal.read_text(encoding="utf-8").replace(
        "last_search: 2020-06-01", "last_search: 2026-06-01").replace(
        '    title: "Synthetic example study A"\n', '    title: "Synthetic\\e[2K example"\n', 1)
    target = tmp_path / "corpus.yaml"
    target.write_text(text, encoding="utf-8")
    before = target.read_bytes()
    result = run("--data", str(target), "draft", "10.5555/synthetic.2026.001", "--append")
    assert result.exit_code == 5, result.stderr
    assert "example-2020.title: control character U+001B" in result.stderr
    assert target.read_bytes() == before
