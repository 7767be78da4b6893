"""`painlit report`: golden markdown and JSON, HTML structure, escaping, safe file writing.

Golden files live in tests/fixtures/report/. After an intended change to the report, rewrite
them with `PAINLIT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report.py`, then read
the diff before committing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from painlit.cli import app
from painlit.console import clean
from painlit.grading import grade_all
from painlit.loader import load_corpus
from painlit.model import Certainty
from painlit.render.html import CSP, render_html
from painlit.render.markdown import escape, render_markdown
from painlit.report import Scope, ScopeKind, build_report, study_links

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "report"
SMALL = FIXTURES / "small.yaml"
HOSTILE_CORPUS = FIXTURES / "hostile.yaml"
REAL = ROOT / "data" / "studies.yaml"
UPDATE = os.environ.get("PAINLIT_UPDATE_GOLDEN") == "1"

#: The text every free-text field of hostile.yaml holds, exactly as loaded.
HOSTILE = (
    '|pipe| [bold]markup[/] <script>alert(1)</script> <b>bold</b> &amp; `tick` *star* '
    '_under_ \\back \x1b[31mANSI\x1b[0m \u202eevil\u202c line\nbreak\r\nsecond\ttab '
    '[link](https://evil.example/) ![img](https://evil.example/x.png) '
    '<img src="https://evil.example/x"> {attr} ~sub~ ^sup^ $math$ #hash ' + "W" * 300
)
#: How it must read once rendered: one line, control and direction characters made visible.
HOSTILE_SHOWN = clean(re.sub(r"\r\n|[\r\n\t]", " ", HOSTILE))
LINK_HOSTS = {"doi.org", "pubmed.ncbi.nlm.nih.gov", "clinicaltrials.gov", "www.isrctn.com"}

runner = CliRunner()


def report(*args: str, data: Path = SMALL) -> Any:
    return runner.invoke(app, ["--data", str(data), "report", *args])


def ok(*args: str, data: Path = SMALL) -> str:
    result = report(*args, data=data)
    assert result.exit_code == 0, result.stderr
    text: str = result.stdout
    return text


def golden(name: str, text: str) -> None:
    path = FIXTURES / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="\n")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (see the module docstring)"


# --- golden output --------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "name"), [
    ((), "small.md"),
    (("--format", "json"), "small.json"),
    (("--condition", "example-pain"), "small-example-pain.md"),
])
def test_small_corpus_report_matches_the_golden_file(args: tuple[str, ...], name: str) -> None:
    golden(name, ok(*args))


def test_json_flag_and_global_json_equal_format_json() -> None:
    expected = ok("--format", "json")
    assert ok("--json") == expected
    result = runner.invoke(app, ["--json", "--data", str(SMALL), "report"])
    assert result.exit_code == 0
    assert result.stdout == expected


def test_json_report_follows_the_painlit_conventions() -> None:
    data = json.loads(ok("--format", "json"))
    assert data["painlit"] == 1
    assert data["kind"] == "report"
    assert set(data) == {
        "painlit", "kind", "corpus", "scope", "notice", "at_a_glance", "certainty_counts",
        "certainty_legend", "verdict_legend",
        "claim_groups", "studies", "registrations", "reviews", "map", "unmapped", "gaps",
        "references", "screening", "places"}
    assert data["notice"].startswith("Not medical advice.")
    assert data["certainty_counts"] == {"high": 0, "moderate": 0, "low": 1, "very-low": 2,
                                        "no-evidence": 1}
    claim = data["claim_groups"][0]["claims"][0]
    assert claim["grade"]["certainty"] == "low"  # the shared claim object of docs/json.md
    assert {"columns_by", "columns", "rows"} == set(data["map"])
    reference = next(r for r in data["references"] if r["study"] == "example-2021")
    assert [link["kind"] for link in reference["links"]] == ["doi", "pubmed", "registry"]


# --- the markdown escaper -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("plain text, 12.5 mg", "plain text, 12.5 mg"),
    ("a|b", "a\\|b"),
    ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
    ("&amp;", "&amp;amp;"),
    ("`code` *em* _em_", "\\`code\\` \\*em\\* \\_em\\_"),
    ("[link](https://x.example)", "\\[link\\](https://x.example)"),
    ("back\\slash", "back\\\\slash"),
    ("one\ntwo\r\nthree\tfour", "one two three four"),
    ("\x1b[31m", "\\\\x1b\\[31m"),
    ("\u202eevil", "\\\\u202eevil"),
    ("# ~x~ ^y^ $z$ {a}", "\\# \\~x\\~ \\^y\\^ \\$z\\$ \\{a\\}"),
])
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


def _rendered_text(markdown: str) -> str:
    parser = _Text()
    parser.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    return "".join(part for part in parser.parts if part.strip("\n"))  # not the tags' newlines


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_TRICKY = "ab |\\`*_[]{}<>&#!~^$()\"':-+.=;\n\t\r\x1b\u202e\u00e9"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=40))
def test_escaped_text_reads_back_literally_in_a_table_cell(text: str) -> None:
    table = f"| h |\n| --- |\n| x{escape(text)}x |\n"
    shown = clean(re.sub(r"\r\n|[\r\n\t]", " ", text))
    assert _rendered_text(table) == f"hx{shown}x"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=40))
def test_escaped_text_reads_back_literally_in_a_list_item_and_heading(text: str) -> None:
    shown = clean(re.sub(r"\r\n|[\r\n\t]", " ", text))
    assert _rendered_text(f"- **id**: {escape(text)}\n") == f"id: {shown}".rstrip(" ")
    assert _rendered_text(f"### Claims about {escape(text)}\n") == \
        f"Claims about {shown}".rstrip(" ")


def _cells(line: str) -> int:
    """The number of cells of a pipe-table row: pipes not escaped by a backslash."""
    count, index = 0, 0
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        count += line[index] == "|"
        index += 1
    return count - 1


def _tables(markdown: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def _markdown_links(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    links = []
    for token in tokens:
        for child in token.children or []:
            if child.type in ("link_open", "image"):
                links.append(str(child.attrs.get("href") or child.attrs.get("src")))
    return links


def test_hostile_corpus_in_markdown_is_literal_text() -> None:
    markdown = ok(data=HOSTILE_CORPUS)
    assert "\x1b" not in markdown and "\u202e" not in markdown and "\r" not in markdown
    for table in _tables(markdown):
        assert {_cells(row) for row in table} == {_cells(table[0])}, table[0]
    page = _Text()
    page.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    assert set(page.tags) <= {"h1", "h2", "h3", "p", "strong", "em", "blockquote", "table",
                              "thead", "tbody", "tr", "th", "td", "ul", "li", "a", "hr"}
    text = "".join(page.parts)
    assert text.count(HOSTILE_SHOWN) >= 20  # every field, shown whole and literally
    for url in _markdown_links(markdown):
        assert urlsplit(url).scheme == "https" and urlsplit(url).hostname in LINK_HOSTS, url
    assert "https://doi.org/10.5555/x%29%22%3Cscript%3Ealert%281%29%3C/script%3E%5By%5D" in \
        markdown


def test_hostile_corpus_in_json_is_kept_exactly() -> None:
    data = json.loads(ok("--format", "json", data=HOSTILE_CORPUS))
    assert data["corpus"]["title"] == HOSTILE
    study = data["studies"][0]
    assert study["title"] == study["finding"] == study["dose"]["reported"] == HOSTILE
    claim = data["claim_groups"][0]["claims"][0]
    assert claim["statement"] == claim["evidence"][0]["note"] == HOSTILE
    assert data["map"]["rows"][0]["name"] == HOSTILE
    assert data["references"][0]["authors"] == f"{HOSTILE}, {HOSTILE}, {HOSTILE}, et al."


@pytest.mark.parametrize("scope", [("--condition", "hostile-sub-pain"),
                                   ("--mechanism", "hostile-mechanism"),
                                   ("--source", "hostile-source")])
def test_hostile_corpus_reports_safely_in_every_scope(scope: tuple[str, str]) -> None:
    markdown = ok(*scope, data=HOSTILE_CORPUS)
    for table in _tables(markdown):
        assert {_cells(row) for row in table} == {_cells(table[0])}, table[0]
    assert HOSTILE_SHOWN in _rendered_text(markdown)
    check_page(ok(*scope, "--format", "html", data=HOSTILE_CORPUS))
    data = json.loads(ok(*scope, "--format", "json", data=HOSTILE_CORPUS))
    assert data["scope"]["heading"].endswith(HOSTILE)


def test_links_are_built_from_identifiers_and_percent_encoded() -> None:
    corpus = load_corpus(HOSTILE_CORPUS)
    links = study_links(corpus.study_by_id["hostile-2021"])
    assert [(link.kind, link.url) for link in links] == [
        ("doi", "https://doi.org/10.5555/x%29%22%3Cscript%3Ealert%281%29%3C/script%3E%5By%5D"),
        ("pubmed", "https://pubmed.ncbi.nlm.nih.gov/99999911/"),
        ("registry", "https://clinicaltrials.gov/study/NCT99999911"),
    ]


# --- HTML -----------------------------------------------------------------------------------

class Page(HTMLParser):
    """Every tag with its attributes, the page text, and the inline style and script."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self._inside: str | None = None
        self.doctype = ""
        self.feed(text)
        self.close()

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._inside = tag
            self.raw[tag].append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside is not None:
            self.raw[self._inside][-1] += data
        else:
            self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section",
    "footer", "h1", "h2", "h3", "p", "strong", "i", "span", "sup", "a", "ul", "ol", "li", "dl",
    "dt", "dd", "div", "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption",
    "details", "summary", "svg", "desc", "g", "rect", "text", "tspan", "script",
}


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def check_page(text: str) -> Page:
    """The structure every HTML report must have, whatever the corpus says."""
    page = Page(text)
    assert page.doctype.lower() == "doctype html"
    assert page.named("html") == [{"lang": "en"}]
    names = [name for name, _ in page.tags]
    assert set(names) <= ALLOWED_TAGS, set(names) - ALLOWED_TAGS
    assert names.count("svg") == 1
    assert names.count("script") == 1 and names.count("style") == 1
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in \
        page.named("meta")
    csp = next(m["content"] for m in page.named("meta")
               if m.get("http-equiv") == "Content-Security-Policy")
    assert csp == CSP
    assert "default-src 'none'" in csp and "unsafe" not in csp
    assert f"style-src 'sha256-{_sha256(page.raw['style'][0])}'" in csp
    assert f"script-src 'sha256-{_sha256(page.raw['script'][0])}'" in csp
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids))
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") or name == "style" for name in attrs), (tag, attrs)
        assert "src" not in attrs and "srcset" not in attrs and "xlink:href" not in attrs
        href = attrs.get("href")
        if href is None:
            continue
        assert tag == "a"
        if href.startswith("#"):
            assert href[1:] in ids, href
        else:
            parts = urlsplit(href)
            assert parts.scheme == "https" and parts.hostname in LINK_HOSTS, href
    svg = page.named("svg")[0]
    assert svg["role"] == "img" and svg["aria-labelledby"] == "map-title map-desc"
    assert "Not medical advice." in "".join(page.text)
    return page


