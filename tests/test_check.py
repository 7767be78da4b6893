"""`painlit check`: reading articles, finding claim sentences, matching, overstatements, CLI.

Sentences written in these tests are synthetic, made up to exercise one rule each; the real
articles of the accuracy set live in tests/fixtures/articles/ (test_check_accuracy.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painlit.article import MAX_ARTICLE_BYTES, ArticleKind, read_article, split_sentences
from painlit.cli import app
from painlit.errors import ArticleError
from painlit.factcheck import CheckResult, Finding, Problem, check_article
from painlit.grading import grade_all
from painlit.loader import load_corpus
from painlit.model import Corpus

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "data" / "studies.yaml"
SOURCE_ARTICLE = ROOT.parent / "shared" / "source-article.txt"
FIXTURE_SOURCE = ROOT / "tests" / "fixtures" / "articles" / "source-article.txt"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(REAL)


def _check(corpus: Corpus, text: str, name: str = "test.txt") -> CheckResult:
    return check_article(read_article(text.encode("utf-8"), name=name), corpus,
                         grade_all(corpus))


def _only(corpus: Corpus, sentence: str) -> Finding:
    result = _check(corpus, sentence)
    assert len(result.findings) == 1, [f.sentence.text for f in result.findings]
    return result.findings[0]


def _problems(finding: Finding) -> set[Problem]:
    return {problem.problem for problem in finding.overstatements}


# -- reading -----------------------------------------------------------------------------------


def test_plain_text_blocks_headings_and_list_items() -> None:
    text = ("A title of the piece\n\nFirst paragraph, line one\ncontinues here. Second "
            "sentence.\n\n  • Item one: a point.\n  • Item two: another point.\n")
    article = read_article(text.encode(), name="a.txt")
    assert article.kind is ArticleKind.TEXT
    assert [b.text for b in article.blocks] == [
        "A title of the piece", "First paragraph, line one continues here. Second sentence.",
        "Item one: a point.", "Item two: another point."]
    assert [b.heading for b in article.blocks] == [True, False, False, False]
    assert article.title == "A title of the piece"
    assert [s.text for s in article.sentences if s.block == 1] == [
        "First paragraph, line one continues here.", "Second sentence."]


def test_markdown_loses_its_syntax() -> None:
    text = ("# Does *microdosing* help?\n\nA [2021 study](https://example.org) of "
            "**psilocybin** found `fewer` attacks.\n\n- one item\n- two item\n")
    article = read_article(text.encode(), name="a.md")
    assert article.kind is ArticleKind.MARKDOWN
    assert [b.text for b in article.blocks] == [
        "Does microdosing help?", "A 2021 study of psilocybin found fewer attacks.",
        "one item", "two item"]
    assert article.blocks[0].heading


def test_html_keeps_the_body_and_drops_scripts_and_navigation() -> None:
    page = (b"<html><head><title>T</title><script>alert('x')</script></head><body>"
            b"<nav><a href='/'>Home</a> | <a href='/a'>About us</a></nav><article>"
            b"<h1>Microdosing and migraine</h1><p>Microdosing psilocybin reduces migraine "
            b"attacks, a 2021 study found. It was small.</p><script>evil()</script>"
            b"<p>People taking lithium should not use psychedelics because of seizures.</p>"
            b"</article><footer>Subscribe to our newsletter</footer></body></html>")
    article = read_article(page, name="page.html")
    assert article.kind is ArticleKind.HTML
    text = " ".join(b.text for b in article.blocks)
    assert "Microdosing psilocybin reduces migraine attacks" in text
    assert "alert" not in text and "evil" not in text
    assert "Home" not in text


def test_kind_is_guessed_from_content_without_an_extension() -> None:
    assert read_article(b"<!DOCTYPE html><html><body><p>Some words here.</p></body></html>",
                        name="-").kind is ArticleKind.HTML
    assert read_article(b"# Heading\n\nText.", name="-").kind is ArticleKind.MARKDOWN
    assert read_article(b"Just text. More.", name="-").kind is ArticleKind.TEXT


@pytest.mark.parametrize(("text", "expected"), [
    ("Dr. Smith et al. found it. Then it rained.", ["Dr. Smith et al. found it.",
                                                    "Then it rained."]),
    ("Doses of 0.5 g were used, e.g. in J. Doe's trial. Next.",
     ["Doses of 0.5 g were used, e.g. in J. Doe's trial.", "Next."]),
    ("Is it real? \"Yes,\" she said. 2022 was the year!",
     ["Is it real?", "\"Yes,\" she said.", "2022 was the year!"]),
    ("no end punctuation", ["no end punctuation"]),
])
def test_sentences(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty"),
    (b"   \n\n\t ", "is empty"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" * 10, "binary"),
    (bytes(range(1, 32)) * 50 + b"x", "binary"),
    (b"<html><body><script>x()</script></body></html>", "no readable text"),
])
def test_unreadable_articles_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ArticleError, match=message):
        read_article(data, name="in")


def test_an_oversized_article_is_refused() -> None:
    with pytest.raises(ArticleError, match="larger than"):
        read_article(b"word " * (MAX_ARTICLE_BYTES // 5 + 1), name="big.txt")


# -- the source article ------------------------------------------------------------------------


def test_fixture_is_the_shared_source_article() -> None:
    if SOURCE_ARTICLE.exists():
        assert FIXTURE_SOURCE.read_bytes() == SOURCE_ARTICLE.read_bytes()


def test_every_source_claim_is_found_in_its_sentence_and_matched(corpus: Corpus) -> None:
    result = check_article(read_article(FIXTURE_SOURCE.read_bytes(), name="source"), corpus,
                           grade_all(corpus))
    claims = [c for c in corpus.claims if "source-article" in c.sources]
    assert len(claims) == 12
    for claim in claims:
        assert claim.quote
        holding = [f for f in result.findings if claim.quote in f.sentence.text]
        assert holding, f"{claim.id}: its sentence is not a claim sentence"
        assert claim.id in {m.claim for m in holding[0].matches}, claim.id


def test_sentences_without_a_health_claim_are_not_flagged(corpus: Corpus) -> None:
    result = check_article(read_article(FIXTURE_SOURCE.read_bytes(), name="source"), corpus,
                           grade_all(corpus))
    flagged = {f.sentence.text for f in result.findings}
    for sentence in (
        "Chronic pain affects millions in the United States, overshadowing everyday "
        "activities and significantly reducing quality of life.",
        "Despite advances in traditional pain management techniques, many continue to suffer "
        "from persistent discomfort.",
        "Microdosing involves taking very small, sub-threshold doses of psychedelic "
        "substances.",
    ):
        assert sentence not in flagged
    headings = {b.text for b in result.article.blocks if b.heading}
    assert "Evidence Supporting Microdosing for Chronic Pains" in headings
    assert not flagged & headings


def test_the_survey_sentence_gets_its_number_wrong(corpus: Corpus) -> None:
    result = check_article(read_article(FIXTURE_SOURCE.read_bytes(), name="source"), corpus,
                           grade_all(corpus))
    survey = next(f for f in result.findings if "2022 survey" in f.sentence.text)
    assert [m.claim for m in survey.matches] == ["survey-2022-microdosing-pain-reduction"]
    numbers = [p.message for p in survey.overstatements if p.problem is Problem.NUMBER]
    assert numbers == ["'over 250 individuals' says more than 250; bonnelle-2022 analysed 250"]


# -- rules, one sentence each --------------------------------------------------------------------


def test_an_unhedged_assertion_above_the_certainty(corpus: Corpus) -> None:
    finding = _only(corpus, "Microdosing cures migraines.")
    assert [m.claim for m in finding.matches] == ["microdosing-reduces-migraine"]
    assert "condition migraine: 'migraines'" in finding.matches[0].why
    assert Problem.CERTAINTY in _problems(finding)
    assert Problem.DOSE in _problems(finding)  # the counted migraine trial used 0.143 mg/kg


def test_a_hedged_sentence_is_not_overstated_on_certainty(corpus: Corpus) -> None:
    finding = _only(corpus, "Microdosing might reduce migraines, but research is limited.")
    assert Problem.CERTAINTY not in _problems(finding)


def test_a_negated_sentence_asserts_nothing(corpus: Corpus) -> None:
    finding = _only(corpus, "There is no evidence that microdosing relieves migraine.")
    assert finding.matches
    assert Problem.CERTAINTY not in _problems(finding)


def test_patients_asserted_where_the_studies_used_healthy_volunteers(corpus: Corpus) -> None:
    finding = _only(corpus, "Microdosing LSD raised pain tolerance in patients with chronic "
                            "pain.")
    assert Problem.POPULATION in _problems(finding)
    message = next(p.message for p in finding.overstatements
                   if p.problem is Problem.POPULATION)
    assert "healthy volunteers" in message


def test_a_claim_with_no_evidence(corpus: Corpus) -> None:
    finding = _only(corpus, "Microdosing relieves trigeminal neuralgia.")
    assert [m.claim for m in finding.matches] == ["trigeminal-neuralgia-responds-to-microdosing"]
    assert Problem.NO_EVIDENCE in _problems(finding)


def test_a_health_claim_no_corpus_claim_covers(corpus: Corpus) -> None:
    finding = _only(corpus, "Psilocybin treats depression.")
    assert finding.matches == ()
    assert finding.body is None


def test_an_uncovered_condition_sentence_gets_its_body_of_evidence(corpus: Corpus) -> None:
    finding = _only(corpus, "Psilocybin eases headaches for many people.")
    assert finding.matches == ()
    assert finding.body is not None and finding.body.condition == "headache"
    assert finding.body.studies > 0


def test_a_claim_of_a_parent_condition_matches(corpus: Corpus) -> None:
    finding = _only(corpus, "Microdosing magic mushrooms eases phantom limb pain.")
    assert "neuropathic-pain-responds-to-microdosing" in [m.claim for m in finding.matches]
    why = finding.matches[0].why
    assert any("broader condition" in reason for reason in why), why


def test_a_sentence_continuing_an_intervention_is_a_claim(corpus: Corpus) -> None:
    result = _check(corpus, "Microdosing psilocybin is popular. These small doses may help "
                            "relieve chronic pain.")
    assert [f.sentence.text for f in result.findings] == [
        "These small doses may help relieve chronic pain."]


def test_matching_says_why(corpus: Corpus) -> None:
    finding = _only(corpus, "It is believed that microdosing may alter serotonin signaling, "
                            "which plays a crucial role in pain perception and mood.")
    assert finding.matches[0].why == ("the sentence contains the claim's quote from its "
                                      "source",)
    other = _only(corpus, "Scientists think LSD microdoses act on serotonin receptors to "
                          "change pain.")
    assert "microdosing-alters-serotonin-signalling" in [m.claim for m in other.matches]
    why = next(m.why for m in other.matches if m.claim == "microdosing-alters-serotonin-signalling")
    assert "mechanism serotonin-5ht2a: 'serotonin'" in why


# -- the command -------------------------------------------------------------------------------


def _run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--data", str(REAL), "--no-cache", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_cli_terminal_output(tmp_path: Path) -> None:
    code, out, err = _run("check", str(FIXTURE_SOURCE))
    assert code == 0, err
    assert "claim sentences" in out and "survey-2022-microdosing-pain-reduction" in out
    assert "overstates" in out


def test_cli_fail_on_overstated() -> None:
    code, _, err = _run("check", str(FIXTURE_SOURCE), "--fail-on", "overstated")
    assert code == 1
    assert "overstate the evidence" in err
    code, _, _ = _run("check", "-", "--fail-on", "overstated",
                      stdin=b"Microdosing might possibly ease some pain, perhaps.")
    assert code == 0


def test_cli_fail_on_unmatched() -> None:
    code, _, _ = _run("check", "-", "--fail-on", "unmatched",
                      stdin=b"Psilocybin treats depression.")
    assert code == 1


def test_cli_json(tmp_path: Path) -> None:
    code, out, _ = _run("check", str(FIXTURE_SOURCE), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "check" and data["painlit"] == 1
    assert data["claim_sentences"] == len(data["findings"]) > 10
    first = data["findings"][0]
    assert set(first) >= {"sentence", "text", "why_claim", "cues", "matches",
                          "overstatements", "evidence_body"}
    assert {"claim", "certainty", "verdict", "hedged_statement", "why"} <= set(
        first["matches"][0])


def test_cli_markdown_and_html_are_escaped(tmp_path: Path) -> None:
    hostile = ("<html><body><article><p>Microdosing <b>cures</b> migraines &lt;script&gt;"
               "alert(1)&lt;/script&gt; [link](javascript:x) **bold** | pipe.</p>"
               "<p>It is a second paragraph about nothing at all, really.</p>"
               "</article></body></html>")
    page = tmp_path / "hostile.html"
    page.write_text(hostile, encoding="utf-8")
    code, out, _ = _run("check", str(page), "--format", "markdown")
    assert code == 0
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\\[link\\]" in out and "\\| pipe" in out
    target = tmp_path / "out.html"
    code, _, err = _run("check", str(page), "--format", "html", "-o", str(target))
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'id="s-1"' in html and 'href="#f-1"' in html


@pytest.mark.parametrize("content", [b"", b"\0\1\2\3binary\0"])
def test_cli_unreadable_article_exits_6(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    code, out, err = _run("check", str(path))
    assert code == 6
    assert out == ""
    assert "painlit: error:" in err and "Traceback" not in err


def test_cli_missing_file_and_directory_exit_6(tmp_path: Path) -> None:
    code, _, err = _run("check", str(tmp_path / "nope.txt"))
    assert code == 6 and "no such file" in err and "hint:" in err
    code, _, err = _run("check", str(tmp_path))
    assert code == 6 and "is a directory" in err


def test_cli_50_mb_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper
    code, _, err = _run("check", str(path))
    assert code == 6 and "larger than" in err


def test_cli_usage_errors() -> None:
    assert _run("check", str(FIXTURE_SOURCE), "--format", "pdf")[0] == 2
    assert _run("check", str(FIXTURE_SOURCE), "--as", "pdf")[0] == 2
    assert _run("check", str(FIXTURE_SOURCE), "-o", "x.txt")[0] == 2
    assert _run("check", str(FIXTURE_SOURCE), "--fail-on", "always")[0] == 2


def test_cli_stdin_and_as(tmp_path: Path) -> None:
    code, out, _ = _run("check", "-", "--as", "markdown", "--json",
                        stdin=b"# Title\n\nMicrodosing **cures** migraines.")
    assert code == 0
    data = json.loads(out)
    assert data["article"]["kind"] == "markdown"
    assert data["findings"][0]["text"] == "Microdosing cures migraines."


def test_a_sentence_reporting_one_study_is_judged_by_that_studys_result(
        corpus: Corpus) -> None:
    accurate = _only(corpus, "A 2021 placebo-controlled trial found that a single dose of "
                             "psilocybin cut weekly migraine days.")
    assert [m.claim for m in accurate.matches] == ["psilocybin-reduces-migraine-any-dose"]
    assert "cites schindler-2021 (2021, randomised-crossover)" in accurate.matches[0].why
    assert Problem.CERTAINTY not in _problems(accurate)  # the trial did report that
    survey = _check(corpus, FIXTURE_SOURCE.read_text(encoding="utf-8"))
    found = next(f for f in survey.findings if "2022 survey" in f.sentence.text)
    message = next(p.message for p in found.overstatements if p.problem is Problem.CERTAINTY)
    assert message.startswith("reports bonnelle-2022 as showing an effect; the corpus records "
                              "its result for this claim as mixed")


def test_placebo_as_a_comparator_is_not_the_expectancy_mechanism(corpus: Corpus) -> None:
    finding = _only(corpus, "Microdosing LSD does not relieve pain better than placebo, "
                            "according to a 2024 trial in healthy volunteers.")
    assert [m.claim for m in finding.matches] == [
        "lsd-microdose-raises-experimental-pain-tolerance"]
    assert not any(c.kind.value == "mechanism" for c in finding.cues)
    expectancy = _only(corpus, "The benefits of microdosing may be a placebo effect driven by "
                               "expectations.")
    assert "expectancy-explains-microdosing-benefits" in [m.claim for m in expectancy.matches]


def test_a_harm_sentence_matches_its_safety_claim(corpus: Corpus) -> None:
    finding = _only(corpus, "Taking psychedelics with lithium can cause seizures.")
    assert [m.claim for m in finding.matches] == ["lithium-psychedelics-seizures"]
    valves = _only(corpus, "Regular microdosing could damage heart valves over time.")
    assert [m.claim for m in valves.matches] == ["repeated-microdosing-valve-risk"]
