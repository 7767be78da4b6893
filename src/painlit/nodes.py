"""YAML nodes and where they are: the reading context that places every problem at its
line and column, and the checks of a node's shape (mappings, lists of records, nulls)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from enum import Enum
from typing import TypeVar

import yaml

from painlit.errors import Closest, Problem, Severity

E = TypeVar("E", bound=Enum)
R = TypeVar("R")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    _TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_SEQ, _MAP = _TAG + "seq", _TAG + "map"
_SCALAR, _SEQUENCE, _MAPPING = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_CONSTRUCT = yaml.constructor.SafeConstructor()


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {
        _STR: "text", _INT: "a number", _FLOAT: "a number", _BOOL: "true/false",
        _NULL: "nothing", _TIMESTAMP: "a date",
    }.get(node.tag, f"a value tagged {node.tag}")


def _did_you_mean(word: str, choices: Sequence[str] | Closest) -> str | None:
    """A hint naming the choice most like `word` (a Closest made once serves many hints)."""
    found = (choices if isinstance(choices, Closest) else Closest(choices))(word, n=1)
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


def _plain_collection(ctx: _Context, node: yaml.Node, record: str, field: str) -> bool:
    """False (with a problem) when a list or mapping carries a tag such as !!python/object."""
    if node.tag in (_SEQ, _MAP):
        return True
    ctx.add(node, record, field, f"YAML tag '{node.tag}' is not allowed here",
            "a corpus holds only plain text, numbers, dates, lists and mappings")
    return False


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


