"""The painlit command line: the global options and the entry point. Each command lives in
a module of `painlit.commands`, which registers it on the app (`painlit.commands.shared`);
importing them here is what makes them commands."""


import sys
from pathlib import Path
from typing import Annotated

import typer

from painlit import __version__
from painlit.commands.shared import DEFAULT_LIMIT, EXIT_INTERRUPTED, app, state

__all__ = ["EXIT_INTERRUPTED", "app", "main"]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"painlit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    data: Annotated[Path | None, typer.Option(
        "--data", envvar="PAINLIT_DATA", help="Corpus file to use instead of the shipped one.",
        dir_okay=False, show_default=False)] = None,
    json_output: Annotated[bool, typer.Option(
        "--json", help="Print JSON for every command that supports it.")] = False,
    limit: Annotated[int, typer.Option(
        "--limit", min=0, help="Rows per list in terminal output (0: all). JSON is never cut.")
    ] = DEFAULT_LIMIT,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Read the corpus file afresh (same as PAINLIT_NO_CACHE=1).")] = False,
    no_pager: Annotated[bool, typer.Option(
        "--no-pager", help="Never page long output (also PAINLIT_PAGER=cat).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    state.data = data
    state.json = json_output
    state.cache = not no_cache
    state.limit = limit
    state.pager = not no_pager


# Commands kept in their own modules register themselves on `app` when imported; each module
# imports its heavy dependencies (httpx, the report renderers) inside the command bodies.
from painlit.commands import (  # noqa: E402, F401
    check,
    cite,
    corpus,
    diff,
    export,
    online,
    report,
    review,
)


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="painlit")
    except KeyboardInterrupt:  # during start-up or option parsing
        sys.stderr.write("painlit: interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None

