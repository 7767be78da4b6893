"""Editing a YAML file as text, keeping every byte that is not edited.

painlit writes into files people edit by hand (the corpus, the screening log). It never
re-serialises them: each change is a splice of text at a position taken from the guarded node
reader (`painlit.yamlfile.compose`), so comments, key order, quoting and line endings stay as
they were. `edit_file` is the one way a file the user owns is changed:

- an advisory lock on the file's folder, so two painlit edits run one after the other;
- a symlink is followed, so the file it points to is edited and the link stays;
- the change is computed from the bytes read, the result is checked by the caller, and the file
  is re-read just before it is replaced: when it changed meanwhile (an editor's save, another
  program) nothing is written and the edit is refused, saying why;
- the file is replaced in one step (`painlit.atomic.write_atomic`), keeping its mode and its
  byte-order mark, or left exactly as it was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from painlit.atomic import describe_os_error, write_atomic
from painlit.errors import OutputError
from painlit.yamlfile import compose, decode, read_bytes

LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BREAKS = frozenset("\x85\u2028\u2029")


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe emitter, except that a string holding a line break other than `\\n`
    (NEL, U+2028, U+2029) is double-quoted with those characters escaped: PyYAML would
    otherwise write them raw, and they would read back as spaces or newlines."""

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        if _BREAKS.isdisjoint(text):
            super().write_double_quoted(text, split)
            return
        unicode = self.allow_unicode
        self.allow_unicode = False
        try:
            super().write_double_quoted(text, split)
        finally:
            self.allow_unicode = unicode


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """Text with line breaks as a literal block (`|`), readable as it will be shown."""
    style = None if _BREAKS.isdisjoint(data) else '"'
    if style is None and "\n" in data \
            and all(line.isprintable() and line == line.rstrip() for line in data.split("\n")):
        style = "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def to_yaml(value: Any, *, flow_lists: bool = False) -> str:
    """`value` in the corpus's own layout: block style, keys in the order given, width 100.

    With `flow_lists`, lists of plain values are written on one line (`[a, b]`)."""
    text: str = yaml.dump(value, Dumper=_FlowListDumper if flow_lists else _Dumper,
                          sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    return text


class _FlowListDumper(_Dumper):
    pass


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    flow = all(isinstance(item, str | int | float | bool | date) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowListDumper.add_representer(list, _represent_list)


# --- positions -------------------------------------------------------------------------------

def offset(text: str, line: int, column: int) -> int:
    """The character offset of a 0-based (line, column) mark, counting YAML's line breaks."""
    position = 0
    for _ in range(line):
        match = LINE_BREAK.search(text, position)
        if match is None:
            return len(text)
        position = match.end()
    return position + column


def _line_end(text: str, position: int) -> int:
    """The offset just after the line break ending the line that holds `position`."""
    match = LINE_BREAK.search(text, position)
    return match.end() if match else len(text)


def value_of(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under `key` in a mapping node, or None."""
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for key_node, value in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found: yaml.Node = value
            return found
    return None


def _last_leaf(node: yaml.Node) -> yaml.Node:
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style \
            and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def end_of(text: str, node: yaml.Node) -> int:
    """The offset after the last line `node` takes (a comment after it on that line stays
    with it)."""
    leaf = _last_leaf(node)
    end = offset(text, leaf.end_mark.line, leaf.end_mark.column)
    if leaf.end_mark.column != 0:
        end = _line_end(text, end)
    return end


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _indented(block: str, column: int, newline: str) -> str:
    lines = block.splitlines(keepends=True)
    text = "".join(" " * column + line if line.strip() else line for line in lines)
    return text.replace("\n", newline) if newline != "\n" else text


def _ending_line(text: str, position: int, newline: str) -> str:
    """A line break to put before text inserted at `position` when the file's last line lacks
    one."""
    if position == len(text) and text and not LINE_BREAK.search(text[-2:]):
        return newline
    return ""


# --- changes ---------------------------------------------------------------------------------

def append_items(text: str, sequence: yaml.SequenceNode, items: Sequence[Any], *,
                 flow_lists: bool = False) -> tuple[str, int]:
    """`text` with `items` added at the end of a non-empty block list, and the line number of
    the first new line."""
    if sequence.flow_style or not sequence.value:
        raise OutputError("cannot add to a list written in flow style ([...]) or empty",
                          hint="write the list in block style (one `- ` item per line)")
    position = end_of(text, sequence.value[-1])
    newline = _newline(text)
    block = _indented(to_yaml(list(items), flow_lists=flow_lists), sequence.start_mark.column,
                      newline)
    block = _ending_line(text, position, newline) + block
    first_line = len(LINE_BREAK.findall(text[:position])) + 1
    return text[:position] + block + text[position:], first_line


def set_keys(text: str, mapping: yaml.Node, values: Mapping[str, Any], *,
             flow_lists: bool = True) -> str:
    """`text` with each key of `values` set in a block mapping: a one-line value is replaced
    where it stands (a comment after it stays), a longer one with its whole entry, and a key
    the mapping lacks is added after its last entry. A value of None removes the key."""
    if not isinstance(mapping, yaml.MappingNode) or mapping.flow_style or not mapping.value:
        raise OutputError("cannot edit a record written in flow style ({...}) or empty",
                          hint="write the record in block style (one `key: value` per line)")
    newline = _newline(text)
    column = mapping.value[0][0].start_mark.column
    splices: list[tuple[int, int, str]] = []
    present = {key.value: (key, value) for key, value in mapping.value
               if isinstance(key, yaml.ScalarNode)}
    added: dict[str, Any] = {}
    for key, value in values.items():
        if key not in present:
            if value is not None:
                added[key] = value
            continue
        key_node, value_node = present[key]
        entry = to_yaml({key: value}, flow_lists=flow_lists)
        one_line = entry.count("\n") == 1
        start = offset(text, key_node.start_mark.line, key_node.start_mark.column)
        if value is None:
            if key_node is mapping.value[0][0]:
                raise OutputError(f"cannot remove '{key}', the record's first key",
                                  hint="edit the file by hand")
            line_start = offset(text, key_node.start_mark.line, 0)
            splices.append((line_start, end_of(text, value_node), ""))
        elif one_line and isinstance(value_node, yaml.ScalarNode) \
                and value_node.start_mark.line == value_node.end_mark.line \
                and value_node.start_mark.line == key_node.start_mark.line:
            new = entry.split(":", 1)[1].strip()
            splices.append((offset(text, value_node.start_mark.line,
                                   value_node.start_mark.column),
                            offset(text, value_node.end_mark.line, value_node.end_mark.column),
                            new.removesuffix("\n")))
        else:
            end = end_of(text, value_node)
            splices.append((start, end, _indented(entry, column, newline).lstrip(" ")))
    if added:
        position = end_of(text, mapping)
        block = _indented(to_yaml(added, flow_lists=flow_lists), column, newline)
        splices.append((position, position, _ending_line(text, position, newline) + block))
    for start, end, new in sorted(splices, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# --- the file --------------------------------------------------------------------------------

@contextmanager
def folder_lock(path: Path) -> Iterator[None]:
    """An advisory lock on the file's folder, held while an edit reads, checks and writes:
    two painlit edits of one file run one after the other, never over each other."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no advisory locks
        yield
        return
    try:
        handle = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _unchanged(path: Path, raw: bytes | None, verb: str) -> None:
    """Refuse to replace a file that changed after it was read (an editor's save)."""
    try:
        now: bytes | None = path.read_bytes()
    except FileNotFoundError:
        now = None
    except OSError as error:
        raise OutputError(f"cannot {verb} {path}: it cannot be read again "
                          f"({describe_os_error(error)})", hint="nothing was written") from None
    if now != raw:
        raise OutputError(f"refusing to {verb} {path}: the file changed while painlit was "
                          "editing it (saved by an editor or another program?)",
                          hint="nothing was written; run the command again")


Change = Callable[[str, "yaml.Node | None"], str]


def edit_file(path: Path, change: Change, *, verb: str = "edit",
              new_file: str | None = None, dry_run: bool = False) -> str | None:
    """Apply `change(text, root)` to the file at `path` and replace it in one step.

    `change` gets the file's text (without a byte-order mark) and its YAML nodes, and returns
    the new text; it raises to refuse (nothing is written). When the file does not exist,
    `new_file` is the text to start from (else the missing file is an error). Returns the new
    text, or None when the change left the text as it was (then nothing is written)."""
    path = Path(os.path.realpath(path))  # a symlink: edit the file it points to
    with folder_lock(path):
        raw: bytes | None
        if new_file is not None and not path.exists():
            raw, text, bom = None, new_file, False
        else:
            raw = read_bytes(path)
            text = decode(raw, str(path))
            bom = raw.startswith(b"\xef\xbb\xbf")
        root = compose(text, str(path))
        new_text = change(text, root)
        if new_text == text and raw is not None:
            return None
        if dry_run:
            return new_text
        data = ("\ufeff" if bom else "") + new_text
        _unchanged(path, raw, verb)
        write_atomic(path, data.encode("utf-8"), force=True)
    return new_text
