"""The one place that makes Rich consoles, and makes corpus text safe to print.

Data goes to stdout, diagnostics to stderr. Rich already turns colour off when the stream is
not a terminal and when NO_COLOR is set. Every string that comes from a corpus passes through
`safe_text` before a renderer sees it: markup is never parsed (Text objects, not markup
strings) and control or bidirectional-override characters are shown as visible escapes.
A field that is one line (a title, a name, an id, a message) goes through `line_text` or
`one_line` instead, which also show tabs, line breaks and the Unicode line and paragraph
separators as escapes, so that no value can add a line that looks like output of its own.
Lone surrogates, which cannot be written as UTF-8, are shown as escapes by both.

Output that does not go to a terminal is not wrapped at a terminal's width (`PIPE_WIDTH`):
a row of a table is one line in a pipe or a file, unless COLUMNS says otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from rich.console import Console, ConsoleDimensions
from rich.segment import Segment
from rich.text import Text

from painlit.text import clean, one_line

__all__ = ["clean", "make_console", "one_line", "safe_text"]


def safe_text(text: str | None, style: str = "") -> Text:
    """Corpus text as a Rich Text: printed literally, never interpreted as markup."""
    return Text(clean(text or ""), style=style)


def line_text(text: str | None, style: str = "") -> Text:
    """A one-line field (title, name, id) as a Rich Text: literal, and on one line."""
    return Text(one_line(text or ""), style=style)


#: The width of output that is not a terminal (a pipe, a file): lines are not wrapped at a
#: terminal's width, so `grep` finds what a row holds. COLUMNS, when set, still rules.
PIPE_WIDTH = 100_000
#: Spaces (and colour codes among them) at the end of a line; a colour code alone.
_LINE_END = re.compile(r"(?: |\x1b\[[0-9;]*m)*(?: )(?:\x1b\[[0-9;]*m)*(?=\n)")
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class _Console(Console):
    @property
    def size(self) -> ConsoleDimensions:
        found = super().size
        if (self._width is None and not self.is_terminal
                and not os.environ.get("COLUMNS", "").strip().isdigit()):
            return ConsoleDimensions(PIPE_WIDTH, found.height)
        return found

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # Rich pads a block's lines to its widest one; in a pipe or a file those spaces are
        # only noise (in `grep` hits, in a diff of two runs), so they go, colour codes kept
        # (FORCE_COLOR). A terminal keeps them: a live display overwrites lines with them.
        text = super()._render_buffer(buffer)
        isatty = getattr(self.file, "isatty", None)
        if callable(isatty) and isatty():
            return text
        if "\x1b" not in text:
            return "\n".join(line.rstrip(" ") for line in text.split("\n"))
        return _LINE_END.sub(lambda found: "".join(_COLOUR.findall(found.group())), text)

    def on_broken_pipe(self) -> None:
        # Rich would exit 1 here; the reader going away (`| head`) is not a failure, so let
        # the CLI's one error handler stop quietly with exit 0, as for any other output.
        self.quiet = True
        raise BrokenPipeError


def make_console(*, stderr: bool = False) -> Console:
    return _Console(stderr=stderr, highlight=False, emoji=False, markup=False)
