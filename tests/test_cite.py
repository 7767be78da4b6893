"""`painlit cite`: golden output per format, parsed back by each format's own rules.

BibTeX is read back with bibtexparser, RIS with the strict reader below, CSL-JSON is validated
against the official CSL data schema, vendored verbatim in tests/fixtures/csl-data.json from
github.com/citation-style-language/schema, schemas/input/csl-data.json, commit
40b3ce0bbbda517ad14b98c93a2c65ab4cde56a9. The fixture corpora are synthetic.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import bibtexparser  # type: ignore[import-untyped]
import jsonschema  # type: ignore[import-untyped]
import pytest
from bibtexparser.bparser import BibTexParser  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from painlit.cli import app
from painlit.export.cite import latex, one_line, parse_name, url_text
from painlit.loader import load_corpus
from painlit.paths import default_corpus_path

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "cite" / "corpus.yaml"
HOSTILE = FIXTURES / "cite" / "hostile.yaml"
CSL_SCHEMA = FIXTURES / "csl-data.json"
ORDER = ("example-2021", "example-registration-2020", "example-preprint-2022",
         "example-report-2019")

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def cite(corpus: Path, *args: str) -> Any:
    return run("--data", str(corpus), "cite", *args)


def crlf(text: str) -> str:
    """Golden RIS written with plain newlines: CRLF line ends, and `ER  - ` keeps its space."""
    return text.replace("\n", "\r\n").replace("ER  -\r\n", "ER  - \r\n")


GOLDEN_BIBTEX = r"""@article{example-2021,
  author = {Example, A. B. and Sample, Jr, C. and {Example Study Group}},
  title = {{Synthetic Example Trial of Substance A in DNA-Named Pain}},
  journal = {Journal of Synthetic Examples},
  year = {2021},
  doi = {10.5555/synthetic.0101},
  pmid = {99999901},
  url = {https://doi.org/10.5555/synthetic.0101},
  note = {Trial registration NCT99999901},
  annote = {painlit: cited by claim example-claim (Low \ensuremath{\oplus}\ensuremath{\oplus}\ensuremath{\bigcirc}\ensuremath{\bigcirc}, verdict refuted; stance refutes, counted)}
}

@misc{example-registration-2020,
  title = {{Synthetic registered trial of substance A}},
  year = {2020},
  url = {https://clinicaltrials.gov/study/NCT99999902},
  note = {Trial registration NCT99999902 (registry status: Recruiting)},
  annote = {painlit: cited by claim example-claim (Low \ensuremath{\oplus}\ensuremath{\oplus}\ensuremath{\bigcirc}\ensuremath{\bigcirc}, verdict refuted; stance context, not counted)}
}

@misc{example-preprint-2022,
  author = {Example, D.},
  title = {{Synthetic preprint on the example mechanism}},
  year = {2022},
  doi = {10.5555/synthetic.0102},
  url = {https://doi.org/10.5555/synthetic.0102},
  annote = {painlit: cited by claim example-mechanism-claim (Very low \ensuremath{\oplus}\ensuremath{\bigcirc}\ensuremath{\bigcirc}\ensuremath{\bigcirc}, verdict insufficient; stance supports, counted)}
}

@misc{example-report-2019,
  title = {{Synthetic cohort report}},
  year = {2019},
  pmid = {99999903},
  url = {https://pubmed.ncbi.nlm.nih.gov/99999903/},
  annote = {painlit: cited by claim example-claim (Low \ensuremath{\oplus}\ensuremath{\oplus}\ensuremath{\bigcirc}\ensuremath{\bigcirc}, verdict refuted; stance supports, not counted)}
}
"""  # noqa: E501

GOLDEN_RIS = crlf("""TY  - JOUR
ID  - example-2021
AU  - Example, A.B.
AU  - Sample, C., Jr
AU  - Example Study Group
TI  - Synthetic Example Trial of Substance A in DNA-Named Pain
T2  - Journal of Synthetic Examples
JO  - Journal of Synthetic Examples
PY  - 2021
DO  - 10.5555/synthetic.0101
AN  - 99999901
UR  - https://doi.org/10.5555/synthetic.0101
N1  - Trial registration NCT99999901
N1  - painlit: cited by claim example-claim (Low ⊕⊕◯◯, verdict refuted; stance refutes, counted)
ER  -

TY  - ELEC
ID  - example-registration-2020
TI  - Synthetic registered trial of substance A
PY  - 2020
UR  - https://clinicaltrials.gov/study/NCT99999902
N1  - Trial registration NCT99999902 (registry status: Recruiting)
N1  - painlit: cited by claim example-claim (Low ⊕⊕◯◯, verdict refuted; stance context, not counted)
ER  -

TY  - UNPB
ID  - example-preprint-2022
AU  - Example, D.
TI  - Synthetic preprint on the example mechanism
PY  - 2022
DO  - 10.5555/synthetic.0102
UR  - https://doi.org/10.5555/synthetic.0102
N1  - painlit: cited by claim example-mechanism-claim (Very low ⊕◯◯◯, verdict insufficient; stance supports, counted)
ER  -

TY  - GEN
ID  - example-report-2019
TI  - Synthetic cohort report
PY  - 2019
AN  - 99999903
UR  - https://pubmed.ncbi.nlm.nih.gov/99999903/
N1  - painlit: cited by claim example-claim (Low ⊕⊕◯◯, verdict refuted; stance supports, not counted)
ER  -
""")  # noqa: E501

GOLDEN_CSL: list[dict[str, Any]] = [
    {
        "id": "example-2021", "citation-key": "example-2021", "type": "article-journal",
        "title": "Synthetic Example Trial of Substance A in DNA-Named Pain",
        "author": [{"family": "Example", "given": "A. B."},
                   {"family": "Sample", "given": "C.", "suffix": "Jr"},
                   {"literal": "Example Study Group"}],
        "container-title": "Journal of Synthetic Examples",
        "issued": {"date-parts": [[2021]]},
        "DOI": "10.5555/synthetic.0101", "PMID": "99999901",
        "URL": "https://doi.org/10.5555/synthetic.0101",
        "note": "Trial registration NCT99999901\npainlit: cited by claim example-claim "
                "(Low ⊕⊕◯◯, verdict refuted; stance refutes, counted)",
    },
    {
        "id": "example-registration-2020", "citation-key": "example-registration-2020",
        "type": "webpage", "title": "Synthetic registered trial of substance A",
        "issued": {"date-parts": [[2020]]}, "URL": "https://clinicaltrials.gov/study/NCT99999902",
        "note": "Trial registration NCT99999902 (registry status: Recruiting)\npainlit: cited "
                "by claim example-claim (Low ⊕⊕◯◯, verdict refuted; stance context, "
                "not counted)",
    },
    {
        "id": "example-preprint-2022", "citation-key": "example-preprint-2022",
        "type": "article", "title": "Synthetic preprint on the example mechanism",
        "author": [{"family": "Example", "given": "D."}],
        "issued": {"date-parts": [[2022]]}, "DOI": "10.5555/synthetic.0102",
        "URL": "https://doi.org/10.5555/synthetic.0102",
        "note": "painlit: cited by claim example-mechanism-claim (Very low ⊕◯◯◯, verdict "
                "insufficient; stance supports, counted)",
    },
    {
        "id": "example-report-2019", "citation-key": "example-report-2019",
        "type": "document", "title": "Synthetic cohort report",
        "issued": {"date-parts": [[2019]]}, "PMID": "99999903",
        "URL": "https://pubmed.ncbi.nlm.nih.gov/99999903/",
        "note": "painlit: cited by claim example-claim (Low ⊕⊕◯◯, verdict refuted; stance "
                "supports, not counted)",
    },
]


# --- readers used to check the output -------------------------------------------------------

def parse_bibtex(text: str) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=False)
    parser.ignore_nonstandard_types = False
    entries: list[dict[str, str]] = bibtexparser.loads(text, parser=parser).entries
    return entries


_UNLATEX = {
    r"\textbackslash{}": "\\", r"\textbraceleft{}": "{", r"\textbraceright{}": "}",
    r"\%": "%", r"\&": "&", r"\$": "$", r"\#": "#", r"\_": "_", r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^", r"\textless{}": "<", r"\textgreater{}": ">",
    r"\textbar{}": "|", r"\ensuremath{\oplus}": "⊕", r"\ensuremath{\bigcirc}": "◯",
}
_UNLATEX_RE = re.compile("|".join(re.escape(k) for k in sorted(_UNLATEX, key=len, reverse=True)))


def unlatex(value: str) -> str:
    """Undo the BibTeX escaping, first checking that no special character was left raw."""
    bare = _UNLATEX_RE.sub("", value)
    assert not re.search(r"[\\{}%&$#_~^<>|]", bare), f"unescaped special in {value!r}"
    return _UNLATEX_RE.sub(lambda match: _UNLATEX[match.group()], value)


def split_names(value: str) -> list[str]:
    """A BibTeX name list split as BibTeX splits it: on ` and ` outside braces."""
    names, depth, start = [], 0, 0
    for index, char in enumerate(value):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and value.startswith(" and ", index):
            names.append(value[start:index])
            start = index + len(" and ")
    return [*names, value[start:]]


def untitle(value: str) -> str:
    """A braced title's text: the outer protecting group (and any leading `{}`) removed."""
    assert value.startswith("{") and value.endswith("}"), value
    return unlatex(value[1:-1].removeprefix("{}"))


RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")
RIS_TAGS = {"TY", "ID", "AU", "TI", "T2", "JO", "PY", "DO", "AN", "UR", "N1", "ER"}
RIS_TYPES = {"JOUR", "ELEC", "UNPB", "GEN"}


def parse_ris(data: bytes) -> list[list[tuple[str, str]]]:
    """A strict RIS reader: CRLF lines, `TG  - value`, TY first, ER last, nothing between
    records but one empty line, no empty, padded or multi-line values."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    records: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for line in text.split("\r\n")[:-1]:
        if line == "":
            assert current is None and records, "empty line inside a record or at the start"
            continue
        match = RIS_LINE.match(line)
        assert match, f"not a RIS line: {line!r}"
        tag, value = match.groups()
        assert tag in RIS_TAGS, tag
        if tag == "TY":
            assert current is None, "TY inside a record"
            assert value in RIS_TYPES, value
            current = [(tag, value)]
        elif tag == "ER":
            assert current is not None and value == "", "ER outside a record or with a value"
            records.append(current)
            current = None
        else:
            assert current is not None, f"{tag} outside a record"
            assert value and value == value.strip(), f"empty or padded value {line!r}"
            current.append((tag, value))
    assert current is None, "last record has no ER"
    return records


def tag_values(record: list[tuple[str, str]], tag: str) -> list[str]:
    return [value for name, value in record if name == tag]


def validate_csl(items: Any) -> None:
    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(items)


# --- golden output --------------------------------------------------------------------------

def test_bibtex_golden() -> None:
    result = cite(CORPUS, *ORDER)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == GOLDEN_BIBTEX
    assert result.stderr == ""


def test_bibtex_is_the_default_and_format_is_explicit() -> None:
    assert cite(CORPUS, *ORDER, "--format", "bibtex").stdout == GOLDEN_BIBTEX
    assert cite(CORPUS, *ORDER, "-f", "bibtex", "-o", "-").stdout == GOLDEN_BIBTEX


def test_ris_golden() -> None:
    result = cite(CORPUS, *ORDER, "--format", "ris")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.decode("utf-8") == GOLDEN_RIS


def test_csl_json_golden() -> None:
    result = cite(CORPUS, *ORDER, "--format", "csl-json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == GOLDEN_CSL
    assert result.stdout.endswith("]\n")


# --- parsed back ----------------------------------------------------------------------------

def test_bibtex_parses_back_to_the_record_values() -> None:
    corpus = load_corpus(CORPUS)
    entries = {entry["ID"]: entry for entry in parse_bibtex(cite(CORPUS, *ORDER).stdout)}
    assert list(entries) == list(ORDER)
    article = entries["example-2021"]
    study = corpus.study_by_id["example-2021"]
    assert article["ENTRYTYPE"] == "article"
    assert untitle(article["title"]) == study.title
    assert unlatex(article["journal"]) == study.journal
    assert article["year"] == str(study.year)
    assert (article["doi"], article["pmid"], article["url"]) == (study.doi, study.pmid,
                                                                  study.link)
    assert study.url != study.link  # where the facts were read is not what a reader gets
    assert split_names(article["author"]) == ["Example, A. B.", "Sample, Jr, C.",
                                                "{Example Study Group}"]
    assert unlatex(article["annote"]) == ("painlit: cited by claim example-claim (Low ⊕⊕◯◯, "
                                          "verdict refuted; stance refutes, counted)")
    registration = entries["example-registration-2020"]
    assert registration["ENTRYTYPE"] == "misc"
    assert "author" not in registration and "journal" not in registration
    assert registration["note"] == "Trial registration NCT99999902 (registry status: Recruiting)"
    # nothing the record lacks is invented
    for entry in entries.values():
        assert not {"volume", "number", "pages", "issue", "publisher"} & set(entry)


def test_ris_parses_back_strictly() -> None:
    records = parse_ris(cite(CORPUS, *ORDER, "--format", "ris").stdout_bytes)
    assert [tag_values(r, "ID") for r in records] == [[key] for key in ORDER]
    article = records[0]
    assert article[0] == ("TY", "JOUR")
    assert tag_values(article, "AU") == ["Example, A.B.", "Sample, C., Jr", "Example Study Group"]
    assert tag_values(article, "DO") == ["10.5555/synthetic.0101"]
    assert tag_values(article, "N1")[1].startswith("painlit: cited by claim example-claim (Low")
    assert records[1][0] == ("TY", "ELEC")
    assert tag_values(records[1], "AU") == []


def test_csl_json_is_valid_against_the_official_schema() -> None:
    validate_csl(json.loads(cite(CORPUS, *ORDER, "--format", "csl-json").stdout))


def test_csl_schema_rejects_what_it_should() -> None:
    """The vendored schema is really checking: an unknown field or type fails."""
    with pytest.raises(jsonschema.ValidationError):
        validate_csl([{"id": "x", "type": "journal-article"}])
    with pytest.raises(jsonschema.ValidationError):
        validate_csl([{"id": "x", "type": "article", "volume-guess": "1"}])


@pytest.mark.parametrize("output_format", ["bibtex", "ris", "csl-json"])
def test_the_whole_shipped_corpus_exports_validly(output_format: str) -> None:
    corpus = load_corpus(default_corpus_path())
    result = run("cite", "--all", "--format", output_format)
    assert result.exit_code == 0, result.stderr
    if output_format == "bibtex":
        entries = parse_bibtex(result.stdout)
        assert {e["ID"] for e in entries} == {s.id for s in corpus.studies}
        for entry in entries:
            study = corpus.study_by_id[entry["ID"]]
            assert untitle(entry["title"]) == one_line(study.title)
            assert entry.get("doi") == study.doi
    elif output_format == "ris":
        records = parse_ris(result.stdout_bytes)
        assert len(records) == len(corpus.studies)
    else:
        items = json.loads(result.stdout)
        validate_csl(items)
        assert {item["id"] for item in items} == {s.id for s in corpus.studies}
        by_id = {item["id"]: item for item in items}
        for study in corpus.studies:
            assert by_id[study.id]["title"] == study.title
            assert len(by_id[study.id].get("author", [])) == len(study.authors)


# --- escaping -------------------------------------------------------------------------------

HOSTILE_TITLE = ("\\emph{50%} {of} users & $5 #1 a_b ~c ^d <script>alert('x')</script> | "
                 "pipe\nsecond\tline \u202eé ⊕ \x07bell \"q\" @x")
#: The title on one line: breaks and tabs become spaces, control and override characters go.
HOSTILE_TITLE_LINE = ("\\emph{50%} {of} users & $5 #1 a_b ~c ^d <script>alert('x')</script> | "
                      "pipe second line é ⊕ bell \"q\" @x")
HOSTILE_JOURNAL = "Journal } of { Tests & \\end{document} %"
#: Citations link the DOI's page (never the mirror a curator read it on); the hostile DOI's
#: braces are percent-encoded in it.
HOSTILE_URL = "https://doi.org/10.5555/hostile.%7B1%7D"


def test_hostile_fixture_holds_the_hostile_strings() -> None:
    study = load_corpus(HOSTILE).study_by_id["example-hostile-2021"]
    assert study.title == HOSTILE_TITLE
    assert one_line(study.title) == HOSTILE_TITLE_LINE


def test_bibtex_escapes_hostile_strings_and_round_trips() -> None:
    result = cite(HOSTILE, "--all")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "<script>" not in text and "\u202e" not in text and "\x07" not in text
    entries = {e["ID"]: e for e in parse_bibtex(text)}
    assert set(entries) == {"example-hostile-2021", "example-plain-2020"}
    entry = entries["example-hostile-2021"]
    assert untitle(entry["title"]) == HOSTILE_TITLE_LINE
    assert unlatex(entry["journal"]) == HOSTILE_JOURNAL
    assert entry["url"] == HOSTILE_URL
    assert entry["doi"] == "10.5555/hostile.%7B1%7D"
    assert split_names(entry["author"]) == [
        "Ünal, Ö.",
        "O'Brien-Smith, A. B.",
        r"{\textbraceleft{}Group\textbraceright{} \& Co \textbackslash{} 100\%}",
        "{Smith and Jones}, A. B.",
        r"{Ex\textbar{}ample Z}",
    ]
    # a title that starts with a backslash opens with an empty group, so BibTeX does not
    # take the protecting group for a "special character" whose case styles may change
    plain = entries["example-plain-2020"]["title"]
    assert plain == r"{{}\textbackslash{}textbf starts with a backslash}"
    assert untitle(plain) == "\\textbf starts with a backslash"
    # every field sits on one line
    for line in text.splitlines():
        assert line == "" or line.startswith(("@", "  ", "}")), line


def test_ris_keeps_hostile_values_on_one_line() -> None:
    result = cite(HOSTILE, "--all", "--format", "ris")
    records = {tag_values(r, "ID")[0]: r for r in parse_ris(result.stdout_bytes)}
    record = records["example-hostile-2021"]
    assert tag_values(record, "TI") == [HOSTILE_TITLE_LINE]
    assert tag_values(record, "JO") == [HOSTILE_JOURNAL]
    assert tag_values(record, "UR") == [HOSTILE_URL]
    assert tag_values(record, "AU") == ["Ünal, Ö.", "O'Brien-Smith, A.B.",
                                        "{Group} & Co \\ 100%", "Smith and Jones, A.B.",
                                        "Ex|ample Z"]
    assert "\u202e" not in result.stdout_bytes.decode("utf-8")


def test_csl_json_keeps_hostile_strings_exactly() -> None:
    result = cite(HOSTILE, "--all", "--format", "csl-json")
    assert result.exit_code == 0, result.stderr
    items = json.loads(result.stdout)
    validate_csl(items)
    item = next(i for i in items if i["id"] == "example-hostile-2021")
    assert item["title"] == HOSTILE_TITLE
    assert item["container-title"] == HOSTILE_JOURNAL
    assert item["author"][2] == {"literal": "{Group} & Co \\ 100%"}
    assert item["author"][4] == {"literal": "Ex|ample\nZ"}
    # a terminal never sees the direction override or the bell raw: both are JSON escapes
    assert "\u202e" not in result.stdout and "\x07" not in result.stdout
    assert "\\u202e" in result.stdout and "\\u0007" in result.stdout


@given(st.text())
@settings(max_examples=150, deadline=None)
def test_latex_escaping_round_trips_any_text(text: str) -> None:
    escaped = latex(text)
    assert unlatex(escaped) == one_line(text)
    assert "\n" not in escaped and "\r" not in escaped


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
@settings(max_examples=40, deadline=None)
def test_bibtexparser_reads_back_any_escaped_title(text: str) -> None:
    title = latex(text)
    entries = parse_bibtex(f"@misc{{x,\n  title = {{{{{title}}}}}\n}}\n")
    assert len(entries) == 1
    assert unlatex(entries[0].get("title", "{}")[1:-1]) == one_line(text)


@pytest.mark.parametrize(("raw", "expected"), [
    ("a\nb\r\nc\td", "a b c d"),
    ("  padded  ", "padded"),
    ("bell\x07 and\x1b[31m escape", "bell and[31m escape"),
    ("over\u202eride \u2066isolate\u2069", "override isolate"),
    ("line\u2028separator\x85next", "line separator next"),
    ("keep é ü 中文 ⊕ and\u00a0nbsp", "keep é ü 中文 ⊕ and\u00a0nbsp"),
])
def test_one_line(raw: str, expected: str) -> None:
    assert one_line(raw) == expected


@pytest.mark.parametrize(("name", "parts"), [
    ("Aday JS", ("Aday", "J. S.", None, None)),
    ("Pope HG Jr", ("Pope", "H. G.", "Jr", None)),
    ("de Souza DC", ("de Souza", "D. C.", None, None)),
    ("Ünal Ö", ("Ünal", "Ö.", None, None)),
    ("Example Study Group", (None, "", None, "Example Study Group")),
    ("WHO", (None, "", None, "WHO")),
    ("Smith, John", (None, "", None, "Smith, John")),
    ("Smith J.", (None, "", None, "Smith J.")),
])
def test_names(name: str, parts: tuple[str | None, str, str | None, str | None]) -> None:
    parsed = parse_name(name)
    assert (parsed.family, parsed.given, parsed.suffix, parsed.literal) == parts


def test_url_text_encodes_only_what_a_url_cannot_hold() -> None:
    assert url_text("https://example.org/a?b=1&c=%41#x") == "https://example.org/a?b=1&c=%41#x"
    assert url_text(" https://example.org/a b{c}\\ ") == "https://example.org/a%20b%7Bc%7D%5C"


# --- choosing studies -----------------------------------------------------------------------

def keys(result: Any) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [entry["ID"] for entry in parse_bibtex(result.stdout)]


def test_studies_by_doi_pmid_and_registry_id_in_the_order_given() -> None:
    assert keys(cite(CORPUS, "NCT99999902", "10.5555/synthetic.0101", "99999903",
                     "example-2021")) == ["example-registration-2020", "example-2021",
                                          "example-report-2019"]


def test_filters_select_studies() -> None:
    assert keys(cite(CORPUS, "--design", "rct")) == ["example-2021"]
    assert keys(cite(CORPUS, "--claim", "example-claim")) == [
        "example-2021", "example-report-2019", "example-registration-2020"]
    assert keys(cite(CORPUS, "--condition", "example-pain", "--from", "2020")) == [
        "example-2021", "example-registration-2020"]
    assert keys(cite(CORPUS, "--substance", "Substance A", "--population", "community")) == [
        "example-report-2019"]
    assert keys(cite(CORPUS, "--all")) == [
        "example-preprint-2022", "example-2021", "example-registration-2020",
        "example-report-2019"]


def test_no_match_is_an_empty_bibliography() -> None:
    result = cite(CORPUS, "--design", "case-report")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no studies matched" in result.stderr
    empty = cite(CORPUS, "--design", "case-report", "--format", "csl-json")
    assert json.loads(empty.stdout) == []


@pytest.mark.parametrize("args", [
    (), ("example-2021", "--all"), ("example-2021", "--design", "rct"),
    ("--all", "--format", "endnote"), ("--all", "--design", "nonsense"),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = cite(CORPUS, *args)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_unknown_study_exits_2_with_suggestions() -> None:
    result = cite(CORPUS, "example-2022")
    assert result.exit_code == 2
    assert "no study called 'example-2022'" in result.stderr
    assert result.stdout == ""


# --- writing files --------------------------------------------------------------------------

def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    result = cite(CORPUS, *ORDER, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == GOLDEN_BIBTEX
    assert "wrote 4 citation(s) (bibtex)" in result.stderr
    ris = tmp_path / "refs.ris"
    assert cite(CORPUS, *ORDER, "-f", "ris", "--output", str(ris)).exit_code == 0
    assert ris.read_bytes() == GOLDEN_RIS.encode("utf-8")


def test_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("keep me\n", encoding="utf-8")
    refused = cite(CORPUS, "example-2021", "-o", str(target))
    assert refused.exit_code == 5
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"
    forced = cite(CORPUS, *ORDER, "-o", str(target), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert target.read_text(encoding="utf-8") == GOLDEN_BIBTEX


def test_the_corpus_file_is_never_overwritten(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.yaml"
    shutil.copyfile(CORPUS, corpus)
    before = corpus.read_bytes()
    result = cite(corpus, "--all", "-o", str(corpus), "--force")
    assert result.exit_code == 5
    assert "refusing to overwrite the corpus file" in result.stderr
    assert corpus.read_bytes() == before


def test_a_failed_write_leaves_the_file_untouched(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("old contents\n", encoding="utf-8")

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = cite(CORPUS, "--all", "-o", str(target), "--force")
    assert result.exit_code == 5
    assert "the disk is full" in result.stderr
    assert target.read_text(encoding="utf-8") == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "refs.bib"]


def test_a_missing_directory_exits_5(tmp_path: Path) -> None:
    result = cite(CORPUS, "--all", "-o", str(tmp_path / "no" / "such" / "refs.bib"))
    assert result.exit_code == 5
    assert "directory does not exist" in result.stderr


def test_help_has_an_example() -> None:
    result = run("cite", "--help")
    assert result.exit_code == 0
    assert "Example: painlit cite" in result.stdout
