"""Library-level tests of painlit.loader: typed records, every problem at once, sorted."""

from __future__ import annotations

import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from painlit.errors import CorpusError, Problem, Severity
from painlit.loader import check_corpus, load_corpus
from painlit.model import (
    Certainty,
    Claim,
    ClaimScope,
    ClaimTopic,
    Condition,
    Corpus,
    Direction,
    Domain,
    Dose,
    DoseCategory,
    Evidence,
    Judgement,
    Mechanism,
    PainModel,
    Population,
    PublicationStatus,
    Registration,
    RiskOfBias,
    Source,
    Stance,
    Study,
    StudyDesign,
    Substance,
)
from painlit.paths import default_corpus_path
from painlit.query import condition_ancestors, condition_subtree

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
MINIMAL = FIXTURES / "minimal.yaml"
MULTI_ERROR = FIXTURES / "multi_error.yaml"


def _line_of(path: Path, text: str) -> int:
    """The 1-based number of the first line of `path` that equals `text`."""
    return path.read_text().splitlines().index(text) + 1


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(MINIMAL)


# --- the valid fixture ---------------------------------------------------------------------

def test_minimal_fixture_has_no_problems_at_all() -> None:
    loaded, problems = check_corpus(MINIMAL)
    assert loaded is not None
    assert problems == []


def test_minimal_fixture_counts(corpus: Corpus) -> None:
    assert (len(corpus.conditions), len(corpus.mechanisms), len(corpus.substances),
            len(corpus.sources), len(corpus.studies), len(corpus.claims)) == (2, 1, 2, 1, 4, 2)
    assert corpus.path == str(MINIMAL)


def test_corpus_info_is_typed(corpus: Corpus) -> None:
    info = corpus.info
    assert info.title == "Synthetic test corpus"
    assert info.version == "0.0.1"
    assert info.last_search == date(2020, 6, 1)
    assert type(info.last_search) is date
    assert info.search_query == "synthetic[tiab] AND example[tiab]"


def test_conditions_keep_parent_and_child(corpus: Corpus) -> None:
    parent = corpus.condition_by_id["example-pain"]
    child = corpus.condition_by_id["example-sub-pain"]
    assert parent == Condition("example-pain", "Example pain", ("synthetic pain",))
    assert parent.parent is None
    assert child.parent == "example-pain"
    assert child.description == "A made-up child condition of example-pain."
    assert condition_subtree(corpus, "example-pain") == ["example-pain", "example-sub-pain"]
    assert condition_ancestors(corpus, "example-sub-pain") == ["example-pain"]
    assert condition_ancestors(corpus, "example-pain") == []


def test_mechanisms_substances_sources_are_typed(corpus: Corpus) -> None:
    assert corpus.mechanisms == (Mechanism(
        "example-mechanism", "Example mechanism", "A made-up mechanism used only in tests.",
        ("synthetic mechanism",)),)
    assert corpus.substances == (
        Substance("substance-a", "Substance A"),
        Substance("substance-b", "Substance B", ("example substance b",)),
    )
    assert corpus.sources == (Source(
        "example-source", "Synthetic example source article", "article", 2020,
        "https://example.org/source", "Invented source that makes the two synthetic claims."),)


def test_randomised_study_is_typed(corpus: Corpus) -> None:
    study = corpus.study_by_id["example-2020"]
    assert isinstance(study, Study)
    assert study.design is StudyDesign.RANDOMISED_PARALLEL
    assert study.design.is_randomised
    assert study.population is Population.PATIENTS
    assert study.dose == Dose(DoseCategory.MICRO, "1 unit, every third day")
    assert study.dose.category is DoseCategory.MICRO
    assert study.status is PublicationStatus.PUBLISHED
    assert study.pain_model is PainModel.CLINICAL
    assert study.direction is Direction.NO_EFFECT
    assert study.risk_of_bias is RiskOfBias.LOW
    assert study.authors == ("Example A", "Example B")
    assert study.substances == ("substance-a",)
    assert study.conditions == ("example-sub-pain",)
    assert study.mechanisms == ()
    assert study.n == 40
    assert study.year == 2020
    assert study.doi == "10.5555/synthetic.0001"
    assert study.pmid is None
    assert study.registration is None
    assert study.line == _line_of(MINIMAL, "  - id: example-2020")


def test_survey_and_review_use_defaults(corpus: Corpus) -> None:
    survey = corpus.study_by_id["example-2019"]
    assert survey.design is StudyDesign.CROSS_SECTIONAL_SURVEY
    assert survey.population is Population.COMMUNITY
    assert survey.dose == Dose(DoseCategory.MIXED)
    assert survey.substances == ("substance-a", "substance-b")
    review = corpus.study_by_id["example-review-2018"]
    assert review.design is StudyDesign.NARRATIVE_REVIEW
    assert review.design.is_review
    assert review.population is Population.NOT_APPLICABLE
    assert review.dose.category is DoseCategory.NONE
    # Fields left out take the model's defaults.
    assert review.pain_model is PainModel.NONE
    assert review.direction is Direction.NOT_APPLICABLE
    assert review.risk_of_bias is RiskOfBias.NOT_ASSESSED
    assert review.n is None
    assert review.authors == ()


