"""`painlit verify` over the shipped corpus, with answers built from the corpus's own values."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest

from painlit.loader import load_corpus
from painlit.model import Corpus, Study
from painlit.online.clinicaltrials import STATUS_WORDS
from painlit.online.verify import authors_agree, normal_title, titles_agree
from painlit.paths import default_corpus_path
from test_online_support import Server, install, run, text_response

Tweak = Callable[[Study, dict[str, Any]], None]


def _no_tweak(study: Study, record: dict[str, Any]) -> None:
    return None


def _name_parts(author: str) -> tuple[str, str]:
    parts = author.split()
    if len(parts) > 1 and parts[-1].isupper() and len(parts[-1]) <= 4:
        return " ".join(parts[:-1]), " ".join(parts[-1])
    return author, ""


class CorpusServer(Server):
    """Answers about the shipped corpus's studies, made from the records themselves."""

    def __init__(self, corpus: Corpus, crossref: Tweak = _no_tweak, pubmed: Tweak = _no_tweak,
                 registry: Tweak = _no_tweak) -> None:
        super().__init__()
        by_doi = {s.doi.lower(): s for s in corpus.studies if s.doi}
        by_pmid = {s.pmid: s for s in corpus.studies if s.pmid}
        by_nct: dict[str, Study] = {}
        for study in sorted(corpus.studies, key=lambda s: s.design.value != "trial-registration"):
            if study.registry:
                by_nct.setdefault(study.registry, study)

        def work(request: httpx.Request) -> httpx.Response:
            doi = unquote(request.url.path.removeprefix("/works/")).lower()
            study = by_doi.get(doi)
            if study is None:
                return httpx.Response(404, text="Resource not found.")
            authors = [dict(zip(("family", "given"), _name_parts(a), strict=True))
                       for a in study.authors]
            message = {"DOI": study.doi, "title": [study.title], "author": authors,
                       "issued": {"date-parts": [[study.year]]}, "type": "journal-article"}
            crossref(study, message)
            return httpx.Response(200, json={"status": "ok", "message-type": "work",
                                             "message-version": "1.0.0", "message": message})

        def summaries(request: httpx.Request) -> httpx.Response:
            form = parse_qs(request.content.decode()) if request.method == "POST" else \
                parse_qs(request.url.query.decode())
            ids = form["id"][0].split(",")
            result: dict[str, Any] = {"uids": ids}
            for pmid in ids:
                study = by_pmid[pmid]
                record: dict[str, Any] = {
                    "uid": pmid, "title": study.title + ".", "pubdate": f"{study.year} Jan",
                    "authors": [{"name": a, "authtype": "Author"} for a in study.authors],
                    "fulljournalname": study.journal or "",
                    "articleids": [{"idtype": "pubmed", "value": pmid}] + (
                        [{"idtype": "doi", "value": study.doi}] if study.doi else []),
                }
                pubmed(study, record)
                result[pmid] = record
            return httpx.Response(200, json={"header": {"type": "esummary"}, "result": result})

        def trial(request: httpx.Request) -> httpx.Response:
            nct = request.url.path.rsplit("/", 1)[-1]
            study = by_nct.get(nct)
            if study is None:
                return httpx.Response(404, text=f"Study {nct} not found")
            words = {v.casefold(): k for k, v in STATUS_WORDS.items()}
            status = study.registration.status if study.registration else "Completed"
            payload: dict[str, Any] = {"protocolSection": {
                "identificationModule": {"nctId": nct, "briefTitle": study.title},
                "statusModule": {
                    "overallStatus": words.get(status.casefold(), "UNKNOWN"),
                    "studyFirstPostDateStruct": {"date": f"{study.year}-01-15"}},
            }, "hasResults": False}
            registry(study, payload)
            return httpx.Response(200, json=payload)

        self.on("/works/", work)
        self.on("/esummary.fcgi", summaries)
        self.on("/api/v2/studies/", trial)


@pytest.fixture
def corpus() -> Corpus:
    return load_corpus(default_corpus_path())


