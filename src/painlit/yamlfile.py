"""Read a YAML file into a node tree, safely, with every failure located.

Only the *compose* stage of PyYAML runs here: it builds nodes that keep their line and column
and constructs no Python objects, so tags that ask for Python objects do nothing, and aliases
stay shared nodes (an alias bomb costs no memory). libyaml caps nesting depth itself.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

from painlit.errors import CorpusError, Problem

try:  # the C loader is several times faster; the pure-Python one behaves the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Files larger than this are refused before being read (a corpus of 100,000 studies is ~100 MB).
MAX_BYTES = 256 * 1024 * 1024


def _file_problem(path: str, message: str, *, line: int = 0, column: int = 0,
                  hint: str | None = None) -> CorpusError:
    return CorpusError([Problem(path, line, column, "", "", message, hint)])


def read_text(path: Path, max_bytes: int | None = None) -> str:
    """The file's text, refusing what is not a readable UTF-8 file of sensible size."""
    shown = str(path)
    limit = MAX_BYTES if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
        size = info.st_size
        if stat.S_ISDIR(info.st_mode):
            raise _file_problem(shown, "is a directory, not a corpus file")
        if not stat.S_ISREG(info.st_mode):  # a device or pipe has no size to check
            raise _file_problem(shown, "is not a regular file", hint="give a corpus file")
        if size > limit:
            raise _file_problem(
                shown,
                f"file is {size / 1024 / 1024:.0f} MB, over the {limit // 1024 // 1024} MB limit",
                hint="is this really a corpus file?",
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _file_problem(shown, "no such file", hint="give a corpus file with --data or "
                            "PAINLIT_DATA") from None
    except PermissionError:
        raise _file_problem(shown, "permission denied") from None
    except OSError as error:
        raise _file_problem(shown, f"cannot read the file: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise _file_problem(
            shown, f"not UTF-8 text (byte 0x{raw[error.start]:02x})", line=line, column=column,
            hint="save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def compose(text: str, shown: str) -> yaml.Node | None:
    """The single YAML document in `text` as nodes, or None when the file holds no document."""
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise _file_problem(
            shown,
            f"not valid YAML: {message or 'syntax error'}",
            line=mark.line + 1 if mark else 0,
            column=mark.column + 1 if mark else 0,
        ) from None
    except yaml.YAMLError as error:
        raise _file_problem(shown, f"not valid YAML: {error}") from None
    except RecursionError:
        raise _file_problem(shown, "not valid YAML: nesting is too deep") from None


def read_nodes(path: Path, max_bytes: int | None = None) -> yaml.Node:
    """Read and compose a corpus file; raise CorpusError for anything unreadable or empty."""
    node = compose(read_text(path, max_bytes), str(path))
    if node is None:
        raise _file_problem(str(path), "the file is empty", hint="a corpus starts with `corpus:`")
    return node
