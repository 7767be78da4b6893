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

import re
from dataclasses import dataclass

#: The sections cut into parts; the others are small and stay in the skeleton.
LONG_SECTIONS = ("studies", "claims")

_TOP_KEY = re.compile(r"\n(" + "|".join(LONG_SECTIONS) + r")[ \t]*:[ \t]*([^\n]*)")
#: The next line at column 0 that is not blank, a comment or a list item: the next section.
_NEXT_KEY = re.compile(r"\n[^\s#-]")
_CONTENT = re.compile(r"^( *)([^ \n#])", re.MULTILINE)


def _unsafe(text: str) -> bool:
    """Document markers, directives or line breaks other than \\n (which number lines apart)."""
    return (any(c in text for c in "\r\x85\u2028\u2029")
            or text.startswith(("---", "...", "%"))
            or any(marker in text for marker in ("\n---", "\n...", "\n%")))


@dataclass(frozen=True, slots=True)
class Part:
    section: str
    first_line: int  # 0-based number of the part's first line in the whole file
    first_index: int  # position of the part's first record in its list
    records: int  # how many records the part holds
    text: str


@dataclass(frozen=True, slots=True)
class Split:
    skeleton: str
    parts: tuple[Part, ...]


def split(text: str, records_per_part: int = 2000) -> Split | None:
    """The skeleton and parts of `text`, or None when it is safer to read it whole."""
    if _unsafe(text):
        return None
    pieces: list[str] = []
    parts: list[Part] = []
    done = 0  # text before this is in `pieces`
    lines_before = 0  # newlines in text[:done]
    found: set[str] = set()
    for key in _TOP_KEY.finditer("\n" + text):  # offsets in it are one past those in text
        name = key.group(1)
        if name in found:
            return None  # a repeated key: let the whole reading report it
        found.add(name)
        if key.group(2) and not key.group(2).startswith("#"):
            continue  # written inline (`claims: []`): it stays in the skeleton
        body = text.find("\n", key.end() - 1)
        if body < 0:
            continue
        body += 1
        following = _NEXT_KEY.search(text, body - 1)
        stop = following.start() + 1 if following else len(text)
        region = text[body:stop]
        first = _CONTENT.search(region)
        if first is None:
            continue
        indent = len(first.group(1))
        if first.group(2) != "-":
            return None
        # Anything odd (tabs, lines indented less than the records) makes a part unreadable,
        # and the file is then read whole, so only the record starts need finding here.
        starts = [m.start() for m in re.finditer(
            rf"\n {{{indent}}}-(?=[ \t\n])", "\n" + region)]
        key_start = key.start()  # the "\n" before the key in "\n" + text: the key in text
        key_line = lines_before + text.count("\n", done, key_start)
        pieces.append(text[done:key_start])
        pieces.append(f"{name}: []\n")
        pieces.append("\n" * region.count("\n"))
        for index in range(0, len(starts), records_per_part):
            begin = starts[index]
            end = starts[index + records_per_part] if index + records_per_part < len(starts) \
                else len(region)
            parts.append(Part(name, key_line + 1 + region.count("\n", 0, begin), index,
                              len(starts[index:index + records_per_part]), region[begin:end]))
        lines_before = key_line + 1 + region.count("\n")
        done = stop
    if not parts:
        return None
    pieces.append(text[done:])
    return Split("".join(pieces), tuple(parts))
