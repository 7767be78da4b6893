"""Where the records of a corpus file start, found on its bytes without parsing.

A corpus file is a mapping of sections; `studies` and `claims` are long block lists of
records. Every record of such a list starts on a line of its own with `-` at the list's
indentation, and nothing else in the list can start that way (a record's own lines are
indented further), so the lists can be cut between records by looking at lines alone.

`layout` finds the lists and their records; `skeleton` is the file with the records of those
lists blanked out, every other line where it was, so line numbers still hold; a `Part` is a
run of whole records with the number of the line it starts on. Reading the skeleton and each
part, and adding each part's starting line to the lines it reports, gives what reading the
whole file gives (painlit.indexing). Whenever the file is not laid out plainly enough to be
sure of that (document markers, directives, flow-style lists, tabs in indentation), the file
is read whole: the cut is an optimisation, never a different reading.
"""

from __future__ import annotations

import functools
import re

from painlit.frozen import frozen

#: The sections cut into parts; the others are small and stay in the skeleton.
LONG_SECTIONS = (b"studies", b"claims")

_TOP_KEY = re.compile(rb"(" + b"|".join(LONG_SECTIONS) + rb")[ \t]*:[ \t]*([^\n]*)")
#: A line at column 0 that is not blank, a comment or a list item: a top-level key.
_NEXT_KEY = re.compile(rb"\n[^\s#-]")
_KEY_START = re.compile(rb"[^\s#-]")
_CONTENT = re.compile(rb"^( *)([^ \n#])", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"


def unsafe(text: str) -> bool:
    """Document markers, directives or line breaks other than \\n (which number lines apart).

    `split` does not look for these (it would cost a second pass over a large file): the
    reader checks the skeleton and each part for them, and reads the file whole if found.
    """
    return (any(c in text for c in "\r\x85\u2028\u2029")
            or text.startswith(("---", "...", "%"))
            or any(marker in text for marker in ("\n---", "\n...", "\n%")))


def _key_lines(data: bytes, start: int) -> list[int]:
    """Where each line at column 0 that is not blank, a comment or a list item starts: the
    top-level keys (one pass over the file, which finds each long section and its end)."""
    lines = [start] if _KEY_START.match(data, start) else []
    lines.extend(found.start() + 1 for found in _NEXT_KEY.finditer(data, start))
    return lines


@frozen
class Part:
    """A run of whole records of one long list: data[start:end] of the file's bytes."""

    section: str
    first_line: int  # 0-based number of the part's first line in the whole file
    first_index: int  # position of the part's first record in its list
    records: int  # how many records the part holds
    start: int
    end: int

    def text(self, data: bytes) -> str:
        """The part's text (UnicodeDecodeError when it is not UTF-8)."""
        return data[self.start:self.end].decode("utf-8")


@frozen
class RecordList:
    """A long list of the file: where its key's line starts, where the line after it starts,
    where the list stops (the next top-level key, or the end), and where each record starts."""

    name: str
    key_start: int
    body: int
    stop: int
    starts: list[int]
    indent: int = 0

    def span(self, index: int) -> tuple[int, int]:
        """Where record `index` starts and ends (its trailing blank and comment lines too)."""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else self.stop
        return self.starts[index], end


def layout(data: bytes) -> list[RecordList] | None:
    """The long lists of a file's bytes and where each record starts, or None when it is
    safer to read the file whole. It works on the bytes (UTF-8 never uses the byte of \\n,
    or any byte below 0x80, inside another character), so a large file is not decoded here."""
    offset = len(_BOM) if data.startswith(_BOM) else 0  # reading drops a byte-order mark
    return _lists(data, offset) or None


def skeleton(data: bytes, lists: list[RecordList], list_lines: list[int]
             ) -> tuple[bytes, list[tuple[int, int]]]:
    """The file with the records of `lists` left out (each list written `name: []`), and
    where lines were left out: (line of the skeleton, 0-based, after which they were; how
    many), for painlit.yamlfile.shift_lines to put the skeleton's nodes back on the file's
    lines. `list_lines[i]` is how many lines list i's body spans (its newlines from `body` to
    `stop`)."""
    offset = len(_BOM) if data.startswith(_BOM) else 0
    pieces: list[bytes] = []
    shifts: list[tuple[int, int]] = []
    done, line = offset, 0
    for found, lines in zip(lists, list_lines, strict=True):
        before = data[done:found.key_start]
        line += before.count(b"\n")
        pieces.append(before)
        pieces.append(found.name.encode("ascii") + b": []\n")
        shifts.append((line, lines))
        line += 1
        done = found.stop
    pieces.append(data[done:])
    return b"".join(pieces), shifts


def _lists(data: bytes, offset: int) -> list[RecordList] | None:
    """The long lists of records in the file, in order (None: read the file whole)."""
    lists: list[RecordList] = []
    names: set[str] = set()
    key_lines = _key_lines(data, offset)
    for number, key_line_start in enumerate(key_lines):
        key = _TOP_KEY.match(data, key_line_start)
        if key is None:
            continue
        name = key.group(1).decode("ascii")
        if name in names:
            return None  # a repeated key: let the whole reading report it
        names.add(name)
        if key.group(2) and not key.group(2).startswith(b"#"):
            continue  # written inline (`claims: []`): it stays in the skeleton
        body = key.end()  # the newline ending the key's line
        if body >= len(data):
            continue
        body += 1
        # The list ends where the next top-level key starts.
        stop = key_lines[number + 1] if number + 1 < len(key_lines) else len(data)
        first = _CONTENT.search(data, body, stop)
        if first is None:
            continue
        indent = len(first.group(1))
        if first.group(2) != b"-":
            return None
        # Anything odd (tabs, lines indented less than the records) makes a part unreadable,
        # and the file is then read whole, so only the record starts need finding here.
        starts = record_starts(data, indent, body, stop)
        if not starts:
            return None  # `-` not starting an item: not a plain list
        lists.append(RecordList(name, key.start(), body, stop, starts, indent))
    return lists


@functools.cache
def _record_start(indent: int) -> re.Pattern[bytes]:
    return re.compile(rb"\n {%d}-(?=[ \t\n])" % indent)


def record_starts(data: bytes, indent: int, begin: int, end: int) -> list[int]:
    """Where each record of a list indented by `indent` starts in data[begin:end] (`begin`
    is the start of a line)."""
    return [m.start() + 1 for m in _record_start(indent).finditer(data, begin - 1, end)]


def has_top_level_key(data: bytes, begin: int, end: int) -> bool:
    """Whether a line in data[begin:end] after the first starts with a top-level key."""
    return _NEXT_KEY.search(data, begin, end) is not None
