"""The one place that makes Rich consoles, and makes corpus text safe to print.

Data goes to stdout, diagnostics to stderr. Rich already turns colour off when the stream is
not a terminal and when NO_COLOR is set. Every string that comes from a corpus passes through
`safe_text` before a renderer sees it: markup is never parsed (Text objects, not markup
strings) and control or bidirectional-override characters are shown as visible escapes.
A field that is one line (a title, a name, an id, a message) goes through `line_text` or
`one_line` instead, which also show tabs, line breaks and the Unicode line and paragraph
separators as escapes, so that no value can add a line that looks like output of its own.
Lone surrogates, which cannot be written as UTF-8, are shown as escapes by both.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from painlit.text import clean, one_line

__all__ = ["clean", "make_console", "one_line", "safe_text"]


def safe_text(text: str | None, style: str = "") -> Text:
    """Corpus text as a Rich Text: printed literally, never interpreted as markup."""
    return Text(clean(text or ""), style=style)


def line_text(text: str | None, style: str = "") -> Text:
    """A one-line field (title, name, id) as a Rich Text: literal, and on one line."""
    return Text(one_line(text or ""), style=style)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Rich would exit 1 here; the reader going away (`| head`) is not a failure, so let
        # the CLI's one error handler stop quietly with exit 0, as for any other output.
        self.quiet = True
        raise BrokenPipeError


def make_console(*, stderr: bool = False) -> Console:
    return _Console(stderr=stderr, highlight=False, emoji=False, markup=False)
