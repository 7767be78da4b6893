"""`painlit trials`: registered psychedelic trials for a condition, paged through the API."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from painlit.loader import load_corpus
from painlit.online.clinicaltrials import PSYCHEDELIC_TERMS
from painlit.paths import default_corpus_path
from test_online_support import Server, fixture, install, json_response, run, text_response


def _trial(nct: str, status: str, has_results: bool, **changes: Any) -> dict[str, Any]:
    study: dict[str, Any] = copy.deepcopy(fixture("ctgov_study.json"))
    study["protocolSection"]["identificationModule"]["nctId"] = nct
    study["protocolSection"]["statusModule"]["overallStatus"] = status
    study["hasResults"] = has_results
    for key, value in changes.items():
        study["protocolSection"]["designModule"][key] = value
    return study


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Server:
    corpus = load_corpus(default_corpus_path())
    known = corpus.study_by_id["nct05548075"]  # the corpus's fibromyalgia registration
    assert known.registry == "NCT05548075"
    server = Server()
    install(monkeypatch, server)
    first = {"totalCount": 3, "nextPageToken": "synthetic-token-1", "studies": [
        _trial("NCT99999999", "COMPLETED", False),
        _trial(known.registry, "RECRUITING", False)]}
    empty = {"nextPageToken": "synthetic-token-2", "studies": []}
    last = {"studies": [_trial("NCT99999998", "TERMINATED", True, phases=None)]}
    server.on("/api/v2/studies", json_response(first), json_response(empty),
              json_response(last))
    return server


def test_trials_follow_every_page_and_flag_what_matters(server: Server) -> None:
    result = run("trials", "FMS")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "NCT99999999" in out and "NCT99999998" in out and "NCT05548075" in out
    assert "in corpus: nct05548075" in out
    assert "ended without results" in out
    stderr = " ".join(result.stderr.split())
    assert "3 trial(s) for Fibromyalgia; 2 not in the corpus; 1 ended without posted results" \
        in stderr
    assert len(server.requests) == 3
    first, second, third = (server.params(i) for i in range(3))
    assert first["query.cond"] == "Fibromyalgia"
    assert first["query.intr"] == " OR ".join(PSYCHEDELIC_TERMS)
    assert "MDMA" not in first["query.intr"]
    assert first["countTotal"] == "true"
    assert "pageToken" not in first
    assert second["pageToken"] == "synthetic-token-1" and "countTotal" not in second
    assert third["pageToken"] == "synthetic-token-2"
    assert {k: v for k, v in second.items() if k != "pageToken"} == {
        k: v for k, v in first.items() if k != "countTotal"}
    assert server.requests[0].url.host == "clinicaltrials.gov"
    assert server.requests[0].url.path == "/api/v2/studies"
    assert server.requests[0].headers["user-agent"].startswith("painlit/")


def test_trials_json(server: Server) -> None:
    result = run("--json", "trials", "fibromyalgia")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "trials"
    assert data["condition"] == "fibromyalgia"
    by_id = {t["nct"]: t for t in data["trials"]}
    assert by_id["NCT99999999"]["ended_without_results"] is True
    assert by_id["NCT99999999"]["status"] == "COMPLETED"
    assert by_id["NCT99999999"]["phases"] == ["PHASE2"]
    assert by_id["NCT99999999"]["enrolment"] == 30
    assert by_id["NCT99999998"]["ended_without_results"] is False
    assert by_id["NCT99999998"]["phases"] == []
    assert by_id["NCT05548075"]["in_corpus"] == ["nct05548075"]
    assert by_id["NCT99999999"]["in_corpus"] == []


def test_an_unknown_condition_asks_nothing(server: Server) -> None:
    result = run("trials", "toothache")
    assert result.exit_code == 2
    assert server.requests == []


@pytest.mark.parametrize(("answer", "message"), [
    (text_response("<html><body>Service unavailable</body></html>", 200, "text/html"),
     "HTML page instead of JSON"),
    (text_response("Invalid query.cond", 400), "HTTP 400: Invalid query.cond"),
    (json_response({"nextPageToken": "x"}), "no 'studies' list"),
    (json_response({"studies": [{"protocolSection": {}}]}), "nctId is missing"),
])
def test_bad_answers_exit_4(server: Server, answer: Any, message: str) -> None:
    server.routes.insert(0, ("/api/v2/studies", [answer]))
    result = run("trials", "fibromyalgia")
    assert result.exit_code == 4
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_server_errors_are_retried(server: Server) -> None:
    page = {"studies": [_trial("NCT99999999", "COMPLETED", False)]}
    server.routes.insert(0, ("/api/v2/studies", [
        lambda request: httpx.Response(503, headers={"Retry-After": "2"}),
        json_response(page)]))
    result = run("trials", "fibromyalgia", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert "retrying in 2 s" in result.stderr
    assert len(server.requests) == 2


def test_trials_include_the_sub_conditions(server: Server) -> None:
    result = run("trials", "neuropathic-pain")
    assert result.exit_code == 0, result.stderr
    cond = server.params(0)["query.cond"]
    assert cond.startswith("(Neuropathic pain) OR (")
    for name in ("Diabetic neuropathy", "Trigeminal neuralgia"):
        assert f"({name})" in cond
