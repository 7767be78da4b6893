"""Load a corpus file into typed records, collecting every problem with its line and column.

One entry point, `check_corpus`, reads the YAML node tree section by section. Each record is
read field by field through `_Fields`, which knows where every value sits in the file, so a
problem is reported as `path:line:column: record.field: message (hint)`. Nothing stops at the
first problem: the whole file is checked and all problems come back together. `load_corpus`
is the strict form that raises `CorpusError` unless the file is clean of errors.

One-line fields (titles, names, aliases, authors, journals, identifiers, addresses, what an
effect measured...) may not hold control characters: tab, line breaks, NUL, escape, DEL, the C1
controls and the Unicode line and paragraph separators. The loader notes each as a warning, so
that every command still reads such a corpus (and prints those fields on one line, with the
characters as escapes); `painlit validate` and `draft --append` report them as errors
(`as_validated`). Fields of prose (descriptions, findings, notes, statements, quotes, the
search query) may span lines.
"""

from __future__ import annotations

import bisect
import functools
import gc
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar, cast

import yaml

from painlit.errors import CorpusError, Problem, Severity, closest
from painlit.model import (
    Better,
    Certainty,
    Claim,
    ClaimOutcome,
    ClaimScope,
    ClaimTopic,
    CoIntervention,
    Condition,
    Corpus,
    CorpusIndex,
    CorpusInfo,
    Direction,
    Domain,
    Dose,
    DoseCategory,
    Effect,
    Evidence,
    Importance,
    Judgement,
    Measure,
    Mechanism,
    Outcome,
    PainModel,
    Picked,
    Population,
    PublicationStatus,
    Regimen,
    Registration,
    Result,
    RiskOfBias,
    Source,
    Stance,
    Study,
    StudyDesign,
    Substance,
)
from painlit.parts import Part, unsafe
from painlit.yamlfile import compose, decode, document_node, read_bytes, refuse_dense

E = TypeVar("E", bound=Enum)
R = TypeVar("R")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    _TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_SEQ, _MAP = _TAG + "seq", _TAG + "map"
_SCALAR, _SEQUENCE, _MAPPING = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_CONSTRUCT = yaml.constructor.SafeConstructor()
#: `painlit draft` writes this into every field only a person can fill; no value may contain it.
CURATOR_MARKER = "TODO-curator"
CURATOR_MESSAGE = f"left for the curator by `painlit draft` ({CURATOR_MARKER})"
#: What a one-line field may not hold: C0 controls (tab and line feed among them), DEL, the C1
#: controls (NEL among them) and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_MESSAGE = "control character"
CONTROL_HINT = "remove it: titles, names and identifiers are one line of plain text"

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_PATTERN = re.compile(r"^[1-9]\d{0,8}$")
MESH_PATTERN = re.compile(r"^D\d{6}(\d{3})?$")
#: A verb in its base form, maybe with the words it needs: "reduce", "be associated with".
EFFECT_PATTERN = re.compile(r"^[a-z]+( [a-z]+){0,3}$")
PARTIAL_DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
REGISTRY_PATTERNS = {
    "ClinicalTrials.gov (NCT + 8 digits)": re.compile(r"^NCT\d{8}$"),
    "ISRCTN": re.compile(r"^ISRCTN\d{8}$"),
    "ANZCTR": re.compile(r"^ACTRN\d{14}$"),
    "DRKS": re.compile(r"^DRKS\d{8}$"),
    "EudraCT": re.compile(r"^\d{4}-\d{6}-\d{2}$"),
    "EU CTR": re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$"),
}
#: Sample sizes above this are almost certainly a typo (or a population count, not an n).
MAX_N = 10_000_000
#: Whole numbers written with more characters than this are refused as not valid.
MAX_NUMBER_TEXT = 1000
EARLIEST_YEAR = 1900
#: How many levels each GRADE domain may move certainty.
JUDGEMENT_LEVELS: dict[Domain, tuple[int, ...]] = {
    domain: (1, 2) if domain is Domain.UPGRADE else (0, -1, -2) for domain in Domain
}

SECTIONS = ("corpus", "conditions", "mechanisms", "substances", "sources", "outcomes", "studies",
            "claims")
#: The short sections: every id in them is known before the long sections are read.
SMALL_SECTIONS = ("conditions", "mechanisms", "substances", "sources", "outcomes")


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {
        _STR: "text", _INT: "a number", _FLOAT: "a number", _BOOL: "true/false",
        _NULL: "nothing", _TIMESTAMP: "a date",
    }.get(node.tag, f"a value tagged {node.tag}")


def _did_you_mean(word: str, choices: list[str]) -> str | None:
    found = closest(word, choices, n=1)
    return f"did you mean '{found[0]}'?" if found else None


#: (line, column), 1-based, in the whole file.
Position = tuple[int, int]


#: A file with more errors than this is not read further: the first ones are reported with a
#: note. (A hostile file of a million empty records would otherwise make millions of
#: problems, gigabytes of them.)
MAX_ERRORS = 1000


