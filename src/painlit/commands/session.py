"""What every command that goes online shares: the HTTP session with its cache and notices,
and the --no-cache and --refresh options. The online layer is imported only when a session
opens, so offline commands never import httpx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from painlit.cli import err, state
from painlit.console import clean

if TYPE_CHECKING:
    from painlit.online.http import Http

NoCacheOption = Annotated[bool, typer.Option(
    "--no-cache", help="Neither read nor write the response cache.")]
RefreshOption = Annotated[bool, typer.Option(
    "--refresh", help="Ignore cached answers (fresh answers are still cached).")]


def notice(message: str) -> None:
    """A line about the network (a retry, a wait) on stderr."""
    err.print(f"painlit: {clean(message)}", style="dim", markup=False, highlight=False,
              soft_wrap=True)


def cache_off(no_cache: bool) -> bool:
    """The command's --no-cache, the global --no-cache, or PAINLIT_NO_CACHE."""
    return no_cache or not state.cache or os.environ.get("PAINLIT_NO_CACHE", "") not in ("", "0")


@contextmanager
def online_session(no_cache: bool, refresh: bool) -> Iterator[Http]:
    from painlit.online import http

    client = http.make_client()
    cache = None if cache_off(no_cache) else http.Cache(http.cache_root(), read=not refresh)
    try:
        yield http.Http(client, cache=cache, notify=notice)
    finally:
        client.close()
