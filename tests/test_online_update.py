"""`painlit update`: the corpus's saved PubMed query since its last search."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from painlit.loader import load_corpus
from painlit.online import pubmed
from painlit.paths import default_corpus_path
from test_online_support import Server, fixture, install, json_response, run


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Server:
    server = Server()
    install(monkeypatch, server)
    server.on("/esearch.fcgi", json_response(fixture("esearch.json")))
    server.on("/esummary.fcgi", json_response(fixture("esummary.json")))
    return server


def test_update_lists_new_candidates_and_drops_known_pmids(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    monkeypatch.setenv("NCBI_API_KEY", "synthetic-key")
    corpus = load_corpus(default_corpus_path())
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    assert "99000001" in result.stdout and "99000002" in result.stdout
    assert "40171515" not in result.stdout  # aday-2025, already in the corpus
    assert "imaginary psilocybin cohort" in result.stdout
    stderr = " ".join(result.stderr.split())
    assert "3 record(s) entered 2026-11-24 to 2026-12-01; 1 already in the corpus; 2 to screen" \
        in stderr
    search, summary, abstracts = server.requests
    # the saved query is long, so it goes in a POST body
    assert search.method == "POST"
    assert search.url.path == "/entrez/eutils/esearch.fcgi"
    assert server.params(0) == {
        "db": "pubmed", "term": corpus.info.search_query, "retmode": "json", "retstart": "0",
        "retmax": "10000", "datetype": "edat", "mindate": "2026/11/24",
        "maxdate": "2026/12/01", "tool": "painlit", "email": "curator@example.org",
        "api_key": "synthetic-key"}
    assert search.headers["user-agent"].startswith("painlit/")
    assert summary.method == "GET"
    assert server.params(1)["id"] == "99000001,99000002"
    assert abstracts.url.path == "/entrez/eutils/efetch.fcgi"
    assert server.params(2)["id"] == "99000001,99000002"
    assert server.params(2)["retmode"] == "xml"
    assert "A synthetic abstract for tests" in result.stdout  # shown to screen from


def test_update_json(server: Server) -> None:
    result = run("update", "--since", "2026-11-25", "--until", "2026-12-01", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "update"
    assert data["since"] == "2026-11-25" and data["until"] == "2026-12-01"
    assert data["found"] == 3 and data["already_in_corpus"] == 1
    assert data["candidates"][0] == {
        "pmid": "99000001",
        "title": "Synthetic fixture: an imaginary psilocybin cohort with chronic pain",
        "year": 2026, "journal": "Journal of synthetic fixtures",
        "doi": "10.5555/synthetic.2026.101",
        "abstract": "BACKGROUND: A synthetic abstract for tests: no real study.\n"
                    "RESULTS: Nothing was measured; x2 is markup."}
    assert data["candidates"][1]["abstract"] is None
    assert data["complete"] is True and data["new_search"] is True
    assert server.params(0)["mindate"] == "2026/11/25"


def test_a_date_range_over_the_esearch_limit_is_split(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pubmed, "SEARCH_LIMIT", 2)
    entered = {"99000001": date(2026, 11, 25), "99000002": date(2026, 11, 27),
               "99000003": date(2026, 11, 28)}

    def search(request: httpx.Request) -> httpx.Response:
        form = dict(server.params())
        low = date.fromisoformat(form["mindate"].replace("/", "-"))
        high = date.fromisoformat(form["maxdate"].replace("/", "-"))
        ids = [pmid for pmid, day in entered.items() if low <= day <= high]
        limit = int(form["retmax"])
        return httpx.Response(200, json={"esearchresult": {
            "count": str(len(ids)), "retmax": str(min(limit, len(ids))), "retstart": "0",
            "idlist": ids[:limit]}})

    server.routes.insert(0, ("/esearch.fcgi", [search]))
    server.routes.insert(1, ("/esummary.fcgi", [json_response({"result": {"uids": []}})]))
    result = run("update", "--since", "2026-11-24", "--until", "2026-11-30", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["pmid"] for c in data["candidates"]] == ["99000001", "99000002", "99000003"]
    ranges = [(server.params(i)["mindate"], server.params(i)["maxdate"])
              for i, r in enumerate(server.requests) if r.url.path.endswith("esearch.fcgi")]
    assert ranges == [("2026/11/24", "2026/11/30"), ("2026/11/24", "2026/11/27"),
                      ("2026/11/28", "2026/11/30")]


def test_one_day_over_the_limit_is_an_error(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pubmed, "SEARCH_LIMIT", 2)
    result = run("update", "--since", "2026-11-24", "--until", "2026-11-24")
    assert result.exit_code == 4
    assert "ESearch returns at most 2" in " ".join(result.stderr.split())


def test_summaries_go_in_batches_by_post(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pubmed, "SUMMARY_BATCH", 2)
    monkeypatch.setattr(pubmed, "POST_IDS", 1)
    ids = [f"9900000{i}" for i in range(1, 6)]
    server.routes.insert(0, ("/esearch.fcgi", [json_response({"esearchresult": {
        "count": "5", "retmax": "5", "retstart": "0", "idlist": ids}})]))

    def summaries(request: httpx.Request) -> httpx.Response:
        batch = server.params()["id"].split(",")
        result: dict[str, Any] = {"uids": batch}
        for pmid in batch:
            result[pmid] = {"uid": pmid, "title": f"Synthetic fixture {pmid}", "authors": [],
                            "pubdate": "2026"}
        return httpx.Response(200, json={"result": result})

    server.routes.insert(1, ("/esummary.fcgi", [summaries]))
    result = run("update", "--until", "2026-12-01", "--json")
    assert result.exit_code == 0, result.stderr
    batches = [(r.method, server.params(i)["id"]) for i, r in enumerate(server.requests)
               if r.url.path.endswith("esummary.fcgi")]
    assert batches == [("POST", "99000001,99000002"), ("POST", "99000003,99000004"),
                       ("GET", "99000005")]
    assert len(json.loads(result.stdout)["candidates"]) == 5


def test_pubmed_warnings_are_shown(server: Server) -> None:
    server.routes.insert(0, ("/esearch.fcgi", [json_response(fixture(
        "esearch_warnings.json"))]))
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 0
    assert "phrasesnotfound: xyzzyqqq" in result.stderr
    assert "0 to screen" in result.stderr
    assert len(server.requests) == 1  # nothing to summarise


@pytest.mark.parametrize(("name", "message"), [
    ("esearch_error.json", "Invalid db name specified"),
    ("esummary_too_many.json", "PubMed reported an error: Too many UIDs"),
    ("ncbi_429.json", "PubMed reported an error: API rate limit exceeded"),
])
def test_errors_inside_a_200_exit_4(server: Server, name: str, message: str) -> None:
    server.routes.insert(0, ("/esearch.fcgi", [json_response(fixture(name))]))
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 4
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_dates_are_usage_errors(server: Server) -> None:
    assert run("update", "--since", "yesterday").exit_code == 2
    assert run("update", "--since", "2026-12-02", "--until", "2026-12-01").exit_code == 2
    assert server.requests == []