class _TooManyProblems(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("too many problems")
        self.problems = problems


class _Context:
    """Where problems go, plus the references to check once every section is read."""

    def __init__(self, path: str, line_offset: int = 0) -> None:
        self.path = path
        # Lines before the text being read (a part of a larger file: painlit.parts).
        self.line_offset = line_offset
        # Years after this are implausible; set from the corpus's last search date once read.
        self.latest_year = date.today().year + 1
        self.problems: list[Problem] = []
        self.errors = 0
        # (section the value must name, value, where, record, field)
        self.references: list[tuple[str, str, Position, str, str]] = []

    def position(self, node: yaml.Node | None) -> Position:
        """1-based line and column of a node in the whole file; (0, 0) for none."""
        if node is None:
            return (0, 0)
        return (node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1)

    def add(self, node: yaml.Node | None, record: str, field: str, message: str,
            hint: str | None = None, severity: Severity = Severity.ERROR) -> None:
        self.add_at(self.position(node), record, field, message, hint, severity)

    def add_at(self, where: Position, record: str, field: str, message: str,
               hint: str | None = None, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(
            Problem(self.path, where[0], where[1], record, field, message, hint, severity)
        )
        if severity is Severity.ERROR:
            self.errors += 1
            if self.errors >= MAX_ERRORS:
                raise _TooManyProblems(self.problems)

    def refer(self, section: str, value: str, node: yaml.Node, record: str, field: str) -> None:
        self.references.append((section, value, self.position(node), record, field))


class _Fields:
    """One YAML mapping read key by key; keys never read are reported as unknown."""

    def __init__(self, ctx: _Context, node: yaml.MappingNode, record: str,
                 allowed: tuple[str, ...], prefix: str = "", *, defer: bool = False) -> None:
        self.ctx, self.node, self.record, self.prefix = ctx, node, record, prefix
        # Key problems are held back until the record's id is known (`report_keys`), so
        # they name the record rather than its position in the list.
        self._key_problems: list[tuple[yaml.Node, str, str, str | None]] = []
        self.values: dict[str, yaml.Node] = _plain_keys(node.value, _key_set(allowed))
        if len(self.values) != len(node.value):
            self._collect_keys(node, allowed)
            if not defer:
                self.report_keys()

    def report_keys(self) -> None:
        for node, field, message, hint in self._key_problems:
            self.ctx.add(node, self.record, field, message, hint)
        self._key_problems.clear()

    def _collect_keys(self, node: yaml.MappingNode, allowed: tuple[str, ...]) -> None:
        """Every key one by one, each problem noted (when not all keys are plain, known and
        different: `_plain_keys`)."""
        prefix = self.prefix
        problems = self._key_problems
        self.values = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                problems.append((key_node, prefix.rstrip("."), "keys must be plain text", None))
                continue
            key = key_node.value
            if key in self.values:
                problems.append((key_node, prefix + key, "key appears twice in this record",
                                 None))
                continue
            if key not in allowed:
                problems.append((key_node, prefix + key, "unknown key",
                                 _did_you_mean(key, list(allowed))
                                 or "allowed: " + ", ".join(allowed)))
                continue
            self.values[key] = value_node

    def _problem(self, node: yaml.Node | None, key: str, message: str,
                 hint: str | None = None) -> None:
        self.ctx.add(node, self.record, self.prefix + key, message, hint)

    def _one_line(self, node: yaml.Node, key: str, value: str) -> None:
        """Note a control character in a one-line field (a warning here; an error for
        `painlit validate`, see `as_validated`)."""
        if value.isprintable():  # the usual case, in one step
            return
        found = _CONTROL.search(value)
        if found is not None:
            self.ctx.add(node, self.record, self.prefix + key,
                         f"{CONTROL_MESSAGE} U+{ord(found.group()):04X} in a one-line field",
                         CONTROL_HINT, Severity.WARNING)

    def present(self, key: str) -> bool:
        return key in self.values and not _is_null(self.values[key])

    def node_of(self, key: str) -> yaml.Node | None:
        return self.values.get(key)

    def _get(self, key: str, required: bool) -> yaml.Node | None:
        node = self.values.get(key)
        if node is None or (node.tag == _NULL and isinstance(node, yaml.ScalarNode)):
            if required:
                self._problem(node or self.node, key, "required field is missing")
            return None
        return node

    def _scalar(self, node: yaml.Node, key: str) -> object:
        """The Python value of a scalar node, or _INVALID after reporting why not."""
        if not isinstance(node, yaml.ScalarNode):
            self._problem(node, key, f"expected a single value, found {_describe(node)}")
            return _INVALID
        try:
            if node.tag == _STR:
                if CURATOR_MARKER in node.value:
                    self._problem(node, key, CURATOR_MESSAGE, "fill it in from the paper or "
                                  "registry page; docs/curation.md says what each field means")
                    return _INVALID
                return str(node.value)
            if node.tag == _INT:
                # Long hex or binary digits make ints Python refuses to print in decimal, and
                # a long 1:2:3... (base 60) takes quadratic time to build: no corpus number.
                if len(node.value) > MAX_NUMBER_TEXT:
                    raise ValueError(node.value)
                return _CONSTRUCT.construct_yaml_int(node)
            if node.tag == _FLOAT:
                return _CONSTRUCT.construct_yaml_float(node)
            if node.tag == _BOOL:
                return _CONSTRUCT.construct_yaml_bool(node)
            if node.tag == _TIMESTAMP:
                return _CONSTRUCT.construct_yaml_timestamp(node)
        # PyYAML's constructors trust the resolver, so an explicit tag on a value that does not
        # fit (`!!bool maybe`, `!!int ''`, `!!timestamp nope`) fails in other ways too.
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, yaml.YAMLError):
            wanted = _describe(node).removeprefix("a ")
            self._problem(node, key, f"'{node.value}' is not a valid {wanted}")
            return _INVALID
        self._problem(node, key, f"YAML tag '{node.tag}' is not allowed here",
                      "a corpus holds only plain text, numbers, dates, lists and mappings")
        return _INVALID

    def _value(self, key: str, required: bool) -> tuple[yaml.Node, object] | None:
        """A single value's node and Python value; None when it is missing (a problem if
        required) or invalid (a problem)."""
        node = self._get(key, required)
        if node is None:
            return None
        value = self._scalar(node, key)
        return None if value is _INVALID else (node, value)

    def text(self, key: str, *, required: bool = False, line: bool = False) -> str | None:
        """Text; with `line`, a one-line field (no control characters)."""
        node = self.values.get(key)
        if node is not None and node.__class__ is _SCALAR and node.tag == _STR:
            plain: str = node.value  # the usual case first: plain, non-blank text
            if plain.strip() and CURATOR_MARKER not in plain:
                if line and not plain.isprintable():
                    self._one_line(node, key, plain)
                return plain
        found = self._value(key, required)
        if found is None:
            return None
        node, value = found
        if not isinstance(value, str):
            self._problem(node, key, f"expected text, found {_describe(node)}",
                          "put the value in quotes")
            return None
        if not value.strip():
            if required:
                self._problem(node, key, "must not be empty")
            return None
        if line:
            self._one_line(node, key, value)
        return value

    def identifier(self, key: str, *, required: bool = False) -> str | None:
        """Text that may have been written as a bare number (a PMID, a version)."""
        node = self._get(key, required)
        if node is None:
            return None
        value = self._scalar(node, key)
        if isinstance(value, bool) or not isinstance(value, str | int):
            if value is not _INVALID:
                self._problem(node, key, f"expected text, found {_describe(node)}")
            return None
        # As written, not as YAML 1.1 reads it: `012345` is not octal 5349, `1_234` not 1234.
        written = str(node.value).strip()
        if written:
            self._one_line(node, key, written)
        return written or None

    def integer(self, key: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None, what: str = "") -> int | None:
        node = self.values.get(key)
        if (node is not None and node.__class__ is _SCALAR and node.tag == _INT
                and node.value.isascii() and node.value.isdigit() and node.value[0] != "0"
                and len(node.value) < 19):
            value: object = int(node.value)  # the usual case: plain decimal digits, no octal
        else:
            found = self._value(key, required)
            if found is None:
                return None
            node, value = found
        if isinstance(value, bool) or not isinstance(value, int):
            self._problem(node, key, f"expected a whole number, found {_describe(node)}")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self._problem(node, key, f"{value} is not a plausible {what or key}",
                          f"expected {minimum}..{maximum}")
            return None
        return value

    def number(self, key: str, *, positive: bool = False) -> float | None:
        """A number as reported (whole or decimal); never NaN or infinite."""
        node = self._get(key, False)
        return None if node is None else self._number(node, key, positive)

    def _number(self, node: yaml.Node, key: str, positive: bool = False) -> float | None:
        value = self._scalar(node, key)
        if value is _INVALID:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._problem(node, key, f"expected a number, found {_describe(node)}",
                          "write the number as reported, e.g. -0.69")
            return None
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")) or (
                positive and number <= 0):
            self._problem(node, key, f"'{node.value}' is not a usable number")
            return None
        return number

    def interval(self, key: str) -> tuple[float, float] | None:
        """A 95% confidence interval written [low, high]."""
        node = self._get(key, False)
        if node is None:
            return None
        hint = "write the bounds as reported, e.g. [0.12, 1.4]"
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != 2:
            self._problem(node, key, "expected two numbers [low, high]", hint)
            return None
        bounds = []
        for index, item in enumerate(node.value):
            bound = self._number(item, f"{key}[{index}]")
            if bound is None:
                return None
            bounds.append(bound)
        if bounds[0] > bounds[1]:
            self._problem(node, key, "the lower bound is above the upper bound", hint)
            return None
        return bounds[0], bounds[1]

    def boolean(self, key: str) -> bool | None:
        node = self._get(key, False)
        if node is None:
            return None
        value = self._scalar(node, key)
        if not isinstance(value, bool):
            if value is not _INVALID:
                self._problem(node, key, f"expected true or false, found {_describe(node)}")
            return None
        return value

    def day(self, key: str, *, required: bool = False) -> date | None:
        node = self._get(key, required)
        if node is None:
            return None
        value = self._scalar(node, key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if value is not _INVALID:
            self._problem(node, key, f"expected a date (YYYY-MM-DD), found {_describe(node)}")
        return None

    def partial_date(self, key: str) -> str | None:
        """A date as registries show it: YYYY, YYYY-MM or YYYY-MM-DD."""
        node = self._get(key, False)
        if node is None:
            return None
        value = self._scalar(node, key)
        if isinstance(value, date):
            return value.isoformat()[:10]
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and PARTIAL_DATE_PATTERN.match(value):
            return value
        if value is not _INVALID:
            self._problem(node, key, "expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
        return None

    def choice(self, key: str, enum_type: type[E], *, required: bool = False) -> E | None:
        node = self.values.get(key)
        if node is not None and node.__class__ is _SCALAR and node.tag == _STR:
            member = _members(enum_type).get(node.value)
            if member is not None:  # the usual case
                return member  # type: ignore[return-value]
        found = self._value(key, required)
        if found is None:
            return None
        node, value = found
        members = _members(enum_type)
        if isinstance(value, str) and value in members:
            return members[value]  # type: ignore[return-value]
        allowed = list(members)
        self._problem(node, key, f"'{node.value}' is not one of: {', '.join(allowed)}",
                      _did_you_mean(str(node.value), allowed))
        return None

    def _plain_list(self, key: str, required: bool) -> tuple[str, ...] | None:
        """The list's values when it is a plain list of plain, non-blank text (and not empty
        when required): the usual case, in few steps; None when the full checks must decide."""
        node = self.values.get(key)
        if node is None or node.__class__ is not _SEQUENCE or node.tag != _SEQ:
            return None
        plain = _plain_texts(node.value)
        return plain if plain is not None and (plain or not required) else None

    def texts(self, key: str, *, required: bool = False, line: bool = False
              ) -> tuple[str, ...]:
        """A list of text; with `line`, of one-line values (no control characters)."""
        plain = self._plain_list(key, required)
        if plain is not None:
            if line and not all(value.isprintable() for value in plain):
                for index, item in enumerate(self.values[key].value):
                    self._one_line(item, f"{key}[{index}]", item.value)
            return plain
        node = self._get(key, required)
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self._problem(node, key, f"expected a list, found {_describe(node)}",
                          f"write it as [{node.value}]" if isinstance(node, yaml.ScalarNode)
                          else None)
            return ()
        if not _plain_collection(self.ctx, node, self.record, self.prefix + key):
            return ()
        values = []
        for index, item in enumerate(node.value):
            if _is_null(item):
                self._problem(item, f"{key}[{index}]", "expected text, found nothing")
                continue
            value = self._scalar(item, f"{key}[{index}]")
            if isinstance(value, str) and value.strip():
                if line:
                    self._one_line(item, f"{key}[{index}]", value)
                values.append(value)
            elif value is not _INVALID:
                self._problem(item, f"{key}[{index}]", f"expected text, found {_describe(item)}")
        if required and not values:
            self._problem(node, key, "must list at least one value")
        return tuple(values)

    def references(self, key: str, section: str, *, required: bool = False) -> tuple[str, ...]:
        node = self.values.get(key)
        plain = self._plain_list(key, required)
        if plain is not None and node is not None and len(set(plain)) == len(plain):
            for item in node.value:  # the usual case: plain text, each value once
                self.ctx.refer(section, item.value, item, self.record, self.prefix + key)
            return plain
        values = self.texts(key, required=required)
        if isinstance(node, yaml.SequenceNode):
            seen: set[str] = set()
            for item in node.value:
                if (isinstance(item, yaml.ScalarNode) and item.tag == _STR
                        and CURATOR_MARKER not in item.value):
                    if item.value in seen:
                        self._problem(item, key, f"'{item.value}' is listed twice")
                    seen.add(item.value)
                    self.ctx.refer(section, item.value, item, self.record, self.prefix + key)
        return tuple(dict.fromkeys(values))

    def reference(self, key: str, section: str, *, required: bool = False) -> str | None:
        value = self.text(key, required=required)
        node = self.values.get(key)
        if value is not None and node is not None:
            self.ctx.refer(section, value, node, self.record, self.prefix + key)
        return value

    def mapping(self, key: str, allowed: tuple[str, ...], *,
                required: bool = False) -> _Fields | None:
        node = self._get(key, required)
        if node is None:
            return None
        if not isinstance(node, yaml.MappingNode):
            self._problem(node, key, f"expected a mapping, found {_describe(node)}")
            return None
        if not _plain_collection(self.ctx, node, self.record, self.prefix + key):
            return None
        return _Fields(self.ctx, node, self.record, allowed, self.prefix + key + ".")

    def items(self, key: str) -> Iterator[tuple[int, yaml.MappingNode]]:
        """The mappings of a list of records, reporting items that are not mappings."""
        node = self._get(key, False)
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            self._problem(node, key, f"expected a list, found {_describe(node)}")
            return
        if not _plain_collection(self.ctx, node, self.record, self.prefix + key):
            return
        yield from _list_items(self.ctx, node, key, self.record, self.prefix)


def _list_items(ctx: _Context, node: yaml.SequenceNode, key: str, record: str, prefix: str = "",
                *, first_index: int = 0) -> Iterator[tuple[int, yaml.MappingNode]]:
    """The mappings of a list of records, reporting items that are not mappings."""
    for index, item in enumerate(node.value, first_index):
        if item.__class__ is _MAPPING and item.tag == _MAP:  # the usual case
            yield index, item
        elif isinstance(item, yaml.MappingNode):
            if _plain_collection(ctx, item, f"{key}[{index}]", ""):
                yield index, item
        else:
            ctx.add(item, record, f"{prefix}{key}[{index}]",
                    f"expected a mapping, found {_describe(item)}")


def _plain_texts(items: list[yaml.Node]) -> tuple[str, ...] | None:
    """The values of a list when each is plain, non-blank text a curator filled in (the usual
    case, in few steps); None when the full checks must decide."""
    values = []
    for item in items:
        if item.__class__ is not _SCALAR or item.tag != _STR:
            return None
        value: str = item.value
        if not value.strip() or CURATOR_MARKER in value:
            return None
        values.append(value)
    return tuple(values)


def _plain_keys(pairs: list[tuple[yaml.Node, yaml.Node]], known: frozenset[str]
                ) -> dict[str, yaml.Node]:
    """A mapping's values by key when every key is plain text, allowed and used once (the
    usual case, in few steps); otherwise an empty dict."""
    values: dict[str, yaml.Node] = {}
    for key_node, value_node in pairs:
        if key_node.__class__ is not _SCALAR or key_node.tag != _STR:
            return {}
        values[key_node.value] = value_node
    if len(values) != len(pairs) or not known.issuperset(values):
        return {}
    return values


@functools.cache
def _key_set(allowed: tuple[str, ...]) -> frozenset[str]:
    return frozenset(allowed)


@functools.cache
def _members(enum_type: type[Enum]) -> dict[str, Enum]:
    """An enum's members by value, looked up once, not for every field of every record."""
    return {str(member.value): member for member in enum_type}


class _Invalid:
    """Marks a value that was already reported as a problem."""


_INVALID = _Invalid()


def _plain_collection(ctx: _Context, node: yaml.Node, record: str, field: str) -> bool:
    """False (with a problem) when a list or mapping carries a tag such as !!python/object."""
    if node.tag in (_SEQ, _MAP):
        return True
    ctx.add(node, record, field, f"YAML tag '{node.tag}' is not allowed here",
            "a corpus holds only plain text, numbers, dates, lists and mappings")
    return False


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


# --- section readers -------------------------------------------------------------------------

_CORPUS_KEYS = ("title", "version", "last_search", "search_query")
_CONDITION_KEYS = ("id", "name", "aliases", "mesh", "parent", "description")
_MECHANISM_KEYS = ("id", "name", "description", "aliases")
_SUBSTANCE_KEYS = ("id", "name", "aliases")
_SOURCE_KEYS = ("id", "title", "kind", "year", "url", "note")
_OUTCOME_KEYS = ("id", "name", "harm", "description")
_STUDY_KEYS = (
    "id", "title", "authors", "year", "journal", "doi", "pmid", "registry", "trial", "url",
    "design", "population", "n", "substances", "dose", "regimen", "co_intervention",
    "conditions", "mechanisms", "pain_model", "outcome", "finding", "direction", "outcomes",
    "risk_of_bias", "bias_note", "status", "registration", "unverified",
)
_EFFECT_KEYS = ("outcome", "measured", "comparator", "time_point", "measure", "value", "ci", "p",
                "better", "n", "mid", "result", "note")
_DOSE_KEYS = ("category", "reported")
_REGISTRATION_KEYS = (
    "status", "start", "completion", "enrolment", "enrolment_type", "results_posted", "sponsor",
    "status_read", "last_update",
)
_CLAIM_KEYS = (
    "id", "statement", "quote", "intervention", "effect", "outcome", "topic", "scope",
    "outcomes", "sources", "conditions", "mechanisms", "evidence", "judgements", "certainty",
    "notes",
)
_SCOPE_KEYS = ("population", "dose", "pain_model", "substances", "regimen", "co_intervention")
_CLAIM_OUTCOME_KEYS = ("outcome", "importance")
_EVIDENCE_KEYS = ("study", "outcome", "stance", "note")
_JUDGEMENT_KEYS = ("levels", "reason")
_JUDGEMENTS_KEYS = tuple(domain.value for domain in Domain)


def _record_id(ctx: _Context, fields: _Fields, section: str, index: int) -> str | None:
    """Read and check the record's id; the fields' record label becomes that id."""
    fields.record = f"{section}[{index}]"
    value = fields.text("id", required=True, line=True)
    if value is None:
        return None
    if not ID_PATTERN.match(value):
        fields._problem(fields.node_of("id"), "id", f"'{value}' is not a valid id",
                        "use lowercase letters, digits and hyphens, e.g. smith-2021")
        return None
    fields.record = value
    return value


def _url(fields: _Fields, key: str = "url") -> str | None:
    value = fields.text(key, line=True)
    if value is not None and not value.startswith(("https://", "http://")):
        fields._problem(fields.node_of(key), key, "expected a web address starting with https://")
        return None
    return value


def _read_info(ctx: _Context, root: _Fields) -> CorpusInfo | None:
    fields = root.mapping("corpus", _CORPUS_KEYS, required=True)
    if fields is None:
        return None
    fields.record, fields.prefix = "corpus", ""
    title = fields.text("title", required=True, line=True)
    version = fields.identifier("version", required=True)
    last_search = fields.day("last_search", required=True)
    query = fields.text("search_query", required=True)
    if title is None or version is None or last_search is None or query is None:
        return None
    return CorpusInfo(title, version, last_search, query)


class _Read(NamedTuple, Generic[R]):
    """One list item as read: its record (None when unreadable) and where it and its id are."""

    record_id: str | None
    record: R | None
    where: Position
    id_where: Position


def _read_items(ctx: _Context, items: Iterable[tuple[int, yaml.MappingNode]], section: str,
                allowed: tuple[str, ...], read: Callable[[_Fields, str], R | None]
                ) -> list[_Read[R]]:
    found: list[_Read[R]] = []
    shared: set[int] = set()
    for index, node in items:
        if id(node) in shared:  # an alias repeating a whole record would multiply records
            ctx.add(node, f"{section}[{index}]", "", "repeats another record through a YAML alias",
                    "write each record out in full")
            continue
        shared.add(id(node))
        fields = _Fields(ctx, node, f"{section}[{index}]", allowed, defer=True)
        record_id = _record_id(ctx, fields, section, index)
        fields.report_keys()
        record = read(fields, record_id or "")
        found.append(_Read(record_id, record, ctx.position(node),
                           ctx.position(fields.node_of("id"))))
    return found


def _keep_unique(ctx: _Context, reads: Iterable[_Read[R]]) -> list[tuple[R, Position]]:
    """The records read, each id once: a repeated id is reported and its record dropped."""
    records: list[tuple[R, Position]] = []
    seen: dict[str, int] = {}
    for item in reads:
        if item.record_id is not None and item.record_id in seen:
            ctx.add_at(item.id_where, item.record_id, "id",
                       f"duplicate id (first used on line {seen[item.record_id]})")
            continue
        if item.record_id is not None:
            seen[item.record_id] = item.where[0]
        if item.record is not None and item.record_id is not None:
            records.append((item.record, item.where))
    return records


def _read_section(ctx: _Context, root: _Fields, section: str, allowed: tuple[str, ...],
                  read: Callable[[_Fields, str], R | None]) -> list[tuple[R, Position]]:
    return _keep_unique(ctx, _read_items(ctx, root.items(section), section, allowed, read))


def _read_condition(fields: _Fields, record_id: str) -> Condition | None:
    name = fields.text("name", required=True, line=True)
    aliases = fields.texts("aliases", line=True)
    mesh = fields.text("mesh", line=True)
    if mesh is not None and not MESH_PATTERN.match(mesh):
        fields._problem(fields.node_of("mesh"), "mesh", f"'{mesh}' is not a MeSH descriptor id",
                        "descriptor ids look like D005356")
        mesh = None
    parent = fields.reference("parent", "conditions")
    description = fields.text("description")
    if parent is not None and parent == record_id:
        fields._problem(fields.node_of("parent"), "parent", "a condition cannot be its own parent")
        parent = None
    if name is None:
        return None
    return Condition(record_id, name, aliases, mesh, parent, description)


def _read_mechanism(fields: _Fields, record_id: str) -> Mechanism | None:
    name = fields.text("name", required=True, line=True)
    description = fields.text("description", required=True)
    aliases = fields.texts("aliases", line=True)
    if name is None or description is None:
        return None
    return Mechanism(record_id, name, description, aliases)


def _read_substance(fields: _Fields, record_id: str) -> Substance | None:
    name = fields.text("name", required=True, line=True)
    aliases = fields.texts("aliases", line=True)
    return Substance(record_id, name, aliases) if name is not None else None


def _read_source(fields: _Fields, record_id: str) -> Source | None:
    title = fields.text("title", required=True, line=True)
    kind = fields.text("kind", required=True, line=True)
    year = fields.integer("year", minimum=EARLIEST_YEAR, maximum=fields.ctx.latest_year,
                          what="year")
    url = _url(fields)
    note = fields.text("note")
    if title is None or kind is None:
        return None
    return Source(record_id, title, kind, year, url, note)


def _read_outcome(fields: _Fields, record_id: str) -> Outcome | None:
    name = fields.text("name", required=True, line=True)
    harm = fields.boolean("harm")
    description = fields.text("description")
    return Outcome(record_id, name, bool(harm), description) if name is not None else None


def _read_effects(fields: _Fields) -> tuple[Effect, ...]:
    """A study's measured outcomes, each with its effect as reported."""
    effects = []
    for index, node in fields.items("outcomes"):
        item = _Fields(fields.ctx, node, fields.record, _EFFECT_KEYS, f"outcomes[{index}].")
        outcome = item.reference("outcome", "outcomes", required=True)
        measured = item.text("measured", required=True, line=True)
        comparator = item.text("comparator", line=True)
        time_point = item.text("time_point", line=True)
        measure = item.choice("measure", Measure)
        value = item.number("value")
        ci = item.interval("ci")
        p = item.identifier("p")
        better = item.choice("better", Better)
        n = item.integer("n", minimum=1, maximum=MAX_N, what="sample size")
        mid = item.number("mid", positive=True)
        result = item.choice("result", Result)
        note = item.text("note")
        if measure is None and (value is not None or ci is not None):
            item._problem(item.node_of("value") or item.node_of("ci"), "measure",
                          "a reported value needs its measure",
                          "e.g. measure: cohens-d (docs/curation.md lists them)")
        comparative = measure is not None and (
            measure.is_standardised or measure.is_ratio or measure.is_difference)
        if comparative and value is not None and better is None and not item.present("better"):
            item._problem(item.node_of("value"), "better",
                          "say which direction of the value favours the intervention",
                          "better: lower (e.g. fewer attacks) or better: higher")
        if ci is not None and value is not None and not ci[0] <= value <= ci[1]:
            item._problem(item.node_of("ci"), "ci", "the value lies outside its interval")
        if outcome is not None and measured is not None:
            effects.append(Effect(
                outcome, measured, comparator, time_point, measure, value,
                ci[0] if ci else None, ci[1] if ci else None, p, better, n, mid, result, note))
    return tuple(effects)


def _read_registry(fields: _Fields) -> str | None:
    value = fields.text("registry", line=True)
    if value is None:
        return None
    if not any(pattern.match(value) for pattern in REGISTRY_PATTERNS.values()):
        fields._problem(fields.node_of("registry"), "registry",
                        f"'{value}' is not a trial registry id",
                        "expected e.g. NCT01234567 (" + ", ".join(REGISTRY_PATTERNS) + ")")
        return None
    return value


def _read_doi(fields: _Fields) -> str | None:
    value = fields.text("doi", line=True)
    if value is None:
        return None
    stripped = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE)
    if stripped != value:
        fields._problem(fields.node_of("doi"), "doi", "store the bare DOI",
                        f"write '{stripped}'")
        return None
    if not DOI_PATTERN.match(value):
        fields._problem(fields.node_of("doi"), "doi", f"'{value}' is not a DOI",
                        "DOIs look like 10.1177/2049463722109189")
        return None
    return value


def _read_pmid(fields: _Fields) -> str | None:
    value = fields.identifier("pmid")
    if value is not None and not PMID_PATTERN.match(value):
        fields._problem(fields.node_of("pmid"), "pmid", f"'{value}' is not a PubMed id",
                        "PMIDs are 1 to 9 digits")
        return None
    return value


def _read_registration(fields: _Fields) -> Registration | None:
    block = fields.mapping("registration", _REGISTRATION_KEYS)
    if block is None:
        return None
    status = block.text("status", required=True, line=True)
    start = block.partial_date("start")
    completion = block.partial_date("completion")
    enrolment = block.integer("enrolment", minimum=0, maximum=MAX_N, what="enrolment")
    enrolment_type = block.text("enrolment_type", line=True)
    if enrolment_type is not None and enrolment_type not in ("actual", "estimated"):
        block._problem(block.node_of("enrolment_type"), "enrolment_type",
                       f"'{enrolment_type}' is not one of: actual, estimated",
                       _did_you_mean(enrolment_type, ["actual", "estimated"]))
    results_posted = block.boolean("results_posted")
    sponsor = block.text("sponsor", line=True)
    status_read = block.day("status_read")
    last_update = block.partial_date("last_update")
    if status is None:
        return None
    return Registration(status, start, completion, enrolment, enrolment_type, results_posted,
                        sponsor, status_read, last_update)


def _read_study(fields: _Fields, record_id: str) -> Study | None:
    title = fields.text("title", required=True, line=True)
    authors = fields.texts("authors", line=True)
    year = fields.integer("year", required=True, minimum=EARLIEST_YEAR,
                          maximum=fields.ctx.latest_year, what="year")
    journal = fields.text("journal", line=True)
    doi = _read_doi(fields)
    pmid = _read_pmid(fields)
    registry = _read_registry(fields)
    trial = fields.text("trial", line=True)
    url = _url(fields)
    design = fields.choice("design", StudyDesign, required=True)
    population = fields.choice("population", Population, required=True)
    n = fields.integer("n", minimum=1, maximum=MAX_N, what="sample size")
    substances = fields.references("substances", "substances")
    dose_fields = fields.mapping("dose", _DOSE_KEYS, required=True)
    dose_category = dose_reported = None
    if dose_fields is not None:
        dose_category = dose_fields.choice("category", DoseCategory, required=True)
        dose_reported = dose_fields.text("reported", line=True)
    regimen = fields.choice("regimen", Regimen)
    co_intervention = fields.choice("co_intervention", CoIntervention)
    conditions = fields.references("conditions", "conditions")
    mechanisms = fields.references("mechanisms", "mechanisms")
    pain_model = fields.choice("pain_model", PainModel) or PainModel.NONE
    outcome = fields.text("outcome")
    finding = fields.text("finding")
    direction = fields.choice("direction", Direction) or Direction.NOT_APPLICABLE
    effects = _read_effects(fields)
    risk_of_bias = fields.choice("risk_of_bias", RiskOfBias) or RiskOfBias.NOT_ASSESSED
    bias_note = fields.text("bias_note")
    status = fields.choice("status", PublicationStatus, required=True)
    registration = _read_registration(fields)
    unverified = fields.texts("unverified")

    if design is StudyDesign.TRIAL_REGISTRATION:
        if registration is None and not fields.present("registration"):
            fields._problem(fields.node_of("id"), "registration",
                            "a trial registration needs a registration block",
                            "add registration: {status: ..., completion: ...}")
        if registry is None and not fields.present("registry"):
            fields._problem(fields.node_of("id"), "registry", "a trial registration needs its id")
    elif fields.present("registration"):
        fields._problem(fields.node_of("registration"), "registration",
                        "only trial-registration records have a registration block",
                        "put the registry id in `registry`")
    if not (doi or pmid or registry) and not any(
        fields.present(key) for key in ("doi", "pmid", "registry")
    ):
        fields._problem(fields.node_of("id"), "", "has no DOI, PMID or registry id",
                        "every study must be traceable to a public record")
    if url is None and not fields.present("url"):
        fields.ctx.add(fields.node_of("id"), record_id or fields.record, "url",
                       "no url of the page the record was verified on",
                       severity=Severity.WARNING)

    if (title is None or year is None or design is None or population is None
            or dose_category is None or status is None or not record_id):
        return None
    return Study(
        id=record_id, title=title, year=year, design=design, population=population,
        dose=Dose(dose_category, dose_reported), status=status, authors=authors,
        journal=journal, doi=doi, pmid=pmid, registry=registry, url=url, n=n,
        substances=substances, conditions=conditions, mechanisms=mechanisms,
        pain_model=pain_model, outcome=outcome, finding=finding, direction=direction,
        risk_of_bias=risk_of_bias, bias_note=bias_note, registration=registration,
        unverified=unverified, trial=trial, regimen=regimen, co_intervention=co_intervention,
        outcomes=effects, line=fields.ctx.position(fields.node)[0],
    )


def _read_claim_outcomes(fields: _Fields) -> tuple[ClaimOutcome, ...]:
    outcomes: list[ClaimOutcome] = []
    for index, node in fields.items("outcomes"):
        item = _Fields(fields.ctx, node, fields.record, _CLAIM_OUTCOME_KEYS,
                       f"outcomes[{index}].")
        outcome = item.reference("outcome", "outcomes", required=True)
        importance = item.choice("importance", Importance) or Importance.CRITICAL
        if outcome is not None and any(o.outcome == outcome for o in outcomes):
            item._problem(item.node_of("outcome"), "outcome", f"'{outcome}' is listed twice")
        elif outcome is not None:
            outcomes.append(ClaimOutcome(outcome, importance))
    return tuple(outcomes)


def _read_evidence(fields: _Fields, outcomes: tuple[ClaimOutcome, ...]) -> tuple[Evidence, ...]:
    """The claim's evidence links; with one claim outcome, a link without one is about it."""
    evidence: list[Evidence] = []
    seen: set[tuple[str, str | None]] = set()
    names = [o.outcome for o in outcomes]
    for index, node in fields.items("evidence"):
        item = _Fields(fields.ctx, node, fields.record, _EVIDENCE_KEYS, f"evidence[{index}].")
        study = item.reference("study", "studies", required=True)
        outcome = item.text("outcome", line=True)
        stance = item.choice("stance", Stance, required=True)
        note = item.text("note", required=True)
        if outcome is not None and outcome not in names:
            item._problem(item.node_of("outcome"), "outcome",
                          f"'{outcome}' is not one of the claim's outcomes"
                          if names else "the claim lists no outcomes",
                          _did_you_mean(outcome, names) if names else "add it to `outcomes`")
            continue
        if outcome is None and len(names) == 1:
            outcome = names[0]
        elif (outcome is None and len(names) > 1 and stance is not None
              and stance is not Stance.CONTEXT):
            item._problem(item.node_of("study"), "outcome",
                          "the claim has several outcomes: name the one this study bears on",
                          "one of " + ", ".join(names))
            continue
        if study is not None and (study, outcome) in seen:
            item._problem(item.node_of("study"), "study", f"'{study}' is linked twice" + (
                f" for {outcome}" if outcome else ""))
            continue
        if study is not None:
            seen.add((study, outcome))
        if study is not None and stance is not None and note is not None:
            evidence.append(Evidence(study, stance, note, outcome))
    return tuple(evidence)


def _read_judgements(fields: _Fields) -> tuple[Judgement, ...]:
    block = fields.mapping("judgements", _JUDGEMENTS_KEYS)
    if block is None:
        return ()
    judgements = []
    for key in list(block.values):
        domain = Domain(key)
        item = block.mapping(key, _JUDGEMENT_KEYS)
        if item is None:
            continue
        allowed = JUDGEMENT_LEVELS[domain]
        levels = item.integer("levels", required=True)
        reason = item.text("reason", required=True)
        if levels is not None and levels not in allowed:
            item._problem(item.node_of("levels"), "levels",
                          f"{levels} is not allowed for {key}",
                          "one of " + ", ".join(str(level) for level in allowed))
            continue
        if levels is not None and reason is not None:
            judgements.append(Judgement(domain, levels, reason))
    return tuple(judgements)


def _read_claim(fields: _Fields, record_id: str) -> Claim | None:
    statement = fields.text("statement", required=True)
    quote = fields.text("quote")
    intervention = fields.text("intervention", required=True, line=True)
    effect = fields.text("effect", required=True, line=True)
    if effect is not None and not EFFECT_PATTERN.match(effect):
        fields._problem(fields.node_of("effect"), "effect",
                        "expected one lowercase verb in its base form", "e.g. reduce")
        effect = None
    outcome = fields.text("outcome", required=True, line=True)
    topic = fields.choice("topic", ClaimTopic, required=True)
    scope = ClaimScope()
    scope_fields = fields.mapping("scope", _SCOPE_KEYS)
    if scope_fields is not None:
        scope = ClaimScope(
            scope_fields.choice("population", Population),
            scope_fields.choice("dose", DoseCategory),
            scope_fields.choice("pain_model", PainModel),
            scope_fields.references("substances", "substances"),
            scope_fields.choice("regimen", Regimen),
            scope_fields.choice("co_intervention", CoIntervention),
        )
    outcomes = _read_claim_outcomes(fields)
    sources = fields.references("sources", "sources")
    conditions = fields.references("conditions", "conditions")
    mechanisms = fields.references("mechanisms", "mechanisms")
    evidence = _read_evidence(fields, outcomes)
    judgements = _read_judgements(fields)
    certainty = None
    certainty_text = fields.text("certainty")
    if certainty_text is not None:
        certainty = Certainty.from_text(certainty_text)
        if certainty is None:
            labels = [level.slug for level in Certainty]
            fields._problem(fields.node_of("certainty"), "certainty",
                            f"'{certainty_text}' is not one of: {', '.join(labels)}",
                            _did_you_mean(certainty_text, labels))
    notes = fields.texts("notes")
    if (statement is None or intervention is None or effect is None or outcome is None
            or topic is None or not record_id):
        return None
    return Claim(
        id=record_id, statement=statement, intervention=intervention, effect=effect,
        outcome=outcome, topic=topic, scope=scope, sources=sources, quote=quote,
        conditions=conditions, mechanisms=mechanisms, evidence=evidence,
        judgements=judgements, certainty=certainty, notes=notes, outcomes=outcomes,
        line=fields.ctx.position(fields.node)[0],
    )


# --- cross-record checks ---------------------------------------------------------------------

def _check_references(ctx: _Context, ids: dict[str, list[str]]) -> None:
    """Report each reference to an id its section lacks; references to sections not in `ids`
    stay in `ctx.references`, to be checked later."""
    known = {section: set(values) for section, values in ids.items()}
    later = []
    for reference in ctx.references:
        section, value, where, record, field = reference
        if section not in known:
            later.append(reference)
        elif value not in known[section]:
            ctx.add_at(where, record, field, f"'{value}' is not in {section}",
                       _did_you_mean(value, ids[section]))
    ctx.references = later


def _check_condition_tree(ctx: _Context, conditions: list[tuple[Condition, Position]]
                          ) -> None:
    parents = {condition.id: condition.parent for condition, _ in conditions}
    for condition, where in conditions:
        seen = {condition.id}
        current = condition.parent
        while current is not None and current in parents:
            if current in seen:
                ctx.add_at(where, condition.id, "parent",
                        "the condition tree has a cycle through " + " -> ".join(sorted(seen)))
                break
            seen.add(current)
            current = parents[current]


def _check_unique_identifiers(ctx: _Context, ids: Sequence[str],
                              identifiers: Sequence[tuple[str | None, str | None, str | None]],
                              places: Sequence[Position]) -> None:
    """Each DOI and PMID (from a study's (doi, pmid, registry)) used by one study only."""
    for place in (0, 1):  # the usual case, all different, told at C speed
        values = [value.lower() for found in identifiers if (value := found[place]) is not None]
        if len(set(values)) != len(values):
            break
    else:
        return
    first: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for study_id, found, where in zip(ids, identifiers, places, strict=True):
        identifiers_of = found
        for key, value, seen in zip(("doi", "pmid"), identifiers_of, first):  # noqa: B905
            if value is None:
                continue
            folded = value.lower()
            if folded in seen:
                ctx.add_at(where, study_id, key, f"{key} {value} is also used by {seen[folded]}",
                           "one record per publication")
            else:
                seen[folded] = study_id


def check_corpus(path: str | Path, *, max_bytes: int | None = None
                 ) -> tuple[Corpus | None, list[Problem]]:
    """Read and check a corpus file: the corpus (when free of errors) and every problem found.

    Raises CorpusError only when the file cannot be read as YAML at all.
    """
    path = Path(path)
    return check_bytes(read_bytes(path, max_bytes), str(path))


def check_bytes(raw: bytes, shown: str) -> tuple[Corpus | None, list[Problem]]:
    """Check the bytes of a corpus file already read from `shown` (named in problems).

    The same as `check_corpus`; the cache uses it to parse exactly the bytes it hashed.
    """
    with collector_paused():
        try:
            return _check_bytes(raw, shown)
        except _TooManyProblems as stop:
            return None, _stopped(stop, shown)


def _stopped(stop: _TooManyProblems, shown: str) -> list[Problem]:
    problems = sorted(stop.problems, key=lambda p: (p.line, p.column))
    problems.append(Problem(
        shown, 0, 0, "", "", f"stopped after {MAX_ERRORS:,} errors; the rest of the "
        "file was not checked", "fix these (or check that this is a corpus file) and "
        "run again"))
    return problems


def _check_bytes(raw: bytes, shown: str) -> tuple[Corpus | None, list[Problem]]:
    refuse_dense(raw, shown)
    return _check_root(document_node(decode(raw, shown), shown), shown, None)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Reading creates millions of objects and frees almost none, so the cyclic garbage
    collector would run over and over for nothing: without it, reading takes half the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class RecordRead:
    """One item of `studies` or `claims` read on its own (painlit.index stores these): its
    id as written (`raw_id`, "" when it has none), the record (None when it cannot be
    made), where it and its id are (None: not a mapping), and its problems and references."""

    raw_id: str
    read: _Read[Study | Claim] | None
    problems: list[Problem]
    references: list[tuple[str, str, Position, str, str]]


#: Anchors make one record's reading depend on another's: such a file is read whole.
def _anchored(text: str) -> bool:
    """Whether the text may define a YAML anchor: `&` after a space, `[`, `{` or `,` (or at
    the start) and before a character that is not one (`R&D` and `A & B` are not anchors;
    `&` in a quoted string may be taken for one, and then the file is only read whole)."""
    at = text.find("&")
    while at >= 0:
        if (at == 0 or text[at - 1] in " \t\n[{,") and text[at + 1:at + 2].strip():
            return True
        at = text.find("&", at + 1)
    return False


def read_records(shown: str, part: Part, latest_year: int, raw: bytes,
                 bounds: Sequence[int]) -> list[RecordRead] | None:
    """Read a run of records of one long section (`part`, painlit.parts), one result per
    record; `bounds` are the 1-based lines on which each record after the first starts.
    None when the run does not read cleanly on its own (the file is then read whole)."""
    try:
        text = part.text(raw)
        if unsafe(text) or _anchored(text):
            return None
        node = compose(text, shown)
    except (CorpusError, UnicodeDecodeError):
        return None
    if not isinstance(node, yaml.SequenceNode) or len(node.value) != part.records:
        return None
    ctx = _Context(shown, line_offset=part.first_line)
    ctx.latest_year = latest_year
    allowed, read = (_STUDY_KEYS, _read_study) if part.section == "studies" else (
        _CLAIM_KEYS, _read_claim)
    try:
        items = _list_items(ctx, node, part.section, "", first_index=part.first_index)
        reads: list[_Read[Study | Claim]] = _read_items(
            ctx, items, part.section, allowed, cast(Callable[[_Fields, str], Study | Claim | None],
                                                   read))
    except _TooManyProblems:
        return None
    results = [RecordRead(_id_of(item) if isinstance(item, yaml.MappingNode) else "", None, [],
                          []) for item in node.value]
    for item in reads:
        place = bisect.bisect_right(bounds, item.where[0])
        results[place] = replace(results[place], read=item)
    for problem in ctx.problems:
        results[bisect.bisect_right(bounds, problem.line)].problems.append(problem)
    for reference in ctx.references:
        results[bisect.bisect_right(bounds, reference[2][0])].references.append(reference)
    return results


@dataclass
class LongSections:
    """`studies` and `claims` read apart from the rest of the file (painlit.index): by
    section, each item as read (its record given by its place in `records`), the ids of all
    items, the records and their index; and their problems and references (placed by line
    in the whole file)."""

    reads: dict[str, list[_Read[int]]] = dataclass_field(default_factory=dict)
    #: For a section whose items are all records, each id once (so `reads` is not given):
    #: where each record is.
    wheres: dict[str, Sequence[Position]] = dataclass_field(default_factory=dict)
    ids: dict[str, list[str]] = dataclass_field(default_factory=dict)
    records: dict[str, Sequence[Study | Claim]] = dataclass_field(default_factory=dict)
    indexes: dict[str, CorpusIndex] = dataclass_field(default_factory=dict)
    problems: list[Problem] = dataclass_field(default_factory=list)
    references: list[tuple[str, str, Position, str, str]] = dataclass_field(default_factory=list)


def check_skeleton(skeleton: bytes, shown: str) -> yaml.MappingNode | None:
    """The node tree of a file's skeleton (painlit.parts), or None when the file must be
    read whole to report exactly what a whole reading reports."""
    try:
        text = decode(skeleton, shown)
        if unsafe(text) or _anchored(text):
            return None
        root_node = document_node(text, shown)
    except CorpusError:
        return None
    return root_node if isinstance(root_node, yaml.MappingNode) else None


def latest_year(root_node: yaml.MappingNode, shown: str) -> int:
    """The latest plausible year of a study, from the corpus's last search date."""
    scratch = _Context(shown)
    info = _read_info(scratch, _Fields(scratch, root_node, "", SECTIONS))
    return info.last_search.year + 1 if info else scratch.latest_year


def small_ids(root_node: yaml.MappingNode) -> dict[str, list[str]]:
    """The ids (as written) of the records of each small section of a skeleton."""
    scratch = _Context("")
    root = _Fields(scratch, root_node, "", SECTIONS)
    return {section: [_id_of(node) for node in _section_nodes(root, section)]
            for section in SMALL_SECTIONS}


def check_with_sections(root_node: yaml.MappingNode, shown: str, long: LongSections
                        ) -> tuple[Corpus | None, list[Problem]]:
    """`check_bytes` for a skeleton and its long sections read apart."""
    with collector_paused():
        try:
            return _check_root(root_node, shown, long)
        except _TooManyProblems as stop:
            return None, _stopped(stop, shown)


def _check_root(root_node: yaml.Node, shown: str, parts: LongSections | None
                ) -> tuple[Corpus | None, list[Problem]]:
    """Check a corpus's node tree; `parts` holds the long sections already read apart
    (painlit.parts), which the tree then holds as empty lists."""
    ctx = _Context(shown)
    if parts is not None:
        ctx.problems.extend(parts.problems)
        ctx.references.extend(parts.references)
    if not isinstance(root_node, yaml.MappingNode):
        ctx.add(root_node, "", "", f"the file holds {_describe(root_node)}, not a corpus mapping",
                "a corpus starts with `corpus:` followed by its sections")
        raise CorpusError(ctx.problems)
    root = _Fields(ctx, root_node, "", SECTIONS)
    info = _read_info(ctx, root)
    if info is not None:
        ctx.latest_year = info.last_search.year + 1
    conditions = _read_section(ctx, root, "conditions", _CONDITION_KEYS, _read_condition)
    mechanisms = _read_section(ctx, root, "mechanisms", _MECHANISM_KEYS, _read_mechanism)
    substances = _read_section(ctx, root, "substances", _SUBSTANCE_KEYS, _read_substance)
    sources = _read_section(ctx, root, "sources", _SOURCE_KEYS, _read_source)
    outcomes = _read_section(ctx, root, "outcomes", _OUTCOME_KEYS, _read_outcome)
    studies, study_index, study_places = _long_section(ctx, root, parts, "studies",
                                                       _STUDY_KEYS, _read_study)
    claims, claim_index, _ = _long_section(ctx, root, parts, "claims", _CLAIM_KEYS, _read_claim)

    all_ids = {
        section: parts.ids[section] if parts is not None and section in parts.ids else
        [_id_of(node) for node in _section_nodes(root, section)]
        for section in (*SMALL_SECTIONS, "studies")
    }
    _check_references(ctx, all_ids)
    _check_condition_tree(ctx, conditions)
    _check_unique_identifiers(ctx, study_index.study_ids, study_index.study_identifiers,
                              study_places)

    ctx.problems.sort(key=lambda p: (p.line, p.column))
    if info is None or any(p.severity is Severity.ERROR for p in ctx.problems):
        return None, ctx.problems
    corpus = Corpus(
        info=info,
        conditions=tuple(record for record, _ in conditions),
        mechanisms=tuple(record for record, _ in mechanisms),
        substances=tuple(record for record, _ in substances),
        sources=tuple(record for record, _ in sources),
        studies=studies,
        claims=claims,
        path=shown,
        outcomes=tuple(record for record, _ in outcomes),
        prebuilt_index=CorpusIndex.combined(study_index, claim_index),
    )
    return corpus, ctx.problems


def _long_section(ctx: _Context, root: _Fields, parts: LongSections | None, section: str,
                  allowed: tuple[str, ...], read: Callable[[_Fields, str], R | None]
                  ) -> tuple[Sequence[R], CorpusIndex, Sequence[Position]]:
    """The records of `studies` or `claims` in order (each id once), their index, and where
    each is; read from the tree, or taken from the index (painlit.index)."""
    if parts is not None and section in parts.wheres:
        return (cast(Sequence[R], parts.records[section]), parts.indexes[section],
                parts.wheres[section])
    if parts is not None and section in parts.reads:
        kept = _keep_unique(ctx, parts.reads[section])
        records = cast(Sequence[R], parts.records[section])
        index = parts.indexes[section]
        if len(kept) < len(records):  # some left out: there are errors, no corpus is made
            places = [place for place, _ in kept]
            records, index = Picked(records, places), index.picked(section, places)
        return records, index, [where for _, where in kept]
    read_kept = _read_section(ctx, root, section, allowed, read)
    records = tuple(record for record, _ in read_kept)
    index = (CorpusIndex.of(cast(tuple[Study, ...], records), ()) if section == "studies"
             else CorpusIndex.of((), cast(tuple[Claim, ...], records)))
    return records, index, [where for _, where in read_kept]


def _section_nodes(root: _Fields, section: str) -> list[yaml.MappingNode]:
    node = root.values.get(section)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item for item in node.value if isinstance(item, yaml.MappingNode)]


def _id_of(node: yaml.MappingNode) -> str:
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(
            value, yaml.ScalarNode
        ):
            return str(value.value)
    return ""


def is_control_problem(problem: Problem) -> bool:
    """Whether `problem` is a control character in a one-line field."""
    return problem.message.startswith(CONTROL_MESSAGE + " U+") and problem.hint == CONTROL_HINT


def as_validated(problems: Iterable[Problem]) -> list[Problem]:
    """`problems` as `painlit validate` (and `draft --append`) judge them: a control character
    in a one-line field is an error there, while other commands read such a corpus."""
    return [replace(p, severity=Severity.ERROR) if is_control_problem(p) else p
            for p in problems]


def load_corpus(path: str | Path) -> Corpus:
    """The corpus in `path`; raises CorpusError listing every problem if it has errors."""
    corpus, problems = check_corpus(path)
    if corpus is None:
        raise CorpusError(problems)
    return corpus
