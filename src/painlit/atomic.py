"""Writing files so that a reader never sees half of one.

Every file painlit writes (reports, citations, exports, an appended corpus, the screening
log, the HTTP cache) goes through `write_atomic`: the bytes go to a temporary file in the
target's directory, are flushed to disk, and the temporary file is renamed over the target
in one step. If anything fails on the way (a full disk, a read-only directory, Ctrl-C) the
temporary file is removed and the target is exactly as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from painlit.errors import OutputError

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the directory does not exist",
    errno.ENOTDIR: "a parent of the path is not a directory",
    errno.EISDIR: "the path is a directory",
}


def describe_os_error(error: OSError) -> str:
    """A short reason for an OS error, without Python's `[Errno n]` noise."""
    reason = _REASONS.get(error.errno or 0)
    return reason or (error.strerror or type(error).__name__).lower()


def write_atomic(
    path: Path,
    data: bytes | Iterable[bytes | memoryview],
    *,
    force: bool = False,
    protect: tuple[Path, ...] = (),
    mode: int | None = None,
    durable: bool = True,
) -> None:
    """Write `data` to `path` in one step.

    An existing file is replaced only with `force`. Paths in `protect` (the corpus) are never
    written, whatever `force` says. `mode` sets the permissions of a new file (default: the
    usual 0o666 less the umask); an existing file keeps its own. `durable=False` skips
    flushing to disk before the rename, for files that can be rebuilt: after a
    power cut such a file may be empty or short, never half-replaced while painlit runs.
    Raises `OutputError` with the path and a reason; the target is then unchanged.
    """
    shown = str(path)
    # A symlink is written through: the file it points to is replaced, the link stays.
    target = Path(os.path.realpath(path)) if Path(path).is_symlink() else Path(path)
    if target.is_dir():
        raise OutputError(f"cannot write {shown}: it is a directory",
                          hint="give a file name, not a directory")
    with contextlib.suppress(OSError):
        kind = os.stat(target).st_mode
        if not stat.S_ISREG(kind):  # a device, FIFO or socket is never replaced by a file
            raise OutputError(f"refusing to write {shown}: it is not a regular file (a device, "
                              "pipe or socket)", hint="give a file name; '-' writes to stdout")
    for guarded in protect:
        with contextlib.suppress(OSError):
            if target.exists() and guarded.exists() and target.samefile(guarded):
                raise OutputError(f"refusing to overwrite the corpus file {shown}",
                                  hint="write the report somewhere else with -o PATH")
    exists = target.exists()
    if exists and not force:
        raise OutputError(f"{shown} already exists", hint="use --force to replace it")
    directory = target.parent if str(target.parent) else Path(".")
    keep_mode = _existing_mode(target) if exists else None
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write {shown}: {describe_os_error(error)}",
                          hint="choose another place with -o PATH") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(data, bytes):
                stream.write(data)
            else:  # in pieces, so a large file is never joined in memory first
                for piece in data:
                    stream.write(piece)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        if keep_mode is not None:
            os.chmod(temporary, keep_mode)
        else:
            os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, target)
    except OSError as error:
        _remove(temporary)
        raise OutputError(f"cannot write {shown}: {describe_os_error(error)}",
                          hint="nothing was changed; free space or choose another place"
                          ) from None
    except BaseException:
        _remove(temporary)
        raise


def _existing_mode(target: Path) -> int | None:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _remove(temporary: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temporary)