def test_trial_registration_is_typed(corpus: Corpus) -> None:
    study = corpus.study_by_id["example-registration-2020"]
    assert study.design is StudyDesign.TRIAL_REGISTRATION
    assert study.status is PublicationStatus.ONGOING
    assert study.registry == "NCT00000000"
    assert study.trial_key == "NCT00000000"
    assert study.doi is None
    # YAML reads `start: 2020-01` as text and `completion: 2021` as a number: both are text here.
    assert study.registration == Registration(
        status="Recruiting", start="2020-01", completion="2021", enrolment=30,
        enrolment_type="estimated", results_posted=False, sponsor="Example University",
    )


def test_registration_status_carries_the_date_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "read.yaml"
    path.write_text(MINIMAL.read_text().replace(
        "      sponsor: Example University",
        "      sponsor: Example University\n      status_read: 2026-12-05\n"
        "      last_update: 2025-01"))
    loaded, problems = check_corpus(path)
    assert problems == []
    assert loaded is not None
    registration = loaded.study_by_id["example-registration-2020"].registration
    assert registration is not None
    assert registration.status_read == date(2026, 12, 5)
    assert registration.last_update == "2025-01"
    assert registration.status_as_read == "Recruiting, as read 2026-12-05"
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.read_text().replace(
        "      sponsor: Example University",
        "      sponsor: Example University\n      status_read: last week"))
    _, problems = check_corpus(bad)
    assert [(p.field, p.line) for p in problems] == [
        ("registration.status_read", _line_of(bad, "      status_read: last week"))]


def test_claims_are_typed(corpus: Corpus) -> None:
    claim = corpus.claim_by_id["example-claim-efficacy"]
    assert isinstance(claim, Claim)
    assert claim.topic is ClaimTopic.EFFICACY
    assert claim.scope == ClaimScope(Population.PATIENTS, DoseCategory.MICRO, PainModel.CLINICAL)
    assert claim.sources == ("example-source",)
    assert claim.conditions == ("example-pain",)
    assert claim.evidence == (
        Evidence("example-2020", Stance.REFUTES, "synthetic trial found no difference"),
        Evidence("example-2019", Stance.SUPPORTS, "synthetic survey reported benefit"),
        Evidence("example-registration-2020", Stance.CONTEXT, "synthetic trial, no results"),
    )
    assert all(type(link.stance) is Stance for link in claim.evidence)
    assert claim.judgements == (
        Judgement(Domain.RISK_OF_BIAS, 0, "synthetic: the trial is at low risk"),
        Judgement(Domain.IMPRECISION, -1, "synthetic: one small trial"),
    )
    assert claim.certainty is None
    assert claim.notes == ("Synthetic note.",)
    assert claim.line == _line_of(MINIMAL, "  - id: example-claim-efficacy")
    mechanism_claim = corpus.claim_by_id["example-claim-mechanism"]
    assert mechanism_claim.topic is ClaimTopic.MECHANISM
    assert mechanism_claim.scope == ClaimScope()
    assert mechanism_claim.mechanisms == ("example-mechanism",)


def test_records_are_frozen(corpus: Corpus) -> None:
    study = corpus.studies[0]
    with pytest.raises(AttributeError):
        study.title = "changed"  # type: ignore[misc]


def test_curated_certainty_is_an_enum(tmp_path: Path) -> None:
    path = tmp_path / "certainty.yaml"
    path.write_text(MINIMAL.read_text().replace(
        '      - "Synthetic note."', '      - "Synthetic note."\n    certainty: very low'))
    loaded, problems = check_corpus(path)
    assert [p.severity for p in problems] == []
    assert loaded is not None
    assert loaded.claim_by_id["example-claim-efficacy"].certainty is Certainty.VERY_LOW


def test_bare_number_pmid_is_text(tmp_path: Path) -> None:
    path = tmp_path / "pmid.yaml"
    path.write_text(MINIMAL.read_text().replace(
        "    doi: 10.5555/synthetic.0001\n", "    doi: 10.5555/synthetic.0001\n    pmid: 12345\n"))
    loaded = load_corpus(path)
    assert loaded.study_by_id["example-2020"].pmid == "12345"


