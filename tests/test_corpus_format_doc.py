"""docs/corpus-format.md kept in step with the loader.

The document marks its tables with HTML comments (`<!-- fields: _STUDY_KEYS -->`, `<!-- values:
StudyDesign -->`, `<!-- constants -->`, `<!-- registries -->`), and every ```yaml block in it is
part of one example corpus. These tests read those tables and check them against
`painlit.loader` and `painlit.model`: every key tuple and every vocabulary the loader uses has a
table listing exactly its keys or values; what a row says (required or not, one-line or not,
which vocabulary, which section it refers to) is what the loader does when the example corpus
is edited; and the example corpus passes `painlit validate --strict`. Adding or removing a
field or a value without updating the document fails here. Offline, in-process, fast.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import yaml

from painlit import fields, loader, model, nodes, records
from painlit.dosing import dose_warnings
from painlit.errors import Problem
from painlit.grading import curation_warnings

DOC = Path(__file__).resolve().parents[1] / "docs" / "corpus-format.md"
TEXT = DOC.read_text(encoding="utf-8")

Record = dict[str, Any]
Row = list[str]

_MARKER = re.compile(r"<!-- (?:(fields|values): (\S+)|(constants|registries)) -->")


def _tables() -> dict[tuple[str, str], list[Row]]:
    """Each marked table's body rows (cells stripped), by (kind, name)."""
    lines = TEXT.splitlines()
    tables: dict[tuple[str, str], list[Row]] = {}
    for index, line in enumerate(lines):
        found = _MARKER.fullmatch(line.strip())
        if found is None:
            continue
        key = (found[1], found[2]) if found[1] else (found[3], "")
        assert key not in tables, f"{key} is marked twice"
        rows = []
        for row_line in lines[index + 1:]:
            if not row_line.startswith("|"):
                break
            rows.append([cell.strip() for cell in row_line.strip().strip("|").split("|")])
        assert len(rows) > 2 and set("".join(rows[1]).replace(" ", "")) == {"-"}, (
            f"the marker {line.strip()} is not followed by a table")
        width = len(rows[0])
        assert all(len(row) == width for row in rows), f"{key}: a row has the wrong width"
        tables[key] = rows[2:]
    return tables


TABLES = _tables()


def _code(cell: str) -> str:
    """The one backticked word a first cell holds."""
    found = re.fullmatch(r"`([^`]+)`", cell)
    assert found is not None, f"expected one `name` in the cell, found {cell!r}"
    return found[1]


#: The loader's key tuples (and SECTIONS, the top-level keys), by name.
KEY_TUPLES: dict[str, tuple[str, ...]] = {
    name: value for name, value in vars(records).items()
    if re.fullmatch(r"_[A-Z_]+_KEYS", name)
} | {"SECTIONS": fields.SECTIONS}

#: The model's vocabularies the loader reads fields into.
ENUMS: dict[str, type[Enum]] = {
    name: value for name, value in vars(records).items()
    if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == model.__name__
}
#: Vocabularies that are not an enum: the loader's own list, checked through its messages.
OTHER_VOCABULARIES = {"EnrolmentType"}


def _enum_values(enum: type[Enum]) -> list[str]:
    if enum is model.Certainty:
        return [level.slug for level in model.Certainty]
    return [str(member.value) for member in enum]


def _field_rows(name: str) -> list[Row]:
    return TABLES[("fields", name)]


def _vocabulary(name: str) -> list[str]:
    return [_code(row[0]) for row in TABLES[("values", name)]]


# --- the tables list exactly what the loader knows --------------------------------------------

def test_every_key_tuple_of_the_loader_has_a_table() -> None:
    documented = {name for kind, name in TABLES if kind == "fields"}
    assert documented == set(KEY_TUPLES), (
        f"key tuples without a table: {sorted(set(KEY_TUPLES) - documented)}; "
        f"tables of no key tuple: {sorted(documented - set(KEY_TUPLES))}")


@pytest.mark.parametrize("name", sorted(KEY_TUPLES))
def test_a_field_table_lists_exactly_the_loader_keys(name: str) -> None:
    names = [_code(row[0]) for row in _field_rows(name)]
    assert len(names) == len(set(names)), f"{name}: a field is listed twice"
    keys = set(KEY_TUPLES[name])
    assert set(names) == keys, (
        f"{name}: not documented: {sorted(keys - set(names))}; "
        f"documented but unknown to the loader: {sorted(set(names) - keys)}")
    for row in _field_rows(name):
        assert row[2] in ("required", "optional", "conditional"), (
            f"{name}.{row[0]}: the third cell says required, optional or conditional")


