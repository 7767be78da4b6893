"""The living review: the screening log, `update` into it, `screen`, `prisma`, registry
statuses written back. Every log and service answer here is synthetic (PMIDs 99000001...,
DOIs under the reserved 10.5555 prefix, NCT00000000 of the synthetic minimal corpus)."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painlit import screening
from painlit.commands import online, review
from painlit.loader import load_corpus
from painlit.model import Decision, Reason, SearchSource
from painlit.paths import default_corpus_path
from test_online_support import Server, fixture, install, json_response, run, text_response

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "corpus" / "minimal.yaml"
TODAY = date(2026, 12, 5)

LOG = """\
# a synthetic screening log
searches:
- id: pubmed-a
  source: pubmed
  query: synthetic[tiab]
  run: 2026-12-01
  found: 3
- id: refs-a
  source: citations
  query: reference lists of the synthetic reviews
  run: 2026-12-02
records:
- pmid: '99000001'
  title: Synthetic one
  searches: [pubmed-a]
  decision: pending
- pmid: '99000002'
  searches: [pubmed-a, refs-a]   # found twice
  decision: excluded
  reason: not-pain
- pmid: '99000003'
  searches: [pubmed-a]
  decision: included
  study: example-2020
- ref: Synthetic Author 2019, a reference without an identifier
  searches: [refs-a]
  decision: excluded
  reason: duplicate
"""


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(online, "today", lambda: TODAY)
    monkeypatch.setattr(review, "today", lambda: TODAY)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the synthetic minimal corpus, with its log beside it."""
    path = tmp_path / "studies.yaml"
    shutil.copy(MINIMAL, path)
    return path


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "screening.yaml"
    path.write_text(LOG, encoding="utf-8")
    monkeypatch.setenv("PAINLIT_LOG", str(path))
    return path


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Server:
    server = Server()
    install(monkeypatch, server)
    server.on("/esearch.fcgi", json_response(fixture("esearch.json")))
    server.on("/esummary.fcgi", json_response(fixture("esummary.json")))
    return server


# --- the log: reading and checking -----------------------------------------------------------

def test_the_log_reads_into_records(log: Path) -> None:
    read = screening.read_log(log, load_corpus(MINIMAL))
    assert [s.id for s in read.searches] == ["pubmed-a", "refs-a"]
    assert read.searches[1].source is SearchSource.CITATIONS
    assert [r.key for r in read.records] == [
        "99000001", "99000002", "99000003",
        "Synthetic Author 2019, a reference without an identifier"]
    assert read.records[1].reason is Reason.NOT_PAIN
    assert read.records[2].study == "example-2020"
    assert [r.key for r in read.pending] == ["99000001"]


@pytest.mark.parametrize(("change", "where", "message"), [
    (("  decision: pending\n", "  decision: pending\n  colour: red\n"), ":17:",
     "colour: unknown key"),
    (("reason: not-pain", "reason: too-long"), ":20:", "'too-long' is not one of"),
    (("  reason: not-pain\n", ""), ":17:", "an excluded record needs a reason"),
    (("[pubmed-a, refs-a]", "[pubmed-a, refs-b]"), ":18:", "'refs-b' is not a search"),
    (("'99000003'", "'99000001'"), ":21:", "'99000001' is already in the log (line 13)"),
    (("study: example-2020", "study: nobody-2020"), ":24:", "'nobody-2020' is not a study"),
    (("  decision: pending\n", "  decision: pending\n  study: example-2020\n"), ":17:",
     "only an included record names a study"),
    (("- id: refs-a", "- id: pubmed-a"), ":8:", "duplicate id (first used on line 3)"),
    (("run: 2026-12-01", "run: last week"), ":6:", "expected a date"),
    (("pmid: '99000001'", "pmid: 'PMID 1'"), ":13:", "is not a PubMed id"),
    (("decision: excluded\n  reason: duplicate", "decision: excluded\n  reason: other"),
     ":28:", "reason 'other' needs a note"),
])
def test_log_problems_are_located(log: Path, change: tuple[str, str], where: str,
                                  message: str) -> None:
    text = LOG.replace(*change, 1)
    assert text != LOG
    log.write_text(text, encoding="utf-8")
    _, problems = screening.check_log_bytes(log.read_bytes(), str(log), load_corpus(MINIMAL))
    shown = [str(p) for p in problems]
    assert any(where in line and message in line for line in shown), shown