@pytest.mark.parametrize(("written", "read", "problem"), [
    ("40", 40, None),  # the usual case, read in few steps
    ("1_000", 1000, None),  # the rest as YAML 1.1 reads them
    ("012", 10, None),  # octal in YAML 1.1
    ("0x1f", 31, None),
    ("+7", 7, None),
    ("0", None, "0 is not a plausible sample size"),
    ("-3", None, "-3 is not a plausible sample size"),
    ("99999999999999999999", None, "99999999999999999999 is not a plausible sample size"),
    ("'40'", None, "expected a whole number, found text"),
    ("4.0", None, "expected a whole number, found a number"),
    ("true", None, "expected a whole number, found true/false"),
])
def test_whole_numbers_read_as_yaml_reads_them(tmp_path: Path, written: str, read: int | None,
                                               problem: str | None) -> None:
    path = tmp_path / "n.yaml"
    text = MINIMAL.read_text()
    assert text.count("    n: 40\n") == 1
    path.write_text(text.replace("    n: 40\n", f"    n: {written}\n"))
    loaded, problems = check_corpus(path)
    assert [p.message for p in problems] == ([problem] if problem else [])
    if read is not None:
        assert loaded is not None
        assert [s.n for s in loaded.studies if s.id == "example-2020"] == [read]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.read_bytes())
    loaded = load_corpus(path)
    assert loaded.info.title == "Synthetic test corpus"


def test_default_corpus_path_exists() -> None:
    path = default_corpus_path()
    assert path.is_file()
    assert path.name == "studies.yaml"


# --- problems ------------------------------------------------------------------------------

def test_check_corpus_returns_every_problem_at_once() -> None:
    loaded, problems = check_corpus(MULTI_ERROR)
    assert loaded is None
    assert len(problems) == 3
    assert all(isinstance(p, Problem) and p.severity is Severity.ERROR for p in problems)
    assert [(p.record, p.field) for p in problems] == [
        ("example-2020", "conditions"), ("example-2020", "n"), ("example-claim", "topic"),
    ]
    assert [p.message for p in problems] == [
        "'example-pian' is not in conditions",
        "0 is not a plausible sample size",
        "'efficacyy' is not one of: efficacy, mechanism, safety, good-practice",
    ]
    assert [p.hint for p in problems] == [
        "did you mean 'example-pain'?", "expected 1..10000000", "did you mean 'efficacy'?",
    ]
    assert {p.path for p in problems} == {str(MULTI_ERROR)}


def test_problems_are_sorted_by_line() -> None:
    # The unknown condition (line 20) is only found in the final cross-reference pass, after
    # the claim's bad topic (line 31) was reported, so the order comes from sorting.
    _, problems = check_corpus(MULTI_ERROR)
    assert [(p.line, p.column) for p in problems] == [(20, 18), (21, 8), (31, 12)]
    assert problems == sorted(problems, key=lambda p: (p.line, p.column))


def test_problem_text_is_located() -> None:
    _, problems = check_corpus(MULTI_ERROR)
    assert str(problems[1]) == (
        f"{MULTI_ERROR}:21:8: example-2020.n: 0 is not a plausible sample size "
        "(expected 1..10000000)"
    )
    assert problems[1].where == f"{MULTI_ERROR}:21:8"
    assert problems[1].subject == "example-2020.n"


def test_load_corpus_raises_corpus_error_with_every_problem() -> None:
    _, problems = check_corpus(MULTI_ERROR)
    with pytest.raises(CorpusError) as caught:
        load_corpus(MULTI_ERROR)
    error = caught.value
    assert error.problems == tuple(problems)
    assert error.message == f"{problems[0]} (and 2 more)"
    assert error.hint is not None
    assert "painlit validate" in error.hint


def test_warnings_do_not_stop_loading() -> None:
    path = FIXTURES / "warning_no_url.yaml"
    loaded, problems = check_corpus(path)
    assert loaded is not None
    assert [(p.severity, p.line, p.column, p.record, p.field) for p in problems] == [
        (Severity.WARNING, 9, 9, "example-2020", "url"),
    ]
    assert load_corpus(path).study_by_id["example-2020"].url is None


@pytest.mark.parametrize(("name", "line", "column", "message"), [
    ("empty", 0, 0, "the file is empty"),
    ("not_utf8", 3, 21, "not UTF-8 text (byte 0xff)"),
    ("top_level_list", 2, 1, "the file holds a list, not a corpus mapping"),
    ("syntax_error", 4, 4, "not valid YAML: while parsing a block mapping did not find "
                           "expected key"),
])
def test_unreadable_files_raise_corpus_error(name: str, line: int, column: int,
                                             message: str) -> None:
    path = FIXTURES / f"{name}.yaml"
    with pytest.raises(CorpusError) as caught:
        check_corpus(path)
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column, problem.message) == (
        str(path), line, column, message)
    assert problem.severity is Severity.ERROR
    with pytest.raises(CorpusError):
        load_corpus(path)