def test_the_shipped_corpus_agrees_with_answers_made_from_it(
        corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    server = CorpusServer(corpus)
    install(monkeypatch, server)
    result = run("verify")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == ""
    dois = sum(1 for s in corpus.studies if s.doi)
    ncts = len({s.registry for s in corpus.studies if s.registry})
    assert len(server.requests) == dois + ncts + 1  # PMIDs: one ESummary for all of them
    [esummary] = [r for r in server.requests if r.url.path.endswith("esummary.fcgi")]
    assert len(server.params(server.requests.index(esummary))["id"].split(",")) == sum(
        1 for s in corpus.studies if s.pmid)
    assert "0 mismatch(es)" in result.stderr
    assert "note: " in result.stderr  # a registry status that changed is noted, not failed


def test_mismatches_are_reported_with_file_and_line(
        corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    target = corpus.study_by_id["bonnelle-2022"]
    paper = corpus.study_by_id["aday-2025"]

    def crossref(study: Study, message: dict[str, Any]) -> None:
        if study.id == target.id:
            message["issued"] = {"date-parts": [[study.year + 3]]}
            message["title"] = ["Synthetic fixture: a different title"]

    def pubmed(study: Study, record: dict[str, Any]) -> None:
        if study.id == paper.id:
            record["authors"] = [{"name": "Someoneelse Q", "authtype": "Author"}]

    install(monkeypatch, CorpusServer(corpus, crossref=crossref, pubmed=pubmed))
    result = run("verify")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    where = f"{corpus.path}:{target.line}: bonnelle-2022:"
    assert any(line.startswith(where + " year 2022 differs from Crossref") for line in lines)
    assert any(line.startswith(where + " title differs from Crossref") for line in lines)
    assert any(line.startswith(f"{corpus.path}:{paper.line}: aday-2025: first author 'Aday JS'"
                               " differs from PubMed") for line in lines)
    assert len(lines) == 3
    assert "3 mismatch(es)" in result.stderr


def test_an_identifier_that_does_not_resolve(
        corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    server = CorpusServer(corpus)
    server.routes.insert(0, ("/works/", [text_response("Resource not found.", 404)]))
    server.routes.insert(0, ("/esummary.fcgi", [lambda request: httpx.Response(200, json={
        "result": {"uids": ["40171515"], "40171515": {
            "uid": "40171515", "error": "cannot get document summary"}}})]))
    install(monkeypatch, server)
    result = run("verify", "aday-2025", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["kind"] == "verify"
    assert data["studies"] == 1 and data["identifiers"] == 3
    messages = [m["message"] for m in data["mismatches"]]
    assert messages == ["doi 10.3389/fpain.2025.1527783 does not resolve at Crossref",
                        "pmid 40171515 does not resolve at PubMed"]
    assert [r.url.path for r in server.requests] == [
        "/entrez/eutils/esummary.fcgi", "/works/10.3389/fpain.2025.1527783",
        "/api/v2/studies/NCT05128162"]


def test_verify_a_few_studies_by_any_identifier(
        corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    server = CorpusServer(corpus)
    install(monkeypatch, server)
    result = run("verify", "nct04218539", "10.3389/fpain.2025.1527783")
    assert result.exit_code == 0, result.stderr
    assert "2 studies, 4 identifiers checked: 0 mismatch(es)" in " ".join(result.stderr.split())
    assert run("verify", "no-such-study").exit_code == 2


def test_a_service_failure_stops_verify_with_exit_4(
        corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    server = CorpusServer(corpus)
    server.routes.insert(0, ("/works/", [text_response('{"status": "ok", "message": {"DOI"')]))
    install(monkeypatch, server)
    result = run("verify", "bonnelle-2022")
    assert result.exit_code == 4
    assert "invalid or truncated JSON" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("record", "service"), [
    ("Psilocybin for migraine: a trial", "Psilocybin for Migraine - a Trial."),
    ("A MUTYH germline mutation", "A <i>MUTYH</i> germline mutation"),
    ("Ischemic stroke caused by neuroborreliosis", "[Ischemic stroke caused by neuroborreliosis]."),
    ("Effects of LSD &amp; psilocybin", "Effects of LSD & psilocybin"),
    ("Naïve café study", "Naive cafe study"),
    ("specialised Neisseria genomic", "specialisedNeisseriagenomic"),
])
def test_titles_agree_despite_markup_and_punctuation(record: str, service: str) -> None:
    assert titles_agree(record, [service])


def test_titles_that_differ() -> None:
    assert not titles_agree("Psilocybin for migraine", ["Psilocybin for cluster headache"])
    assert normal_title("  <b>Bold</b>  Title.  ") == "bold title"


@pytest.mark.parametrize(("record", "service", "agree"), [
    ("Aday JS", "Aday JS", True),
    ("Aday JS", "Aday", True),
    ("van Elk M", "van Elk M", True),
    ("Van Der Walt J", "van der Walt JA", True),
    ("Kaertner LS", "Kärtner L", True),
    ("Hutten NRPW", "Hutten N", True),
    ("Di Lorenzo C", "Di-Lorenzo C", True),
    ("Aday JS", "Boehnke KF", False),
])
def test_first_authors(record: str, service: str, agree: bool) -> None:
    assert authors_agree(record, service) is agree