def test_validate_checks_the_log_with_the_corpus(corpus: Path, log: Path) -> None:
    assert run("--data", str(corpus), "validate").exit_code == 0
    log.write_text(LOG.replace("reason: not-pain", "reason: boring"), encoding="utf-8")
    result = run("--data", str(corpus), "validate")
    assert result.exit_code == 1
    assert f"{log}:20:11: records[1] (99000002).reason: 'boring' is not one of" in result.stdout


def test_a_broken_log_is_a_clear_error_not_a_traceback(corpus: Path, log: Path) -> None:
    log.write_text("records: [unclosed\n", encoding="utf-8")
    result = run("--data", str(corpus), "prisma")
    assert result.exit_code == 3
    assert "screening log" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


# --- the PRISMA flow -----------------------------------------------------------------------

def test_the_flow_counts_the_log(log: Path) -> None:
    flow = screening.flow(screening.read_log(log))
    assert flow.identified == {"PubMed": 3, "citation searching": 2}
    assert flow.duplicates == 2  # 99000002 found twice; the reference excluded as a duplicate
    assert flow.screened == 3
    assert flow.excluded == {"not about pain": 1}
    assert (flow.pending, flow.included, flow.studies) == (1, 1, 1)


_records = st.lists(st.tuples(
    st.sets(st.sampled_from(["pubmed-a", "trials-a", "refs-a"]), min_size=1),
    st.sampled_from([Decision.PENDING, Decision.INCLUDED, Decision.EXCLUDED]),
    st.sampled_from(list(Reason)),
    st.sampled_from(["s1", "s2", None])), max_size=30)


@settings(max_examples=200, deadline=None)
@given(_records)
def test_the_flow_adds_up_for_any_log(records: list[tuple[set[str], Decision, Reason,
                                                          str | None]]) -> None:
    searches = tuple(screening.Search(name, source, "q", TODAY) for name, source in (
        ("pubmed-a", SearchSource.PUBMED), ("trials-a", SearchSource.CLINICALTRIALS),
        ("refs-a", SearchSource.CITATIONS)))
    logged = tuple(screening.Screened(
        pmid=str(99000000 + i), doi=None, nct=None, ref=None, title=None, year=None,
        journal=None, abstract=None, searches=tuple(sorted(found)), decision=decision,
        study=study if decision is Decision.INCLUDED else None,
        reason=reason if decision is Decision.EXCLUDED else None)
        for i, (found, decision, reason, study) in enumerate(records))
    flow = screening.flow(screening.ScreeningLog("log", searches, logged))
    assert flow.total_identified == sum(len(found) for found, *_ in records)
    assert flow.total_identified == flow.duplicates + flow.screened
    assert flow.screened == sum(flow.excluded.values()) + flow.pending + flow.included
    assert flow.included == sum(d is Decision.INCLUDED for _, d, _, _ in records)


def test_prisma_text_json_markdown_svg(corpus: Path, log: Path) -> None:
    text = run("--data", str(corpus), "prisma")
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert any(line.startswith("  Records identified ") and line.endswith(" 5")
               for line in lines)
    assert any("Duplicates removed before screening" in line and line.endswith(" 2")
               for line in lines)
    assert "merges PRISMA's two screening stages" in text.stdout
    assert "corpus studies named by no log record: example-2019" in " ".join(lines)
    data = json.loads(run("--data", str(corpus), "prisma", "--json").stdout)
    assert data["kind"] == "prisma"
    assert data["total_identified"] == data["duplicates_removed"] + data["screened"] == 5
    assert data["corpus_studies_not_in_log"] == [
        "example-2019", "example-review-2018", "example-registration-2020"]
    markdown = run("--data", str(corpus), "prisma", "--format", "markdown").stdout
    assert "| Screening | **Records excluded** | 1 |" in markdown
    svg = run("--data", str(corpus), "prisma", "--format", "svg").stdout
    assert svg.startswith('<svg class="prisma"') and "Records screened: 3" in svg


def test_reports_carry_the_flow(corpus: Path, log: Path) -> None:
    markdown = run("--data", str(corpus), "report").stdout
    assert "## How the studies were found (PRISMA 2020 flow, whole corpus)" in markdown
    page = run("--data", str(corpus), "report", "--format", "html").stdout
    assert '<section id="screening">' in page and '<svg class="prisma"' in page
    data = json.loads(run("--data", str(corpus), "report", "--json").stdout)
    assert data["screening"]["screened"] == 3
    log.unlink()
    assert "PRISMA" not in run("--data", str(corpus), "report").stdout


# --- screen ----------------------------------------------------------------------------------

