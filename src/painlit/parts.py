"""Cut a large corpus file into parts that can be read separately, by lines, without parsing.

A corpus file is a mapping of sections; `studies` and `claims` are long block lists of
records. Every record of such a list starts on a line of its own with `-` at the list's
indentation, and nothing else in the list can start that way (a record's own lines are
indented further), so the lists can be cut between records by looking at lines alone.

`split` returns the *skeleton* (the file with the records of those lists blanked out, every
other line where it was, so line numbers still hold) and the *parts* (runs of whole records,
each with the number of the line it starts on). Reading the skeleton and each part, and adding
each part's starting line to the lines it reports, gives what reading the whole file gives.
Whenever the file is not laid out plainly enough to be sure of that (document markers,
directives, flow-style lists, tabs in indentation), `split` returns None and the file is
read whole: the cut is an optimisation, never a different reading.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

#: The sections cut into parts; the others are small and stay in the skeleton.
LONG_SECTIONS = (b"studies", b"claims")

_TOP_KEY = re.compile(rb"(" + b"|".join(LONG_SECTIONS) + rb")[ \t]*:[ \t]*([^\n]*)")
#: The next line at column 0 that is not blank, a comment or a list item: the next section.
_NEXT_KEY = re.compile(rb"\n[^\s#-]")
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


def _top_keys(data: bytes, start: int) -> list[re.Match[bytes]]:
    """The long sections' keys at the start of a line, in order (found with `bytes.find`,
    which is many times quicker over a large file than a regular expression)."""
    found: list[re.Match[bytes]] = []
    for name in LONG_SECTIONS:
        line_starts = [start] if data.startswith(name, start) else []
        at = data.find(b"\n" + name, start)
        while at >= 0:
            line_starts.append(at + 1)
            at = data.find(b"\n" + name, at + 1)
        found.extend(key for key in (_TOP_KEY.match(data, at) for at in line_starts) if key)
    return sorted(found, key=lambda key: key.start())


@dataclass(frozen=True, slots=True)
class Part:
    section: str
    first_line: int  # 0-based number of the part's first line in the whole file
    first_index: int  # position of the part's first record in its list
    records: int  # how many records the part holds
    start: int  # the part is data[start:end] of the bytes given to `split`
    end: int

    def text(self, data: bytes) -> str:
        """The part's text (UnicodeDecodeError when it is not UTF-8)."""
        return data[self.start:self.end].decode("utf-8")


@dataclass(frozen=True, slots=True)
class Split:
    skeleton: bytes
    parts: tuple[Part, ...]


def split(data: bytes, part_bytes: int = 4_000_000) -> Split | None:
    """The skeleton and parts of a file's bytes, or None when it is safer to read it whole.

    Each long list is cut into parts of about the same size, about `part_bytes` each (so that
    workers reading them side by side finish together). It works on the bytes (UTF-8 never uses
    the byte of \\n, or any byte below 0x80, inside another character), so a large file is
    neither decoded nor copied here: each part is decoded by whoever reads it.
    """
    offset = len(_BOM) if data.startswith(_BOM) else 0  # reading drops a byte-order mark
    pieces: list[bytes] = []
    parts: list[Part] = []
    done = offset  # bytes before this are in `pieces`
    lines_before = 0  # newlines in data[:done]
    found: set[str] = set()
    for key in _top_keys(data, offset):
        name = key.group(1).decode("ascii")
        if name in found:
            return None  # a repeated key: let the whole reading report it
        found.add(name)
        if key.group(2) and not key.group(2).startswith(b"#"):
            continue  # written inline (`claims: []`): it stays in the skeleton
        body = key.end()  # the newline ending the key's line
        if body >= len(data):
            continue
        body += 1
        following = _NEXT_KEY.search(data, body - 1)
        stop = following.start() + 1 if following else len(data)
        first = _CONTENT.search(data, body, stop)
        if first is None:
            continue
        indent = len(first.group(1))
        if first.group(2) != b"-":
            return None
        # Anything odd (tabs, lines indented less than the records) makes a part unreadable,
        # and the file is then read whole, so only the record starts need finding here.
        record_start = re.compile(rb"\n {%d}-(?=[ \t\n])" % indent)
        starts = [m.start() + 1 for m in record_start.finditer(data, body - 1, stop)]
        if not starts:
            return None  # `-` not starting an item: not a plain list
        key_start = key.start()
        key_line = lines_before + data.count(b"\n", done, key_start)
        pieces.append(data[done:key_start])
        pieces.append(name.encode("ascii") + b": []\n")
        region_lines = data.count(b"\n", body, stop)
        pieces.append(b"\n" * region_lines)
        line = key_line + 1  # the line `body` starts
        counted = body  # newlines before this are counted in `line`
        cuts = _cuts(starts, stop, part_bytes)
        for begin_index, end_index in itertools.pairwise(cuts):
            begin = starts[begin_index]
            end = starts[end_index] if end_index < len(starts) else stop
            line += data.count(b"\n", counted, begin)
            counted = begin
            parts.append(Part(name, line, begin_index, end_index - begin_index, begin, end))
        lines_before = key_line + 1 + region_lines
        done = stop
    if not parts:
        return None
    pieces.append(data[done:])
    return Split(b"".join(pieces), tuple(parts))


def _cuts(starts: list[int], stop: int, part_bytes: int) -> list[int]:
    """Where to cut a list whose records start at `starts` (and which ends at `stop`) into
    parts of about `part_bytes` and of about the same size: the index of each part's first
    record, and then the number of records."""
    size = stop - starts[0]
    count = max(1, round(size / max(part_bytes, 1)))
    cuts = [0]
    for number in range(1, count):
        at = bisect.bisect_left(starts, starts[0] + size * number // count)
        if cuts[-1] < at < len(starts):
            cuts.append(at)
    cuts.append(len(starts))
    return cuts
