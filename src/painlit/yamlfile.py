"""Read a YAML file into a node tree, safely, with every failure located.

Only the *compose* stage of PyYAML runs here: it builds nodes that keep their line and column
and constructs no Python objects, so tags that ask for Python objects do nothing, and aliases
stay shared nodes (an alias bomb costs no memory). libyaml caps nesting depth itself.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from painlit.errors import CorpusError, Problem

if TYPE_CHECKING:
    import yaml

#: Files larger than this are refused before being read (a corpus of 100,000 studies is ~100 MB).
MAX_BYTES = 256 * 1024 * 1024
#: What YAML (1.1, as PyYAML and libyaml read it) counts as a line break when numbering lines.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _file_problem(path: str, message: str, *, line: int = 0, column: int = 0,
                  hint: str | None = None) -> CorpusError:
    return CorpusError([Problem(path, line, column, "", "", message, hint)])


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes, refusing directories, devices, pipes and files over the size limit."""
    shown = str(path)
    limit = MAX_BYTES if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
        size = info.st_size
        if stat.S_ISDIR(info.st_mode):
            raise _file_problem(shown, "is a directory, not a corpus file")
        if not stat.S_ISREG(info.st_mode):  # a device or pipe has no size to check
            raise _file_problem(shown, "is not a regular file", hint="give a corpus file")
        if size > limit:
            raise _file_problem(
                shown,
                f"file is {size / 1024 / 1024:.0f} MB, over the {limit // 1024 // 1024} MB limit",
                hint="is this really a corpus file?",
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _file_problem(shown, "no such file", hint="give a corpus file with --data or "
                            "PAINLIT_DATA") from None
    except PermissionError:
        raise _file_problem(shown, "permission denied") from None
    except OSError as error:
        raise _file_problem(shown, f"cannot read the file: {error.strerror or error}") from None
    return raw


#: A corpus holds about 30 bytes per YAML item (a key, a list entry); composing an item costs
#: some hundreds of bytes of memory. A file much denser than any corpus (`- {}` a million
#: times, a 50 MB one-line list) would need many times its size: refused before it is read.
DENSE_FROM_BYTES = 1_000_000
MIN_BYTES_PER_ITEM = 8


def refuse_dense(raw: bytes, shown: str) -> None:
    """Raise CorpusError for a large file whose YAML items average under MIN_BYTES_PER_ITEM
    bytes (counted on the bytes: keys, commas, list dashes, flow brackets)."""
    if len(raw) < DENSE_FROM_BYTES:
        return
    items = sum(raw.count(mark) for mark in (b":", b",", b"- ", b"{", b"["))
    if items and len(raw) / items < MIN_BYTES_PER_ITEM:
        raise _file_problem(
            shown, f"about {items:,} YAML items in {len(raw):,} bytes, "
            f"{len(raw) / items:.1f} bytes each (a corpus has about 30): not read, as it "
            "would take many times its size in memory", line=1, column=1,
            hint="is this really a corpus file?")


def decode(raw: bytes, shown: str) -> str:
    """UTF-8 text without a byte-order mark; a located problem at the first bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        # Lines and columns as YAML counts them elsewhere: in characters, not bytes.
        before = _LINE_BREAK.split(raw[: error.start].decode("utf-8").removeprefix("\ufeff"))
        line, column = len(before), len(before[-1]) + 1
        raise _file_problem(
            shown, f"not UTF-8 text (byte 0x{raw[error.start]:02x})", line=line, column=column,
            hint="save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def compose(text: str, shown: str) -> yaml.Node | None:
    """The single YAML document in `text` as nodes, or None when the file holds no document."""
    import yaml  # here, so that a cached corpus is read without importing PyYAML at all

    try:
        return _inside(yaml.compose(text, Loader=_loader()), text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        lines = _LINE_BREAK.split(text)
        if line > len(lines):  # libyaml ends a file that lacks a final newline on a line past it
            line, column = len(lines), len(lines[-1]) + 1
        raise _file_problem(
            shown, f"not valid YAML: {message or 'syntax error'}", line=line, column=column,
        ) from None
    except yaml.reader.ReaderError as error:
        # A character YAML refuses anywhere (NUL, other controls, U+FFFE). The error gives a
        # byte offset (character offset in the pure-Python loader) and a two-line message, so
        # locate the character itself: the reader stops at its first occurrence.
        code = error.character if isinstance(error.character, int) else -1
        index = text.find(chr(code)) if code >= 0 else -1
        before = _LINE_BREAK.split(text[:index]) if index >= 0 else []
        raise _file_problem(
            shown, f"not valid YAML: character U+{code:04X} is not allowed ({error.reason})",
            line=len(before), column=len(before[-1]) + 1 if before else 0,
            hint="remove it, or write it as an escape such as \\x07 in a double-quoted string",
        ) from None
    except yaml.YAMLError as error:
        raise _file_problem(shown, f"not valid YAML: {error}") from None
    except RecursionError:
        raise _file_problem(shown, "not valid YAML: nesting is too deep") from None


#: Plain values up to this long that may be other than text have their tag remembered.
_REMEMBER_UP_TO = 64
_REMEMBER_AT_MOST = 20_000


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """The safe loader (the C one when present: several times faster; the pure-Python one
    behaves the same), resolving tags in fewer steps.

    libyaml calls back into Python to resolve the tag of every scalar, and PyYAML then runs its
    implicit-type regular expressions, though a corpus repeats the same few dozen keys and
    values in every record. While no path resolvers and no catch-all implicit resolvers are
    registered (SafeLoader has none), the tag of a scalar depends only on whether it was plain
    and on its value: a quoted value, or a plain one whose first character starts no implicit
    type (most text), is text, and the tag of other short values is remembered. This changes
    nothing but the time: about a fifth of composing a large file.
    """
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    by_first = base.yaml_implicit_resolvers
    if base.yaml_path_resolvers or None in by_first:  # pragma: no cover (do not guess)
        return base
    resolve: Callable[[yaml.SafeLoader, type[yaml.Node], str, tuple[bool, bool]], str] = (
        base.resolve)
    scalar = yaml.ScalarNode
    text = base.DEFAULT_SCALAR_TAG
    memo: dict[str, str] = {}

    def quicker(self: yaml.SafeLoader, kind: type[yaml.Node], value: str,
                implicit: tuple[bool, bool]) -> str:
        if kind is not scalar:
            return resolve(self, kind, value, implicit)
        if not implicit[0] or value[:1] not in by_first:
            return text
        if len(value) > _REMEMBER_UP_TO:
            return resolve(self, kind, value, implicit)
        tag = memo.get(value)
        if tag is None:
            if len(memo) >= _REMEMBER_AT_MOST:  # ids and DOIs are unique: start again
                memo.clear()
            tag = memo[value] = resolve(self, kind, value, implicit)
        return tag

    return type("QuickerLoader", (base,), {"resolve": quicker})


def _nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    """Every distinct node under `root` once: aliases stay shared, cycles end."""
    import yaml

    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)


def _inside(root: yaml.Node | None, text: str) -> yaml.Node | None:
    """`root`, with the empty values libyaml places on the line after a file that lacks a final
    line break (`---`, `studies:\n-`) moved to the end of its last line."""
    import yaml

    if root is None or text.endswith(("\n", "\r", "\x85", "\u2028", "\u2029")):
        return root
    lines = _LINE_BREAK.split(text)
    end = yaml.error.Mark(root.start_mark.name, len(text), len(lines) - 1, len(lines[-1]),
                          None, 0)
    for node in _nodes(root):
        if node.start_mark.line >= len(lines):
            node.start_mark = end
        if node.end_mark.line >= len(lines):
            node.end_mark = end
    return root


def shift_lines(root: yaml.Node, shifts: list[tuple[int, int]]) -> None:
    """Move the nodes of a text that had lines left out back to the lines they were on:
    `shifts` holds (line, 0-based, after which lines were left out; how many)."""
    import bisect

    import yaml

    if not any(lines for _, lines in shifts):
        return
    after = [line for line, _ in shifts]
    added = list(itertools.accumulate(lines for _, lines in shifts))

    def moved(mark: yaml.Mark) -> yaml.Mark:
        place = bisect.bisect_left(after, mark.line)  # shifts strictly before mark.line
        if place == 0:
            return mark
        return yaml.Mark(mark.name, mark.index, mark.line + added[place - 1], mark.column,
                         mark.buffer, mark.pointer)

    for node in _nodes(root):
        node.start_mark, node.end_mark = moved(node.start_mark), moved(node.end_mark)


def document_node(text: str, shown: str) -> yaml.Node:
    """Compose corpus text read from `shown`; raise CorpusError for invalid or empty YAML."""
    node = compose(text, shown)
    if node is None:
        raise _file_problem(shown, "the file is empty", hint="a corpus starts with `corpus:`")
    return node