def test_missing_file_and_directory_raise_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as caught:
        check_corpus(tmp_path / "nowhere.yaml")
    assert caught.value.problems[0].message == "no such file"
    with pytest.raises(CorpusError) as caught:
        check_corpus(tmp_path)
    assert caught.value.problems[0].message == "is a directory, not a corpus file"


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(2 * 1024 * 1024)  # sparse
    with pytest.raises(CorpusError) as caught:
        check_corpus(path, max_bytes=1024 * 1024)
    [problem] = caught.value.problems
    assert problem.message == "file is 2 MB, over the 1 MB limit"


def test_alias_bomb_costs_no_time_or_memory() -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        loaded, problems = check_corpus(FIXTURES / "alias_bomb.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 20 * 1024 * 1024  # the expanded bomb would be 9**9 strings
    assert loaded is None
    assert len(problems) == 10


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = tmp_path / "tagged.yaml"
    path.write_text(MINIMAL.read_text().replace(
        "    name: Substance A\n",
        f'    name: !!python/object/apply:os.system ["touch {marker}"]\n'))
    loaded, problems = check_corpus(path)
    assert not marker.exists()
    assert loaded is None
    assert [(p.record, p.field, p.message) for p in problems] == [
        ("substance-a", "name", "expected a single value, found a list"),
    ]


# --- the quicker tag resolution changes nothing but the time ---------------------------------

_TRICKY_SCALARS = """\
plain: [yes, No, on, OFF, y, n, true, False, ~, null, Null, '', "", 0, -1, +2, 0x1f, 0o17, 017,
        1_000, 3.5, .inf, -.Inf, .NaN, 1e3, 6.8523015e+5, 190:20:30, 2001-12-14,
        2002-12-14t21:59:43.10-05:00,
        '<<', '=', text, Text, 'yes', "12", !!str 12, !!int '7', x12, Yes please, 12 monkeys,
        n/a, ~x, '~', +, -, ., 1., 10.5.3]
<<: {merged: 1}
"""


def _tags(node: object) -> list[tuple[str, str]]:
    import yaml

    found: list[tuple[str, str]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, yaml.ScalarNode):
            found.append((item.value, item.tag))
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
        elif isinstance(item, yaml.MappingNode):
            stack.extend(part for pair in item.value for part in pair)
    return found


@pytest.mark.parametrize("text", [_TRICKY_SCALARS, default_corpus_path().read_text("utf-8")],
                         ids=["tricky-scalars", "shipped-corpus"])
def test_quicker_tag_resolution_gives_the_tags_pyyaml_gives(text: str) -> None:
    import yaml

    from painlit.yamlfile import _loader

    plain = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for _ in range(2):  # the second time through, tags come from the memo
        assert _tags(yaml.compose(text, Loader=_loader())) == _tags(
            yaml.compose(text, Loader=plain))


def test_a_flood_of_errors_stops_at_the_cap(tmp_path: Path) -> None:
    """Tens of thousands of empty records: the first MAX_ERRORS errors and a note, not millions
    of problems (a 5 MB file of a million `- {}` once took 297 s and 8.8 GB)."""
    from painlit.nodes import MAX_ERRORS

    path = tmp_path / "flood.yaml"
    path.write_text("corpus: {}\nstudies:\n" + "- {}\n" * 20_000, encoding="utf-8")
    corpus, problems = check_corpus(path)
    assert corpus is None
    errors = [p for p in problems if p.severity is Severity.ERROR]
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1].message.startswith(f"stopped after {MAX_ERRORS:,} errors")


@pytest.mark.parametrize("body", [
    "studies: [" + "{}, " * 5000 + "{}]\n",  # a one-line list (50 MB ran out of memory)
    "studies:\n" + "- {}\n" * 5000,  # a million of these once took 8.8 GB
    "studies: [" + "1," * 5000 + "1]\n",
])
def test_a_file_far_denser_than_any_corpus_is_refused_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    import painlit.yamlfile

    monkeypatch.setattr(painlit.yamlfile, "DENSE_FROM_BYTES", 1000)  # the rule, on a small file
    path = tmp_path / "dense.yaml"
    path.write_text("corpus: {}\n" + body, encoding="utf-8")
    with pytest.raises(CorpusError) as refused:
        load_corpus(path)
    [problem] = refused.value.problems
    assert (problem.line, problem.column) == (1, 1)
    assert "bytes each (a corpus has about 30)" in problem.message
    with pytest.raises(CorpusError):
        check_corpus(path)  # what validate reports, with exit 1


def test_real_corpora_are_far_from_the_density_limit() -> None:
    from painlit.paths import default_corpus_path
    from painlit.yamlfile import MIN_BYTES_PER_ITEM

    raw = default_corpus_path().read_bytes()
    items = sum(raw.count(mark) for mark in (b":", b",", b"- ", b"{", b"["))
    assert len(raw) / items > 3 * MIN_BYTES_PER_ITEM
