"""Long terminal output through a pager, as git does it.

Only on a terminal, only when the output is taller than the window, and never with
`--no-pager`. The pager is `PAINLIT_PAGER`, else `PAGER`, else `less`; an empty value or
`cat` means no pager. `LESS` defaults to `FRX` (quit when the text fits one screen, keep colour,
leave the text on the screen afterwards). A pager that cannot be started is no error: the
text is printed as it would have been.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping

from rich.console import Console, RenderableType


def pager_command(env: Mapping[str, str]) -> list[str] | None:
    """The pager to run, or None for none."""
    value = env.get("PAINLIT_PAGER", env.get("PAGER", "less")).strip()
    if not value or value == "cat":
        return None
    try:
        return shlex.split(value) or None
    except ValueError:  # unbalanced quotes: no pager rather than a traceback
        return None


def show(console: Console, renderable: RenderableType, *, page: bool) -> None:
    """Print `renderable`, through the pager when `page` and it is taller than the window."""
    if not page or not console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    text = captured.get()
    command = pager_command(os.environ)
    if command is None or text.count("\n") < console.size.height:
        console.file.write(text)
        console.file.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:
        console.file.write(text)
        console.file.flush()
        return
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode("utf-8", "replace"))
        process.stdin.close()
    except BrokenPipeError:  # the reader quit early (q in less): that is the end
        pass
    while True:  # Ctrl-C belongs to the pager while it runs, as with git
        try:
            process.wait()
            return
        except KeyboardInterrupt:
            continue
