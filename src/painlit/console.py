"""The one place that makes Rich consoles, and makes corpus text safe to print.

Data goes to stdout, diagnostics to stderr. Rich already turns colour off when the stream is
not a terminal and when NO_COLOR is set. Every string that comes from a corpus passes through
`safe_text` before a renderer sees it: markup is never parsed (Text objects, not markup
strings) and control or bidirectional-override characters are shown as visible escapes.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from painlit.text import clean

__all__ = ["clean", "make_console", "safe_text"]


def safe_text(text: str | None, style: str = "") -> Text:
    """Corpus text as a Rich Text: printed literally, never interpreted as markup."""
    return Text(clean(text or ""), style=style)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Rich would exit 1 here; the reader going away (`| head`) is not a failure, so let
        # the CLI's one error handler stop quietly with exit 0, as for any other output.
        self.quiet = True
        raise BrokenPipeError


def make_console(*, stderr: bool = False) -> Console:
    return _Console(stderr=stderr, highlight=False, emoji=False, markup=False)