def test_screen_by_options_changes_only_the_record(corpus: Path, log: Path) -> None:
    before_corpus = corpus.read_bytes()
    result = run("--data", str(corpus), "screen", "99000001", "--exclude", "other",
                 "--note", "a synthetic editorial")
    assert result.exit_code == 0, result.stderr
    assert "99000001: excluded (other reason (see its note))" in result.stderr
    expected = LOG.replace(
        "  searches: [pubmed-a]\n  decision: pending\n",
        "  searches: [pubmed-a]\n  decision: excluded\n  reason: other\n"
        "  note: a synthetic editorial\n  decided: 2026-12-05\n", 1)
    assert log.read_text(encoding="utf-8") == expected
    assert corpus.read_bytes() == before_corpus
    result = run("--data", str(corpus), "screen", "99000001", "--include", "--study",
                 "example-2019")
    assert result.exit_code == 0, result.stderr
    record = screening.read_log(log).find("99000001")
    assert record is not None and record.decision is Decision.INCLUDED
    assert (record.study, record.reason, record.note) == ("example-2019", None, None)
    assert "# found twice" in log.read_text(encoding="utf-8")  # comments stay


@pytest.mark.parametrize(("args", "code", "message"), [
    (["99000001"], 2, "say what to decide"),
    (["--include"], 2, "name the record"),
    (["99000001", "--include", "--exclude", "not-pain"], 2, "give one decision"),
    (["99000001", "--exclude", "boring"], 2, "boring"),
    (["99000001", "--exclude", "other"], 3, "reason 'other' needs a note"),
    (["99000001", "--include", "--study", "nobody-2020"], 3, "'nobody-2020' is not a study"),
    (["12345", "--include"], 3, "no record '12345' in the screening log"),
])
def test_screen_refusals(corpus: Path, log: Path, args: list[str], code: int,
                         message: str) -> None:
    result = run("--data", str(corpus), "screen", *args)
    assert result.exit_code == code, result.stderr
    assert message in " ".join(result.stderr.split())
    assert log.read_text(encoding="utf-8") == LOG


def test_screen_without_a_terminal_lists_what_is_pending(corpus: Path, log: Path) -> None:
    result = run("--data", str(corpus), "screen")
    assert result.exit_code == 0
    assert "99000001" in result.stdout and "Synthetic one" in result.stdout
    assert "1 record(s) pending" in result.stderr
    data = json.loads(run("--data", str(corpus), "screen", "--json").stdout)
    assert [r["key"] for r in data["pending"]] == ["99000001"]


