"""`painlit draft` and `--append`: records from Crossref, PubMed and ClinicalTrials.gov."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painlit.errors import Severity
from painlit.fields import CURATOR_MARKER, CURATOR_MESSAGE
from painlit.loader import check_corpus
from painlit.online import draft as drafting
from painlit.paths import default_corpus_path
from test_online_support import (
    Server,
    fixture,
    install,
    json_response,
    run,
    text_response,
)

DOI = "10.5555/synthetic.2026.001"
CROSSREF_TITLE = ('Synthetic fixture: a made-up trial with "quotes", # hash, \'apostrophes\' '
                  "and ünïcode — naïve café")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Server:
    server = Server()
    install(monkeypatch, server)
    server.on("/works/", json_response(fixture("crossref_work.json")))
    server.on("/esummary.fcgi", json_response(fixture("esummary.json")))
    server.on("/studies/NCT99999999", json_response(fixture("ctgov_study.json")))
    return server


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus" / "studies.yaml"
    target.parent.mkdir()
    shutil.copyfile(default_corpus_path(), target)
    return target


def _records(text: str) -> list[dict[str, Any]]:
    data = yaml.safe_load(text)
    assert isinstance(data, list)
    return data


def test_draft_a_doi_prints_a_record_in_the_corpus_format(server: Server) -> None:
    result = run("draft", DOI)
    assert result.exit_code == 0, result.stderr
    [record] = _records(result.stdout)
    assert record["id"] == "exampleson-2026"
    assert record["title"] == CROSSREF_TITLE  # markup removed, every character kept
    assert record["authors"] == ["Exampleson AB", "Fixture JP"]
    assert record["year"] == 2026
    assert record["journal"] == "Journal of Synthetic Fixtures"
    assert record["doi"] == DOI
    assert "pmid" not in record
    for key in ("url", "design", "population", "n", "pain_model", "outcome", "finding",
                "direction", "risk_of_bias", "bias_note", "status"):
        assert str(record[key]).startswith(CURATOR_MARKER), key
    assert record["dose"]["category"].startswith(CURATOR_MARKER)
    assert record["substances"][0].startswith(CURATOR_MARKER)
    assert list(record) == [key for key in (
        "id", "title", "authors", "year", "journal", "doi", "pmid", "registry", "url", "design",
        "population", "n", "substances", "dose", "conditions", "mechanisms", "pain_model",
        "outcome", "finding", "direction", "risk_of_bias", "bias_note", "status",
        "registration", "unverified") if key in record]
    # the request: the DOI in the path, the User-Agent naming painlit
    [request] = server.requests
    assert request.url.path == f"/works/{DOI}"
    assert request.url.host == "api.crossref.org"
    assert request.headers["user-agent"].startswith("painlit/")
    assert "mailto" not in server.params()


def test_crossref_gets_mailto_and_the_doi_is_percent_encoded(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    odd = "10.5555/odd;doi#with?chars"
    work = fixture("crossref_work.json")
    work["message"]["DOI"] = odd
    server.routes.insert(0, ("/works/", [json_response(work)]))
    result = run("draft", f"https://doi.org/{odd}")
    assert result.exit_code == 0, result.stderr
    request = server.requests[0]
    assert request.url.raw_path.decode().startswith("/works/10.5555/odd%3Bdoi%23with%3Fchars")
    assert server.params() == {"mailto": "curator@example.org"}
    assert "mailto:curator@example.org" in request.headers["user-agent"]
    assert _records(result.stdout)[0]["doi"] == odd


def test_draft_a_pmid_and_an_nct_id(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINLIT_EMAIL", "curator@example.org")
    monkeypatch.setenv("NCBI_API_KEY", "synthetic-key")
    result = run("draft", "99000001", "nct99999999")
    assert result.exit_code == 0, result.stderr
    paper, trial = _records(result.stdout)
    assert paper["id"] == "exampleson-2026"
    assert paper["title"] == "Synthetic fixture: an imaginary psilocybin cohort with chronic pain"
    assert paper["authors"] == ["Exampleson AB", "Fixture JP"]
    assert paper["pmid"] == "99000001"
    assert paper["doi"] == "10.5555/synthetic.2026.101"
    assert paper["journal"] == "Journal of synthetic fixtures"
    assert trial["id"] == "nct99999999"
    assert trial["registry"] == "NCT99999999"
    assert trial["design"] == "trial-registration"
    assert trial["year"] == 2024
    assert trial["registration"] == {
        "status": "Completed", "start": "2024-05", "completion": "2025-07-31",
        "enrolment": 30, "enrolment_type": "actual", "results_posted": False}
    assert "n" not in trial
    esummary = server.params(0)
    assert esummary == {"db": "pubmed", "id": "99000001", "retmode": "json",
                        "tool": "painlit", "email": "curator@example.org",
                        "api_key": "synthetic-key"}
    assert server.requests[1].url.path == "/api/v2/studies/NCT99999999"
    assert server.requests[1].url.host == "clinicaltrials.gov"


def test_a_drafted_record_is_rejected_by_validate_field_by_field(
        server: Server, corpus_copy: Path) -> None:
    result = run("--data", str(corpus_copy), "draft", DOI, "--append")
    assert result.exit_code == 0, result.stderr
    checked = run("validate", str(corpus_copy))
    assert checked.exit_code == 1
    lines = [line for line in checked.stdout.splitlines() if line.strip()]
    assert lines and all(CURATOR_MESSAGE in line for line in lines)
    for field in ("exampleson-2026.design:", "exampleson-2026.population:",
                  "exampleson-2026.dose.category:", "exampleson-2026.dose.reported:",
                  "exampleson-2026.substances[0]:", "exampleson-2026.outcome:",
                  "exampleson-2026.url:", "exampleson-2026.unverified[0]:"):
        assert any(field in line for line in lines), field


def test_append_keeps_every_other_byte(server: Server, corpus_copy: Path) -> None:
    before = corpus_copy.read_bytes()
    result = run("--data", str(corpus_copy), "draft", DOI, "99000002", "--append")
    assert result.exit_code == 0, result.stderr
    after = corpus_copy.read_bytes()
    position = before.index(b"\n\n# Claims.") + 1  # right after the last study's last line
    inserted = result.stdout.encode("utf-8")
    assert after == before[:position] + inserted + before[position:]
    assert "appended 2 record(s)" in result.stderr
    _, problems = check_corpus(corpus_copy)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    assert errors and all(p.message == CURATOR_MESSAGE for p in errors)
    studies = yaml.safe_load(after)["studies"]
    assert [s["id"] for s in studies[-2:]] == ["exampleson-2026", "synthetic-consortium-2026"]
    assert studies[-1]["title"] == "[Synthetic fixture: a translated title]"


def test_append_refuses_an_identifier_already_in_the_corpus(
        server: Server, corpus_copy: Path) -> None:
    work = fixture("crossref_work.json")
    work["message"]["DOI"] = "10.3389/FPAIN.2025.1527783"  # aday-2025's DOI, other case
    server.routes.insert(0, ("/works/", [json_response(work)]))
    before = corpus_copy.read_bytes()
    result = run("--data", str(corpus_copy), "draft", "10.3389/fpain.2025.1527783", "--append")
    assert result.exit_code == 5
    assert "already in the corpus as aday-2025" in result.stderr
    assert corpus_copy.read_bytes() == before
    assert result.stdout == ""  # a refused append prints no record, as if it were added


def test_append_refuses_the_same_record_twice_in_one_call(
        server: Server, corpus_copy: Path) -> None:
    before = corpus_copy.read_bytes()
    result = run("--data", str(corpus_copy), "draft", DOI, DOI, "--append")
    assert result.exit_code == 5
    assert "already in the corpus" in result.stderr
    assert corpus_copy.read_bytes() == before


def test_without_append_a_duplicate_is_only_noted(server: Server) -> None:
    result = run("draft", "NCT99999999", "NCT99999999")
    assert result.exit_code == 0
    assert "registry id NCT99999999 is already in the corpus" in result.stderr
    first, second = (r["id"] for r in _records(result.stdout))
    assert first == "nct99999999"
    assert second.startswith(f"{CURATOR_MARKER}: an id (nct99999999 is taken)")


def test_append_refuses_when_the_corpus_has_other_problems(
        server: Server, corpus_copy: Path) -> None:
    text = corpus_copy.read_text(encoding="utf-8")
    broken = text.replace("  design: open-label\n", "  design: open-labelled\n", 1)
    corpus_copy.write_text(broken, encoding="utf-8")
    before = corpus_copy.read_bytes()
    result = run("--data", str(corpus_copy), "draft", DOI, "--append")
    assert result.exit_code == 5
    assert "open-labelled" in result.stderr
    assert "nothing was written" in result.stderr
    assert corpus_copy.read_bytes() == before
    assert result.stdout == ""


def test_append_leaves_the_file_untouched_when_writing_fails(
        server: Server, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = corpus_copy.read_bytes()

    def fail(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = run("--data", str(corpus_copy), "draft", DOI, "--append")
    assert result.exit_code == 5
    assert "disk is full" in " ".join(result.stderr.split())
    assert corpus_copy.read_bytes() == before
    assert sorted(p.name for p in corpus_copy.parent.iterdir()) == ["studies.yaml"]


def test_append_to_a_small_corpus_with_crlf_comments_and_no_final_newline(
        server: Server, tmp_path: Path) -> None:
    minimal = (Path(__file__).parent / "fixtures" / "corpus" / "minimal.yaml").read_text(
        encoding="utf-8")
    head, _, tail = minimal.partition("\nclaims:")
    head = head.replace("last_search: 2020-06-01", "last_search: 2026-06-01")
    text = head + "  # a trailing comment in the last study\n\n# before claims\nclaims:" + tail
    target = tmp_path / "crlf.yaml"
    target.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    before = target.read_bytes()
    result = run("--data", str(target), "draft", DOI, "--append")
    assert result.exit_code == 0, result.stderr
    after = target.read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"")
    inserted = len(after) - len(before)
    position = next(i for i in range(len(before)) if before[i] != after[i])
    assert after[:position] + after[position + inserted:] == before
    studies = yaml.safe_load(after)["studies"]
    assert studies[-1]["doi"] == DOI
    # and a file whose last study ends the file without a newline
    end = tmp_path / "end.yaml"
    reordered = head.replace("\nstudies:", "\nclaims: []\nstudies:", 1)
    end.write_text(reordered.rstrip("\n"), encoding="utf-8")
    original = end.read_bytes()
    result = run("--data", str(end), "draft", DOI, "--append")
    assert result.exit_code == 0, result.stderr
    assert end.read_bytes().startswith(original + b"\n  - id: exampleson-2026")


def test_unknown_identifiers_and_bad_input(server: Server) -> None:
    server.routes.insert(0, ("/works/", [text_response("Resource not found.", 404)]))
    result = run("draft", "10.5555/missing")
    assert result.exit_code == 4
    assert "Crossref has no record of DOI 10.5555/missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert run("draft", "not-an-id").exit_code == 2
    server.routes.insert(0, ("/esummary.fcgi", [json_response(fixture(
        "esummary_unknown.json"))]))
    result = run("draft", "99000009")
    assert result.exit_code == 4
    assert "PubMed has no record of PMID 99000009" in result.stderr
    result = run("draft", "NCT99999990")
    assert result.exit_code == 4
    assert "ClinicalTrials.gov has no study NCT99999990" in result.stderr


def test_draft_json(server: Server) -> None:
    result = run("draft", DOI, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["kind"] == "draft"
    assert data["records"][0]["title"] == CROSSREF_TITLE


def test_service_failures_exit_4_without_traceback(server: Server) -> None:
    server.routes.insert(0, ("/works/", [text_response("<html>down</html>",
                                                        content_type="text/html")]))
    result = run("draft", DOI)
    assert result.exit_code == 4
    assert "HTML page instead of JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_ids_follow_the_corpus_convention() -> None:
    taken = {"smith-2020", "smith-2020-b"}
    assert drafting.make_id(["Smith AB"], 2020, taken) == "smith-2020-c"
    assert drafting.make_id(["van Toorn R"], 2014, set()) == "van-toorn-2014"
    assert drafting.make_id(["Kärtner L"], 2021, set()) == "kartner-2021"
    assert drafting.make_id([], 2021, set()).startswith(CURATOR_MARKER)
    assert drafting.make_id(["Smith AB"], None, set()).startswith(CURATOR_MARKER)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1,
                max_size=80)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_TEXT, journal=_TEXT, author=_TEXT)
def test_any_string_reads_back_exactly(title: str, journal: str, author: str) -> None:
    record = {"id": "x-2020", "title": title, "authors": [author], "journal": journal,
              "pmid": "12345"}
    assert yaml.safe_load(drafting.to_yaml([record])) == [record]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_TEXT.filter(lambda t: CURATOR_MARKER not in t and t.strip() != ""))
def test_appended_titles_read_back(title: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / "minimal.yaml"
        shutil.copyfile(Path(__file__).parent / "fixtures" / "corpus" / "minimal.yaml", target)
        _append_title(target, title)


def _append_title(target: Path, title: str) -> None:
    record = drafting.publication_record(
        authors=["Propertest Q"], title=title, year=2020, journal=None, doi="10.5555/prop",
        pmid=None, source="Crossref", landing="https://doi.org/10.5555/prop", taken=set())
    record["title"] = title  # exactly, without the tidy-up
    if re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", title):
        # a title is one line: `validate` rejects control characters in it, so append does
        before = target.read_bytes()
        with pytest.raises(drafting.AppendRefused, match="control character"):
            drafting.append_records(target, [record])
        assert target.read_bytes() == before
        return
    drafting.append_records(target, [record])
    assert yaml.safe_load(target.read_bytes())["studies"][-1]["title"] == title


def test_a_client_factory_with_real_settings() -> None:
    from painlit.online import http

    client = http.make_client()
    try:
        assert client.max_redirects == http.MAX_REDIRECTS
        assert client.timeout.connect == 10.0
        assert client.headers["user-agent"].startswith("painlit/0.")
    finally:
        client.close()
    assert isinstance(client, httpx.Client)


def test_answers_are_cached_unless_asked_not_to(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAINLIT_NO_CACHE", raising=False)
    for arguments, requests in ((["draft", DOI], 1), (["draft", DOI], 1),
                                (["draft", DOI, "--refresh"], 2), (["draft", DOI], 2),
                                (["draft", DOI, "--no-cache"], 3),
                                (["--no-cache", "draft", DOI], 4)):
        result = run(*arguments)
        assert result.exit_code == 0, result.stderr
        assert len(server.requests) == requests, arguments
    monkeypatch.setenv("PAINLIT_NO_CACHE", "1")
    assert run("draft", DOI).exit_code == 0
    assert len(server.requests) == 5
    cached = list((Path(os.environ["XDG_CACHE_HOME"]) / "painlit" / "http").rglob("*.json"))
    assert len(cached) == 1
    assert json.loads(cached[0].read_bytes())["message"]["DOI"] == DOI