def test_html_report_of_the_small_corpus_has_the_expected_structure() -> None:
    page = check_page(ok("--format", "html"))
    text = "".join(page.text)
    for expected in ("Synthetic report corpus", "corpus version 0.0.2", "2022-06-01",
                     "⊕⊕◯◯ Low", "refuted", "example-claim-tolerance", "Why each certainty",
                     "Imprecision −2: very serious: 30 participants, far below the optimal "
                     "information size",
                     "Evidence gap map", "1 registered trial ended without published results"):
        assert expected in text, expected
    studies = next(attrs for tag, attrs in page.tags
                   if tag == "table" and "sortable" in (attrs.get("class") or ""))
    assert studies["aria-label"] == "Studies"
    links = [attrs["href"] for attrs in page.named("a")]
    assert "https://pubmed.ncbi.nlm.nih.gov/99999901/" in links
    assert "https://clinicaltrials.gov/study/NCT99999901" in links


def test_hostile_corpus_in_html_is_escaped_text() -> None:
    text = ok("--format", "html", data=HOSTILE_CORPUS)
    for raw in ("<script>alert", "<b>", "<img", "\x1b", "\u202e", "\r"):
        assert raw not in text, raw
    page = check_page(text)
    shown = "".join(page.text)
    assert shown.count(HOSTILE_SHOWN) >= 15
    assert "alert" not in page.raw["script"][0]
    labels = [attrs.get("aria-label") for tag, attrs in page.tags if tag == "table"]
    assert "Evidence gap map as a table" in labels


