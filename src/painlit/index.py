"""The corpus index: the checked and graded corpus kept in SQLite, updated record by record.

One straight road from the YAML file to the answer: `check_indexed(path)` gives the corpus
and its problems exactly as `painlit.loader.check_corpus` would (graded, with the warnings
`painlit validate` adds), but

* when the file is as it was last time (same size, times and inode, and not changed within
  RACY_SECONDS of the index write: git's "racily clean" rule), only the index is read;
* otherwise only the records whose bytes changed are parsed and checked
  (`painlit.indexing`); the records stay in the index as JSON (painlit.codec) and are decoded
  when a command uses them.

Queries ask the index's facts table (painlit.facts) which records pass, in SQL; grading reads
the index columns (`painlit.model.CorpusIndex`), each stored as chunks of JSON values and
loaded the first time it is used; records are decoded one by one when shown.

The index is one SQLite file per corpus path in the index folder (`$PAINLIT_CACHE_DIR`, else
`$XDG_CACHE_HOME/painlit/index`). SQLite's locking lets concurrent runs share it: a run that
must bring it up to date holds the write lock from reading the file to committing, so a
second run waits and then finds the work done. A killed run leaves the last committed state.
A file that is not an index of this painlit (damaged, foreign, another version) is deleted
and built again, never trusted. Nothing is pickled and no process is started.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path

from painlit.errors import CorpusError, Problem
from painlit.model import (
    Corpus,
)
from painlit.store import (
    IndexDamaged,
    Store,
    _remove,
    index_file,
)
from painlit.yamlfile import read_bytes

#: Seconds within which a file's timestamps cannot tell two writes apart on every file
#: system (FAT keeps 2 s; ext2/3, HFS+ and several network file systems 1 s).
RACY_SECONDS = 2


def index_directory() -> Path | None:
    """Where index files live, or None when the index is turned off (PAINLIT_NO_CACHE)."""
    if os.environ.get("PAINLIT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("PAINLIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "painlit" / "index"


def load_corpus_indexed(path: str | Path, *, directory: Path | None = None) -> Corpus:
    """The graded corpus in `path`; raises CorpusError as `painlit.loader.load_corpus` does."""
    corpus, problems = check_indexed(path, directory=directory)
    if corpus is None:
        raise CorpusError(problems)
    return corpus


def check_indexed(path: str | Path, *, directory: Path | None = None
                  ) -> tuple[Corpus | None, list[Problem]]:
    """The corpus (graded; None when it has errors) and every problem, as
    `painlit.loader.check_corpus` gives them, through the index when there is one."""
    path = Path(path)
    folder = directory if directory is not None else index_directory()
    store = Store.open(folder, path) if folder is not None else None
    if store is None:
        return check_whole(read_bytes(path), str(path))
    try:
        return _check(store, path, str(path))
    except (sqlite3.DatabaseError, IndexDamaged):  # damaged: start again without it
        store.db.close()
        forget(str(path), folder)
        return check_whole(read_bytes(path), str(path))


def check_whole(raw: bytes, shown: str) -> tuple[Corpus | None, list[Problem]]:
    """The corpus read whole (painlit.loader), graded."""
    from painlit.grading import grade_all
    from painlit.loader import check_bytes

    corpus, problems = check_bytes(raw, shown)
    if corpus is not None:
        grade_all(corpus)
    return corpus, problems


def _check(store: Store, path: Path, shown: str) -> tuple[Corpus | None, list[Problem]]:
    """The corpus and problems of the file at `path`, bringing the index up to date."""
    signature = _signature(path)
    if signature is not None and store.meta("signature") == signature:
        stored = store.stored(shown)
        if stored is not None:
            return stored
    from painlit.indexing import update  # only when the file changed

    try:
        store.db.execute("BEGIN IMMEDIATE")  # one writer at a time; others wait here
    except sqlite3.OperationalError:  # locked for longer than LOCK_SECONDS: do without
        return check_whole(read_bytes(path), shown)
    try:
        result = update(store, path, shown)
        if result is None:  # a layout only a whole reading is sure of: keep nothing
            store.clear()
            result = check_whole(read_bytes(path), shown)
        elif signature is not None and _signature(path) == signature \
                and not _racy(signature):
            store.put("signature", signature)
        store.db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            store.db.execute("ROLLBACK")
        raise
    return result


def forget(path: str, folder: Path | None = None) -> None:
    """Remove the index of the corpus at `path` (it was found damaged) from `folder`, by
    default the index folder."""
    folder = folder if folder is not None else index_directory()
    if folder is not None:
        _remove(index_file(folder, Path(path)))


def _signature(path: Path) -> str | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    # ctime changes on every write and cannot be set back, unlike mtime.
    return json.dumps([info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
                       info.st_ctime_ns])


def _racy(signature: str) -> bool:
    """Whether the file was changed so recently that a later write in the same timestamp
    tick could keep its size and times (git's "racily clean" rule): then the signature is not
    stored, and the next run hashes the records again."""
    *_, mtime, ctime = json.loads(signature)
    return bool(time.time_ns() - max(mtime, ctime) < RACY_SECONDS * 1_000_000_000)