def test_every_vocabulary_of_the_loader_has_a_table() -> None:
    documented = {name for kind, name in TABLES if kind == "values"}
    assert documented == set(ENUMS) | OTHER_VOCABULARIES, (
        f"vocabularies without a table: {sorted(set(ENUMS) - documented)}; "
        f"tables of no vocabulary: {sorted(documented - set(ENUMS) - OTHER_VOCABULARIES)}")


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_a_vocabulary_table_lists_exactly_the_enum_values(name: str) -> None:
    values = _vocabulary(name)
    assert len(values) == len(set(values)), f"{name}: a value is listed twice"
    assert set(values) == set(_enum_values(ENUMS[name])), (
        f"{name}: not documented: {sorted(set(_enum_values(ENUMS[name])) - set(values))}; "
        f"documented but not accepted: {sorted(set(values) - set(_enum_values(ENUMS[name])))}")
    for row in TABLES[("values", name)]:
        assert row[-1], f"{name}.{row[0]} has no meaning"


def test_the_domain_table_gives_the_levels_each_domain_allows() -> None:
    for row in TABLES[("values", "Domain")]:
        domain = model.Domain(_code(row[0]))
        levels = tuple(int(level) for level in re.findall(r"`(-?\d+)`", row[1]))
        assert levels == fields.JUDGEMENT_LEVELS[domain], domain


def test_the_constants_are_the_loader_constants() -> None:
    for row in TABLES[("constants", "")]:
        name, written = _code(row[0]), _code(row[1])
        value = getattr(fields, name, None) or getattr(nodes, name)
        if isinstance(value, re.Pattern):
            assert written == value.pattern, name
        else:
            assert int(written.replace(",", "")) == value, name


def test_the_registry_patterns_are_the_loader_patterns() -> None:
    documented = {_code(row[0]): _code(row[1]) for row in TABLES[("registries", "")]}
    assert documented == {name: pattern.pattern
                          for name, pattern in fields.REGISTRY_PATTERNS.items()}


# --- the example corpus, and what the loader does with it edited ------------------------------

def _example_blocks() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```$", TEXT, flags=re.MULTILINE | re.DOTALL)


EXAMPLE_TEXT = "".join(_example_blocks())
EXAMPLE: Record = yaml.safe_load(EXAMPLE_TEXT)


def _problems(raw: bytes) -> list[Problem]:
    """Every problem `painlit validate` reports for a corpus file (without a screening log)."""
    corpus, problems = loader.check_bytes(raw, "example.yaml")
    problems = loader.as_validated(problems)
    if corpus is not None:
        problems += curation_warnings(corpus) + dose_warnings(corpus)
    return problems


def test_the_examples_are_one_block_per_section_and_cover_every_section() -> None:
    sections = [next(iter(yaml.safe_load(block))) for block in _example_blocks()]
    assert sorted(sections) == sorted(fields.SECTIONS)
    for block in _example_blocks():
        assert len(yaml.safe_load(block)) == 1, "one section per ```yaml block"


def test_the_example_corpus_passes_validate_strict() -> None:
    problems = _problems(EXAMPLE_TEXT.encode())
    assert problems == []


def test_the_examples_are_obviously_synthetic() -> None:
    for study in EXAMPLE["studies"]:
        assert "doi" not in study or study["doi"].startswith("10.5555/")
        assert study["url"].startswith("https://example.org/")
        assert "ynthetic" in study["title"]


#: Where the records of each key tuple are in the example corpus.
LOCATE: dict[str, Callable[[Record], list[Record]]] = {
    "SECTIONS": lambda d: [d],
    "_CORPUS_KEYS": lambda d: [d["corpus"]],
    "_CONDITION_KEYS": lambda d: d["conditions"],
    "_MECHANISM_KEYS": lambda d: d["mechanisms"],
    "_SUBSTANCE_KEYS": lambda d: d["substances"],
    "_SOURCE_KEYS": lambda d: d["sources"],
    "_OUTCOME_KEYS": lambda d: d["outcomes"],
    "_STUDY_KEYS": lambda d: d["studies"],
    "_DOSE_KEYS": lambda d: [s["dose"] for s in d["studies"]],
    "_EFFECT_KEYS": lambda d: [e for s in d["studies"] for e in s.get("outcomes", [])],
    "_REGISTRATION_KEYS": lambda d: [s["registration"] for s in d["studies"]
                                     if "registration" in s],
    "_CLAIM_KEYS": lambda d: d["claims"],
    "_SCOPE_KEYS": lambda d: [c["scope"] for c in d["claims"] if "scope" in c],
    "_CLAIM_OUTCOME_KEYS": lambda d: [o for c in d["claims"] for o in c.get("outcomes", [])],
    "_EVIDENCE_KEYS": lambda d: [e for c in d["claims"] for e in c.get("evidence", [])],
    "_JUDGEMENTS_KEYS": lambda d: [c["judgements"] for c in d["claims"] if "judgements" in c],
    "_JUDGEMENT_KEYS": lambda d: [j for c in d["claims"]
                                  for j in c.get("judgements", {}).values()],
}