def test_html_report_of_the_real_corpus_has_the_expected_structure() -> None:
    corpus = load_corpus(REAL)
    page = check_page(ok("--format", "html", data=REAL))
    text = "".join(page.text)
    assert all(claim.id in text for claim in corpus.claims)
    reference_ids = {attrs["id"] for attrs in page.named("li")
                     if (attrs.get("id") or "").startswith("study-")}
    assert {f"study-{s.id}" for s in corpus.studies} == reference_ids


@pytest.mark.parametrize("scope", [ScopeKind.CONDITION, ScopeKind.MECHANISM, ScopeKind.SOURCE])
def test_every_record_of_the_real_corpus_reports_in_every_format(scope: ScopeKind) -> None:
    corpus = load_corpus(REAL)
    grades = grade_all(corpus)
    ids = {ScopeKind.CONDITION: [c.id for c in corpus.conditions],
           ScopeKind.MECHANISM: [m.id for m in corpus.mechanisms],
           ScopeKind.SOURCE: [s.id for s in corpus.sources]}[scope]
    for record in ids:
        built = build_report(corpus, grades, Scope(scope, record))
        markdown = render_markdown(built)
        notes = re.findall(r"\[\^(\d+)\](?!:)", markdown)
        definitions = re.findall(r"^\[\^(\d+)\]:", markdown, flags=re.MULTILINE)
        assert notes == definitions == [str(n) for n in range(1, len(built.claims) + 1)]
        assert render_html(built).count("<svg") == 1