class _Terminal:
    """`painlit screen` on a pseudo-terminal, read until a marker, written to like a user."""

    def __init__(self, corpus: Path, log: Path) -> None:
        env = {**os.environ, "PAINLIT_LOG": str(log), "COLUMNS": "100", "TERM": "dumb"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: painlit on the terminal
            os.execve(sys.executable, [sys.executable, "-m", "painlit", "--data", str(corpus),
                                       "screen"], env)
        self.output = b""

    def read_until(self, marker: bytes) -> None:
        deadline = time.monotonic() + 30
        while marker not in self.output:
            assert time.monotonic() < deadline, self.output.decode(errors="replace")
            ready, _, _ = select.select([self.fd], [], [], 1)
            if ready:
                try:
                    self.output += os.read(self.fd, 4096)
                except OSError:
                    break

    def type(self, text: bytes) -> None:
        os.write(self.fd, text)

    def exit_code(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def _two_pending(log: Path) -> None:
    log.write_text(LOG.replace(
        "  decision: excluded\n  reason: not-pain\n", "  decision: pending\n", 1),
        encoding="utf-8")


def test_screen_walks_the_pending_records_on_a_terminal(corpus: Path, log: Path) -> None:
    """The interactive screen: exclude the first record with a reason, then quit."""
    _two_pending(log)
    terminal = _Terminal(corpus, log)
    terminal.read_until(b"[i]nclude")
    assert b"1 of 2 pending" in terminal.output and b"Synthetic one" in terminal.output
    terminal.type(b"e\n")
    terminal.read_until(b"reason:")
    terminal.type(b"2\n")  # not-pain
    terminal.read_until(b"note (optional)")
    terminal.type(b"\n")
    terminal.read_until(b"2 of 2 pending")
    terminal.read_until(b"[i]nclude")
    terminal.type(b"q\n")
    terminal.read_until(b"still pending")
    assert terminal.exit_code() == 0, terminal.output.decode(errors="replace")
    decided = screening.read_log(log).find("99000001")
    assert decided is not None and decided.reason is Reason.NOT_PAIN
    assert screening.read_log(log).find("99000002").decision is Decision.PENDING  # type: ignore[union-attr]


def test_end_of_input_mid_screen_keeps_what_was_decided(corpus: Path, log: Path) -> None:
    _two_pending(log)
    terminal = _Terminal(corpus, log)
    terminal.read_until(b"[i]nclude")
    terminal.type(b"i\n")
    terminal.read_until(b"corpus study id")
    terminal.type(b"example-2019\n")
    terminal.read_until(b"2 of 2 pending")
    terminal.read_until(b"[i]nclude")
    terminal.type(b"\x04")  # Ctrl-D at the prompt
    terminal.read_until(b"interrupted")
    assert terminal.exit_code() == 130
    assert b"the decisions made so far are written" in terminal.output
    assert b"Traceback" not in terminal.output
    decided = screening.read_log(log).find("99000001")
    assert decided is not None and decided.study == "example-2019"


# --- update into the log -----------------------------------------------------------------------

def test_update_logs_hits_once(server: Server, tmp_path: Path) -> None:
    log = Path(os.environ["PAINLIT_LOG"])
    assert not log.exists()
    corpus_before = default_corpus_path().read_bytes()
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    read = screening.read_log(log)
    assert [(s.id, s.since, s.until, s.found, s.complete) for s in read.searches] == [
        ("pubmed-2026-12-01", date(2026, 11, 24), date(2026, 12, 1), 3, True)]
    by_key = {r.key: r for r in read.records}
    assert by_key["99000001"].decision is Decision.PENDING
    assert by_key["99000001"].abstract == (
        "BACKGROUND: A synthetic abstract for tests: no real study.\n"
        "RESULTS: Nothing was measured; x2 is markup.")
    assert by_key["99000001"].doi == "10.5555/synthetic.2026.101"
    assert by_key["40171515"].decision is Decision.INCLUDED  # aday-2025, already a study
    assert by_key["40171515"].study == "aday-2025"
    written = log.read_bytes()
    again = run("update", "--until", "2026-12-01")
    assert again.exit_code == 0, again.stderr
    assert log.read_bytes() == written  # the same search twice adds nothing
    assert "0 to screen" in again.stderr and "3 were in the log already" in again.stderr
    assert default_corpus_path().read_bytes() == corpus_before
    assert "pending" in run("screen").stderr


def test_a_later_search_adds_itself_to_records_found_again(server: Server) -> None:
    log = Path(os.environ["PAINLIT_LOG"])
    assert run("update", "--until", "2026-12-01").exit_code == 0
    result = run("update", "--since", "2026-11-30", "--until", "2026-12-03")
    assert result.exit_code == 0, result.stderr
    read = screening.read_log(log)
    assert [s.id for s in read.searches] == ["pubmed-2026-12-01", "pubmed-2026-12-03"]
    found = read.find("99000001")
    assert found is not None and found.searches == ("pubmed-2026-12-01", "pubmed-2026-12-03")
    flow = screening.flow(read)
    assert flow.total_identified == 6 and flow.duplicates == 3 and flow.screened == 3


def test_since_last_moves_last_search_only_when_complete(
        server: Server, corpus: Path) -> None:
    before = corpus.read_text(encoding="utf-8")
    result = run("--data", str(corpus), "update", "--since-last")
    assert result.exit_code == 0, result.stderr
    assert "last_search moved to 2026-12-05" in result.stderr
    assert server.params(0)["mindate"] == "2020/06/01"
    after = corpus.read_text(encoding="utf-8")
    assert after == before.replace("last_search: 2020-06-01", "last_search: 2026-12-05")
    assert load_corpus(corpus).info.last_search == TODAY
    assert run("--data", str(corpus), "update", "--since-last",
               "--since", "2026-01-01").exit_code == 2


def test_since_last_keeps_last_search_when_records_are_missing(
        server: Server, corpus: Path) -> None:
    server.routes.insert(0, ("/esearch.fcgi", [json_response({"esearchresult": {
        "count": "5", "retmax": "3", "retstart": "0",
        "idlist": ["99000001", "99000002", "99000003"]}})]))
    before = corpus.read_bytes()
    result = run("--data", str(corpus), "update", "--since-last", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["complete"] is False
    assert "last_search not moved" in result.stderr
    assert corpus.read_bytes() == before
    read = screening.read_log(Path(os.environ["PAINLIT_LOG"]))
    assert read.searches[0].complete is False
    assert screening.flow(read).incomplete == (read.searches[0].id,)


def test_efetch_with_entity_declarations_is_refused(server: Server) -> None:
    server.fallback["/efetch.fcgi"] = text_response(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet>&a;'
        "</PubmedArticleSet>", content_type="text/xml")
    result = run("update", "--until", "2026-12-01")
    assert result.exit_code == 4
    assert "declares entities" in result.stderr
    assert not Path(os.environ["PAINLIT_LOG"]).exists()


# --- registry statuses written back ---------------------------------------------------------------

def _registry_page(**status: object) -> dict[str, object]:
    module: dict[str, object] = {"overallStatus": "COMPLETED",
                                 "startDateStruct": {"date": "2020-01"},
                                 "completionDateStruct": {"date": "2021"}}
    module.update(status)
    return {"studies": [{
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000000",
                                     "briefTitle": "Synthetic example study D"},
            "statusModule": module,
            "designModule": {"enrollmentInfo": {"count": 30, "type": "ESTIMATED"}}},
        "hasResults": False}]}


def test_trials_write_changes_the_status_and_read_date_only(
        server: Server, corpus: Path) -> None:
    server.on("/api/v2/studies", json_response(_registry_page()))
    before = corpus.read_text(encoding="utf-8")
    result = run("--data", str(corpus), "trials", "example-pain", "--write")
    assert result.exit_code == 0, result.stderr
    after = corpus.read_text(encoding="utf-8")
    assert after == before.replace(
        "      status: Recruiting\n", "      status: Completed\n", 1).replace(
        "      sponsor: Example University\n",
        "      sponsor: Example University\n      status_read: 2026-12-05\n", 1)
    assert "status Recruiting -> Completed" in result.stderr
    registration = load_corpus(corpus).study_by_id["example-registration-2020"].registration
    assert registration is not None and registration.status_read == TODAY
    again = run("--data", str(corpus), "trials", "example-pain", "--write")
    assert again.exit_code == 0 and corpus.read_text(encoding="utf-8") == after
    assert "unchanged" in again.stderr


def test_trials_dry_run_shows_the_diff_and_writes_nothing(
        server: Server, corpus: Path) -> None:
    server.on("/api/v2/studies", json_response(_registry_page(
        lastUpdatePostDateStruct={"date": "2025-02-03"})))
    before = corpus.read_bytes()
    result = run("--data", str(corpus), "trials", "example-pain", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert corpus.read_bytes() == before
    assert "-      status: Recruiting\n+      status: Completed\n" in result.stdout
    assert "+      last_update: '2025-02-03'\n" in result.stdout
    data = json.loads(run("--data", str(corpus), "trials", "example-pain", "--dry-run",
                          "--json").stdout)
    assert data["written"] is False
    assert data["registry_updates"] == [{
        "study": "example-registration-2020", "nct": "NCT00000000",
        "changed": {"status": {"record": "Recruiting", "registry": "Completed"},
                    "last_update": {"record": None, "registry": "2025-02-03"}},
        "status_read": "2026-12-05"}]


def test_verify_write_uses_the_registrations_it_read(server: Server, corpus: Path) -> None:
    page = _registry_page()
    server.on("/studies/NCT00000000", json_response(page["studies"][0]))  # type: ignore[index]
    result = run("--data", str(corpus), "verify", "example-registration-2020", "--write")
    assert result.exit_code in (0, 1), result.stderr
    assert "1 registration(s) written" in result.stderr
    registration = load_corpus(corpus).study_by_id["example-registration-2020"].registration
    assert registration is not None and registration.status == "Completed"


def test_write_back_refuses_a_corpus_saved_meanwhile(
        server: Server, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from painlit.online import writeback

    server.on("/api/v2/studies", json_response(_registry_page()))
    real = writeback.edited_text
    saved = corpus.read_text(encoding="utf-8") + "# saved by an editor\n"

    def edit_while_an_editor_saves(*args: object) -> str:
        corpus.write_text(saved, encoding="utf-8")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(writeback, "edited_text", edit_while_an_editor_saves)
    result = run("--data", str(corpus), "trials", "example-pain", "--write")
    assert result.exit_code == 5
    assert "changed while painlit was editing it" in result.stderr
    assert corpus.read_text(encoding="utf-8") == saved


def test_screen_and_prisma_import_no_http_library(corpus: Path, log: Path) -> None:
    code = ("import sys; from painlit.cli import main; sys.argv = ['painlit', '--data', "
            f"{str(corpus)!r}, 'prisma']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'httpx' not in sys.modules, 'httpx imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PAINLIT_LOG": str(log)}, timeout=60)
    assert result.returncode == 0, result.stderr


# --- the shipped log ------------------------------------------------------------------------------

def test_the_shipped_log_is_valid_and_names_every_corpus_study() -> None:
    corpus = load_corpus(default_corpus_path())
    path = default_corpus_path().parent / screening.LOG_NAME
    read, problems = screening.check_log_bytes(path.read_bytes(), str(path), corpus)
    assert read is not None and problems == []
    assert screening.not_logged(read, corpus) == []  # a new study goes into the log too
    flow = screening.flow(read)
    assert flow.total_identified == flow.duplicates + flow.screened
    assert flow.screened == sum(flow.excluded.values()) + flow.pending + flow.included
    assert flow.studies == len(corpus.studies)
    # What was searched for and not found is kept, with the reason, not dropped.
    assert flow.excluded["report not retrieved"] >= 10


def test_trials_fibromyalgia_write_on_the_shipped_corpus_changes_only_read_dates(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry answers exactly what the corpus records (built from the records, so no
    fact is invented): only each registration's `status_read` line changes, to the new day."""
    from painlit.online.clinicaltrials import STATUS_WORDS
    from painlit.query import condition_subtree

    copy = tmp_path / "studies.yaml"
    shutil.copy(default_corpus_path(), copy)
    corpus = load_corpus(copy)
    wanted = set(condition_subtree(corpus, "fibromyalgia"))
    codes = {words: code for code, words in STATUS_WORDS.items()}
    studies = []
    registered = [s for s in corpus.studies if s.registration and set(s.conditions) & wanted]
    assert len(registered) >= 3
    for study in registered:
        reg = study.registration
        assert reg is not None and study.registry is not None
        status: dict[str, object] = {"overallStatus": codes[reg.status]}
        for key, value in (("startDateStruct", reg.start), ("completionDateStruct",
                           reg.completion), ("lastUpdatePostDateStruct", reg.last_update)):
            if value is not None:
                status[key] = {"date": value}
        design: dict[str, object] = {}
        if reg.enrolment is not None:
            design["enrollmentInfo"] = {"count": reg.enrolment, **(
                {"type": reg.enrolment_type.upper()} if reg.enrolment_type else {})}
        payload: dict[str, object] = {"protocolSection": {
            "identificationModule": {"nctId": study.registry, "briefTitle": study.title},
            "statusModule": status, "designModule": design}}
        if reg.results_posted is not None:
            payload["hasResults"] = reg.results_posted
        studies.append(payload)
    server.on("/api/v2/studies", json_response({"studies": studies}))
    monkeypatch.setattr(online, "today", lambda: date(2026, 12, 6))
    before = copy.read_bytes()
    result = run("--data", str(copy), "trials", "fibromyalgia", "--write")
    assert result.exit_code == 0, result.stderr
    old_lines, new_lines = before.splitlines(), copy.read_bytes().splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert changed == [(b"    status_read: 2026-12-05", b"    status_read: 2026-12-06")] * len(
        registered)


def test_trials_record_logs_the_registry_search(server: Server, corpus: Path) -> None:
    page = _registry_page()
    extra = json.loads(json.dumps(page["studies"][0]))  # type: ignore[index]
    extra["protocolSection"]["identificationModule"] = {
        "nctId": "NCT99999999", "briefTitle": "Synthetic Fixture: a trial not in the corpus"}
    page["studies"].append(extra)  # type: ignore[attr-defined]
    server.on("/api/v2/studies", json_response(page))
    before = corpus.read_bytes()
    result = run("--data", str(corpus), "trials", "example-pain", "--record")
    assert result.exit_code == 0, result.stderr
    assert corpus.read_bytes() == before  # --record touches only the log
    log = Path(os.environ["PAINLIT_LOG"])
    read = screening.read_log(log)
    assert [(s.id, s.source, s.found) for s in read.searches] == [
        ("clinicaltrials-2026-12-05", SearchSource.CLINICALTRIALS, 2)]
    known, new = read.find("NCT00000000"), read.find("NCT99999999")
    assert known is not None and known.study == "example-registration-2020"
    assert new is not None and new.decision is Decision.PENDING
    written = log.read_bytes()
    assert run("--data", str(corpus), "trials", "example-pain", "--record").exit_code == 0
    assert log.read_bytes() == written
    assert screening.flow(read).identified == {"ClinicalTrials.gov": 2}