_DELETE = object()


def _edited(table: str, key: str, value: object = _DELETE) -> list[Problem]:
    """The problems of the example corpus with `key` deleted from (or set to `value` in) the
    first record of `table`'s kind."""
    data = copy.deepcopy(EXAMPLE)
    record = LOCATE[table](data)[0]
    if value is _DELETE:
        del record[key]
    else:
        record[key] = value
    return _problems(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode())


def _about(problem: Problem, key: str) -> bool:
    """Whether a problem is about the field `key` (or an item of it)."""
    return re.sub(r"\[\d+\]$", "", problem.field.rsplit(".", 1)[-1]) == key


def test_every_key_tuple_is_located_in_the_examples() -> None:
    assert set(LOCATE) == set(KEY_TUPLES), "add a locator for a new key tuple"
    for name, locate in LOCATE.items():
        assert locate(EXAMPLE), f"the examples hold no record of {name}"


@pytest.mark.parametrize("name", sorted(KEY_TUPLES))
def test_required_means_the_loader_requires_it(name: str) -> None:
    wrong = []
    present = {key for record in LOCATE[name](EXAMPLE) for key in record}
    for row in _field_rows(name):
        key = _code(row[0])
        if key not in LOCATE[name](EXAMPLE)[0]:
            assert row[2] != "required" or key not in present, (
                f"{name}: give the first example record its required `{key}`")
            continue
        missing = any(p.message == "required field is missing" and _about(p, key)
                      for p in _edited(name, key))
        if missing != (row[2] == "required"):
            wrong.append(f"{key}: documented {row[2]}, but without it the loader "
                         + ("reports" if missing else "does not report")
                         + " 'required field is missing'")
    assert not wrong, f"{name}: " + "; ".join(wrong)


@pytest.mark.parametrize("name", sorted(KEY_TUPLES))
def test_a_vocabulary_field_accepts_exactly_its_documented_values(name: str) -> None:
    wrong = []
    for row in _field_rows(name):
        link = re.fullmatch(r"one of \[(\w+)\]\(#([\w-]+)\)", row[1])
        if link is None:
            assert "one of" not in row[1], f"{name}.{row[0]}: write 'one of [Name](#name)'"
            continue
        vocabulary, anchor = link[1], link[2]
        assert anchor == vocabulary.lower(), f"{name}.{row[0]}: link to #{vocabulary.lower()}"
        key = _code(row[0])
        prefix = "'zz-not-a-value' is not one of: "
        listed = [p.message.removeprefix(prefix) for p in _edited(name, key, "zz-not-a-value")
                  if _about(p, key) and p.message.startswith(prefix)]
        if len(listed) != 1 or set(listed[0].split(", ")) != set(_vocabulary(vocabulary)):
            wrong.append(f"{key}: documented as {vocabulary}, the loader accepts {listed}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


@pytest.mark.parametrize("name", sorted(KEY_TUPLES))
def test_a_reference_field_names_the_section_the_loader_checks(name: str) -> None:
    wrong = []
    for row in _field_rows(name):
        found = re.fullmatch(r"(list of ids|id) from `(\w+)`", row[1])
        if found is None:
            continue
        key, section = _code(row[0]), found[2]
        value: object = ["zz-unknown"] if found[1] == "list of ids" else "zz-unknown"
        if not any(p.message == f"'zz-unknown' is not in {section}" and _about(p, key)
                   for p in _edited(name, key, value)):
            wrong.append(f"{key}: not checked against {section}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


_ONE_LINE = {"id", "one-line text", "list of one-line text"}
_PROSE = {"text", "list of text"}


@pytest.mark.parametrize("name", sorted(KEY_TUPLES))
def test_one_line_means_the_loader_refuses_control_characters(name: str) -> None:
    wrong = []
    for row in _field_rows(name):
        if row[1] not in _ONE_LINE | _PROSE:
            continue
        key = _code(row[0])
        value: object = ["a\tb"] if row[1].startswith("list") else "a\tb"
        refused = any(loader.is_control_problem(p) and _about(p, key)
                      for p in _edited(name, key, value))
        if refused != (row[1] in _ONE_LINE):
            wrong.append(f"{key}: documented as {row[1]}, but the loader "
                         + ("refuses" if refused else "accepts") + " a tab in it")
    assert not wrong, f"{name}: " + "; ".join(wrong)


def test_the_document_links_to_curation_and_grading() -> None:
    assert "](curation.md" in TEXT
    assert "](grading.md" in TEXT