# --- scopes on the real corpus --------------------------------------------------------------

def _json(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(*args, "--format", "json", data=REAL))
    return data


def test_condition_report_covers_the_condition_its_parents_claims_and_safety() -> None:
    data = _json("--condition", "FMS")
    assert data["scope"] == {"kind": "condition", "id": "fibromyalgia",
                             "heading": "Condition: Fibromyalgia",
                             "description": data["scope"]["description"], "includes": []}
    titles = [group["title"] for group in data["claim_groups"]]
    assert titles == ["Claims about fibromyalgia", "Broader claims (about a parent condition)",
                      "Safety considerations"]
    first = [claim["id"] for claim in data["claim_groups"][0]["claims"]]
    assert first == ["fibromyalgia-microdosing-improves-symptoms"]
    assert "aday-2025" in {study["id"] for study in data["studies"]}
    rows = [row["condition"] for row in data["map"]["rows"]]
    assert rows[0] == "fibromyalgia"
    assert all(row.startswith("no-condition-") for row in rows[1:])  # every study is mapped
    # A study of another condition says why it is in a fibromyalgia report.
    assert data["places"]["aday-2025"]["why"] is None
    why = data["places"]["bonnelle-2022"]["why"]
    assert why.startswith("About Chronic pain, not Fibromyalgia: here because the claims ")
    assert {"claim": "survey-2022-microdosing-pain-reduction", "stance": "mixed"} in \
        data["places"]["bonnelle-2022"]["cited"]


