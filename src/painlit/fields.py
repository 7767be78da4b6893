"""One YAML mapping read key by key (`_Fields`): each value checked for its type, pattern,
vocabulary and range, unknown keys reported; and the patterns and limits of the fields."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import date, datetime
from enum import Enum

import yaml

from painlit.errors import Severity
from painlit.model import (
    Domain,
)
from painlit.nodes import (
    _BOOL,
    _CONSTRUCT,
    _FLOAT,
    _INT,
    _NULL,
    _SCALAR,
    _SEQ,
    _SEQUENCE,
    _STR,
    _TIMESTAMP,
    E,
    _Context,
    _describe,
    _did_you_mean,
    _is_null,
    _list_items,
    _plain_collection,
)

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


