"""What every command that goes online shares: the HTTP session with its cache and notices,
and the --no-cache and --refresh options. The online layer is imported only when a session
opens, so offline commands never import httpx."""


import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from painlit.commands.shared import err, state
from painlit.console import one_line

if TYPE_CHECKING:
    from painlit.online.http import Http

NoCacheOption = Annotated[bool, typer.Option(
    "--no-cache", help="Neither read nor write the response cache.")]
RefreshOption = Annotated[bool, typer.Option(
    "--refresh", help="Ignore cached answers (fresh answers are still cached).")]
DeadlineOption = Annotated[float | None, typer.Option(
    "--deadline", envvar="PAINLIT_DEADLINE", metavar="SECONDS", show_default=False,
    help="Seconds one request may take, headers and body together [default: 60].")]
BudgetOption = Annotated[float | None, typer.Option(
    "--budget", envvar="PAINLIT_BUDGET", metavar="SECONDS", show_default=False,
    help="Seconds the command may spend asking the services, waits included; 0: no limit "
    "[default: 600].")]


def notice(message: str) -> None:
    """A line about the network (a retry, a wait) on stderr."""
    err.print(f"painlit: {one_line(message)}", style="dim", markup=False, highlight=False,
              soft_wrap=True)


def _seconds(value: float | None, option: str, *, zero_ok: bool = False) -> float | None:
    """A --deadline or --budget value, checked: a finite number of seconds above 0 (or 0,
    meaning no limit, for the budget)."""
    if value is None:
        return None
    if math.isfinite(value) and (value > 0 or (zero_ok and value == 0)):
        return value
    wanted = "0 (no limit) or more" if zero_ok else "above 0"
    raise typer.BadParameter(f"expected a number of seconds {wanted}", param_hint=option)


def cache_off(no_cache: bool) -> bool:
    """The command's --no-cache, the global --no-cache, or PAINLIT_NO_CACHE."""
    return no_cache or not state.cache or os.environ.get("PAINLIT_NO_CACHE", "") not in ("", "0")


@contextmanager
def online_session(no_cache: bool, refresh: bool, deadline: float | None = None,
                   budget: float | None = None) -> "Iterator[Http]":
    from painlit.online import http

    deadline = _seconds(deadline, "--deadline")
    budget = _seconds(budget, "--budget", zero_ok=True)
    client = http.make_client()
    cache = None if cache_off(no_cache) else http.Cache(http.cache_root(), read=not refresh)
    try:
        yield http.Http(client, cache=cache, notify=notice, deadline=deadline, budget=budget)
    finally:
        client.close()