def test_mechanism_and_source_reports() -> None:
    mechanism = _json("--mechanism", "neuroplasticity")
    assert mechanism["scope"]["id"] == "neuroplasticity"
    ids = [c["id"] for group in mechanism["claim_groups"] for c in group["claims"]]
    assert ids == ["microdosing-enhances-neuroplasticity"]
    source = _json("--source", "source-article")
    corpus = load_corpus(REAL)
    expected = {c.id for c in corpus.claims if "source-article" in c.sources}
    assert {c["id"] for g in source["claim_groups"] for c in g["claims"]} == expected


def test_whole_corpus_report_has_every_claim_once() -> None:
    data = _json()
    corpus = load_corpus(REAL)
    ids = [c["id"] for group in data["claim_groups"] for c in group["claims"]]
    assert sorted(ids) == sorted(c.id for c in corpus.claims)
    assert len(data["studies"]) + len(data["reviews"]) + len(data["registrations"]) == \
        len(corpus.studies)
    path: list[str] = []  # map rows read as a tree: each row follows its parent's subtree
    for row in data["map"]["rows"]:
        while path and path[-1] != row["parent"]:
            path.pop()
        assert (row["parent"] is None) == (not path), row["condition"]
        path.append(row["condition"])
    levels = [c["grade"]["level"] for c in data["claim_groups"][0]["claims"]]
    assert levels == sorted(levels, reverse=True)
    assert max(levels) <= Certainty.LOW


@pytest.mark.parametrize(("args", "message"), [
    (("--condition", "fibromialgia"), "did you mean 'fibromyalgia'?"),
    (("--source", "no-such-source"), "no source called 'no-such-source'"),
    (("--condition", "fibromyalgia", "--mechanism", "neuroplasticity"), "at most one of"),
    (("--format", "pdf"), "expected markdown, html or json"),
])
def test_usage_errors_exit_2_with_nothing_on_stdout(args: tuple[str, ...], message: str) -> None:
    result = report(*args, data=REAL)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "Example: painlit report" in result.stdout


def test_report_modules_are_not_imported_at_start_up() -> None:
    code = ("import sys, painlit.cli; print(sorted(m for m in sys.modules if m in "
            "('painlit.report', 'painlit.render.markdown', 'painlit.render.html')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.strip() == "[]"


# --- writing files --------------------------------------------------------------------------

def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    result = report("-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == ok()
    assert f"wrote {target}" in result.stderr


def test_existing_file_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("keep me", encoding="utf-8")
    result = report("--format", "html", "-o", str(target))
    assert result.exit_code == 5
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep me"


def test_existing_file_is_replaced_with_force(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    result = report("--format", "json", "-o", str(target), "--force")
    assert result.exit_code == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["kind"] == "report"


def test_the_corpus_itself_is_never_overwritten(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.yaml"
    corpus.write_bytes(SMALL.read_bytes())
    for extra in ((), ("--force",)):
        result = report("-o", str(corpus), *extra, data=corpus)
        assert result.exit_code == 5
        assert "refusing to overwrite the corpus file" in result.stderr
        assert corpus.read_bytes() == SMALL.read_bytes()


def test_a_failed_write_leaves_the_target_untouched(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.md"
    target.write_text("previous report", encoding="utf-8")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = report("-o", str(target), "--force")
    assert result.exit_code == 5
    assert "the disk is full" in result.stderr
    assert target.read_text(encoding="utf-8") == "previous report"
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["report.md"]


@pytest.mark.parametrize("where", ["directory", "missing/report.md"])
def test_unwritable_targets_exit_5(tmp_path: Path, where: str) -> None:
    (tmp_path / "directory").mkdir()
    result = report("-o", str(tmp_path / where))
    assert result.exit_code == 5
    assert result.stderr.startswith("painlit: error: cannot write")
