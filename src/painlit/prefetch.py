"""Start reading a large corpus while the command line is still starting up.

The first run over a large, not yet cached corpus spends its first few tenths of a second
importing Typer, Rich and pydantic on one core while the other is idle. `start`, called by
`painlit.__main__` before those imports, looks at the arguments for a command that reads the
corpus and, when the corpus file is large and not in the cache, forks a process that reads it
into the cache (painlit.cache) in the meantime. The command then waits for that process
(`wait`, from painlit.cli.current_corpus) and takes the corpus from the cache; when that
process could not cache it (a corpus with errors, say), the command reads the file itself and
reports what is wrong as usual. Nothing the process does is ever shown: it only fills the
cache, which is keyed by the file's bytes, so a wrong guess costs time, never a wrong result.
If the command ends without waiting (a usage error), the process is stopped.

The arguments are looked at, not parsed: anything unexpected means no prefetch, and Typer
alone decides what the command line means (tests keep the option names here in step with it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

#: Files at least this large are worth it: the size from which the loader reads a file in
#: parts, side by side (painlit.loader.PARTS_FROM_BYTES; a test keeps them equal).
FROM_BYTES = 4_000_000
#: The commands that read the corpus (and do nothing else first).
CORPUS_COMMANDS = frozenset({"condition", "mechanism", "claims", "claim", "studies", "study",
                             "substances", "sources",
                             "search", "conditions", "mechanisms", "map", "cite", "report"})
#: painlit's own options (before the command): those taking a value, flags that change
#: nothing here, and those after which no corpus is read through the cache.
VALUE_OPTIONS = frozenset({"--data", "--limit"})
FLAG_OPTIONS = frozenset({"--json", "--no-pager"})
STOP_OPTIONS = frozenset({"--no-cache", "--version", "--help", "-h", "--install-completion",
                          "--show-completion"})

_child: int | None = None


def corpus_path(arguments: Sequence[str], environ: Mapping[str, str]) -> Path | None:
    """The corpus file that `painlit ARGUMENTS` reads through the cache, when plainly so."""
    data = environ.get("PAINLIT_DATA") or None
    words = iter(arguments)
    for word in words:
        name, has_value, value = word.partition("=")
        if name in VALUE_OPTIONS:
            if not has_value:
                value = next(words, "")
            if name == "--data":
                data = value or None
        elif word in FLAG_OPTIONS:
            continue
        elif word in CORPUS_COMMANDS:
            if any(rest in STOP_OPTIONS or rest == "--" for rest in words):
                return None
            if data is None:
                from painlit.paths import default_corpus_path

                return default_corpus_path()
            return Path(data)
        else:  # a STOP_OPTIONS one, another command, something unexpected
            return None
    return None


def start(arguments: Sequence[str], environ: Mapping[str, str] = os.environ) -> None:
    """Fork a process to read the corpus into the cache, if the arguments plainly call for
    a large corpus that is not cached yet (on systems that can fork)."""
    global _child
    threading = sys.modules.get("threading")
    if (_child is not None or not hasattr(os, "fork")
            or (threading is not None and threading.active_count() != 1)):
        return  # forking a process with threads is not safe
    path = corpus_path(arguments, environ)
    if path is None:
        return
    try:
        if os.stat(path).st_size < FROM_BYTES:
            return
    except OSError:
        return  # the command will say what is wrong with the path
    from painlit.cache import cache_directory, is_cached

    if cache_directory() is None or is_cached(path):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which ends with os._exit
        _fill_cache(path, parent)
    _child = pid
    import atexit

    atexit.register(stop)


def _fill_cache(path: Path, parent: int) -> None:  # pragma: no cover - the forked child
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: end at once, quietly
        from painlit.parallel import die_with_parent

        die_with_parent(parent, signal.SIGTERM)  # the command killed: stop reading too
        quiet = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(quiet, stream)
        from painlit.cache import load_corpus_cached

        load_corpus_cached(path)
    except BaseException:  # the command then reads the file itself, and reports
        pass
    finally:
        os._exit(0)


def wait() -> None:
    """Wait for the process started by `start`, if any, to finish filling the cache."""
    global _child
    pid, _child = _child, None
    if pid is not None:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        except BaseException:  # Ctrl-C while waiting: stop it too
            _stop(pid)
            raise


def stop() -> None:
    """Stop the process started by `start`, if it is still running (the command did not
    need the corpus after all)."""
    global _child
    pid, _child = _child, None
    if pid is not None:
        _stop(pid)


def _stop(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
