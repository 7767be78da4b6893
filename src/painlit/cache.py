"""A cache of the checked and graded corpus, so everyday commands skip YAML entirely.

The cache entry for a corpus file is named by a hash of the file's bytes and of painlit's own
code (the modules that read and grade a corpus), so any change to either makes a new entry;
the old one is never read again and is pruned later. An entry holds the corpus and its grades,
pickled. It is read with an unpickler that accepts only painlit's record classes and dates, so
a tampered file cannot run code; a corrupt, truncated or foreign entry is ignored and rebuilt.
Entries are written atomically, so concurrent runs see a whole entry or none. The cache is an
optimisation only: when the cache directory cannot be written, painlit works without it.

Where: `$PAINLIT_CACHE_DIR`, else `$XDG_CACHE_HOME/painlit/corpus`, else
`~/.cache/painlit/corpus`. `PAINLIT_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import os
import pickle
from pathlib import Path

from painlit import __version__
from painlit.errors import CorpusError, OutputError
from painlit.model import Corpus
from painlit.yamlfile import read_bytes

#: Bumped whenever what an entry holds changes shape.
FORMAT = 1
MAGIC = b"painlit-corpus-cache\n"
#: Entries kept per cache directory; older ones are removed after a write.
KEEP = 8
#: The modules whose code decides what a corpus reads and grades as.
_CODE = ("model.py", "loader.py", "yamlfile.py", "grading.py", "dosing.py", "errors.py",
         "cache.py")
_ALLOWED_MODULES = ("painlit.model", "painlit.grading")


def cache_directory() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    if os.environ.get("PAINLIT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("PAINLIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "painlit" / "corpus"


def load_corpus_cached(path: str | Path, *, directory: Path | None = None) -> Corpus:
    """The corpus in `path`, graded, from the cache when its bytes were seen before.

    Raises CorpusError exactly as `painlit.loader.load_corpus` does.
    """
    path = Path(path)
    shown = str(path)
    raw = read_bytes(path)
    folder = directory if directory is not None else cache_directory()
    entry = folder / f"{_key(raw)}.pickle" if folder is not None else None
    if entry is not None:
        corpus = read_entry(entry)
        if corpus is not None:
            object.__setattr__(corpus, "path", shown)  # the same bytes may live elsewhere
            return corpus
    corpus = _parse(raw, shown)
    if entry is not None:
        write_entry(entry, corpus)
    return corpus


def _parse(raw: bytes, shown: str) -> Corpus:
    from painlit.grading import grade_all
    from painlit.loader import check_bytes

    corpus, problems = check_bytes(raw, shown)
    if corpus is None:
        raise CorpusError(problems)
    grade_all(corpus)  # fills corpus.memo, so the grades are cached too
    return corpus


def _key(raw: bytes) -> str:
    digest = hashlib.blake2b(raw, digest_size=20)
    here = Path(__file__).parent
    stamp = [f"{FORMAT}:{__version__}:{pickle.DEFAULT_PROTOCOL}"]
    for name in _CODE:  # the code's size and modification time stand for its content
        with contextlib.suppress(OSError):
            info = os.stat(here / name)
            stamp.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    digest.update("\n".join(stamp).encode())
    return digest.hexdigest()


class _RecordUnpickler(pickle.Unpickler):
    """Builds painlit records and dates, and nothing else."""

    def find_class(self, module: str, name: str) -> type:
        if module == "datetime" and name == "date":
            from datetime import date

            return date
        if module in _ALLOWED_MODULES and not name.startswith("_"):
            import importlib

            found = getattr(importlib.import_module(module), name, None)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a painlit record")


def read_entry(entry: Path) -> Corpus | None:
    """The corpus in a cache entry, or None when it is missing, corrupt or not ours."""
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return None
    enabled = gc.isenabled()
    gc.disable()  # millions of new objects, none of them garbage: collecting is wasted time
    try:
        corpus = _RecordUnpickler(io.BytesIO(data[len(MAGIC):])).load()
    except Exception:  # any damage at all means: not usable, rebuild
        return None
    finally:
        if enabled:
            gc.enable()
    if not isinstance(corpus, Corpus) or "grades" not in corpus.memo:
        return None
    return corpus


def write_entry(entry: Path, corpus: Corpus) -> None:
    """Store a corpus; silently skipped when the cache directory cannot be written."""
    from painlit.atomic import write_atomic

    try:
        data = MAGIC + pickle.dumps(corpus, protocol=pickle.HIGHEST_PROTOCOL)
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(entry, data, force=True, mode=0o600)
    except (OSError, OutputError, pickle.PicklingError, RecursionError):
        return
    _prune(entry.parent, keep=entry)


def _prune(folder: Path, keep: Path) -> None:
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            if old != keep:
                with contextlib.suppress(OSError):
                    old.unlink()
