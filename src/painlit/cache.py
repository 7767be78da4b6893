"""A cache of the checked and graded corpus, so everyday commands skip YAML entirely.

The cache entry for a corpus file is named by a hash of the file's bytes and of painlit's own
code (the modules that read and grade a corpus), so any change to either makes a new entry;
the old one is never read again and is pruned later. An entry holds the corpus and each
claim's certainty and verdict, pickled. It is read with an unpickler that accepts only
painlit's record classes and dates, so a tampered file cannot run code; a corrupt, truncated
or foreign entry is ignored and rebuilt. Entries are written atomically, so concurrent runs
see a whole entry or none. The cache is an optimisation only: when the cache directory
cannot be written, painlit works without it.

So that an unchanged file need not even be read and hashed, a small pointer file, named by
the file's path and its stat signature (device, inode, size, modification and change times;
the change time moves on every write and cannot be set back), names the entry last built
from it. Any write to the file changes the signature, and the bytes are then hashed again.
On a file system with coarse timestamps, a write that keeps the size in the same second
would not: so no pointer is written for a file changed in the last `RACY_SECONDS` (git's
"racily clean" rule), and such a file is hashed again until it is older.

Where: `$PAINLIT_CACHE_DIR`, else `$XDG_CACHE_HOME/painlit/corpus`, else
`~/.cache/painlit/corpus`. `PAINLIT_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import mmap
import os
import pickle
import re
import struct
import zlib
from pathlib import Path
from typing import cast

from painlit import __version__
from painlit.errors import CorpusError, OutputError
from painlit.grading import GradeTable, LazyGrades, grade_all
from painlit.model import Corpus, CorpusIndex
from painlit.pickled import PickledRecords, collector_paused, dump, load, pack
from painlit.yamlfile import read_bytes

#: Bumped whenever what an entry holds changes shape.
FORMAT = 8
MAGIC = b"painlit-corpus-cache\n"
#: Bytes of the checksum (CRC-32) that follows MAGIC: damage that would still unpickle is
#: caught. A checksum, not a signature: the unpickler's allow-list is what keeps code out.
DIGEST_SIZE = 4
#: Entries kept per cache directory; older ones are removed after a write.
KEEP = 8
#: The modules whose code decides what a corpus reads and grades as.
_CODE = ("model.py", "loader.py", "parts.py", "yamlfile.py", "grading.py", "dosing.py",
         "errors.py", "pickled.py", "cache.py")


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
    folder = directory if directory is not None else cache_directory()
    if folder is None:
        return _parse(read_bytes(path), shown)
    before = _stat(path)
    pointer = folder / f"{_stat_key(path, before)}.stat" if before else None
    if pointer is not None:  # unchanged since seen: no need to read the file at all
        corpus = _via_pointer(pointer, folder)
        if corpus is not None:
            object.__setattr__(corpus, "path", shown)  # the same bytes may live elsewhere
            return corpus
    raw = read_bytes(path)
    key = _key(raw)
    entry = folder / f"{key}.pickle"
    corpus = read_entry(entry)
    if corpus is None:
        corpus = _parse(raw, shown)
        del raw  # hashed and read: free it before the entry is written (a large file's worth)
        write_entry(entry, corpus)
    else:
        object.__setattr__(corpus, "path", shown)
    if pointer is not None and _stat(path) == before and before is not None \
            and not _racy(before):  # not changed while read, nor too recently to tell
        _write(pointer, key.encode("ascii"))
    return corpus


#: Seconds within which a file's timestamps cannot tell two writes apart on every file
#: system (FAT keeps 2 s; ext2/3, HFS+ and several network file systems 1 s).
RACY_SECONDS = 2


def _racy(stat: tuple[int, ...]) -> bool:
    """Whether the file was changed so recently that a later write in the same timestamp
    tick could keep its size and times (git's "racily clean" rule): then no pointer is
    written, and the next run hashes the bytes again."""
    import time

    changed = max(stat[3], stat[4])  # mtime, ctime (ns)
    return time.time_ns() - changed < RACY_SECONDS * 1_000_000_000


def is_cached(path: str | Path) -> bool:
    """Whether an entry for the file as it is now (by its stat signature) is in the cache."""
    path = Path(path)
    folder, stat = cache_directory(), _stat(path)
    if folder is None or stat is None:
        return False
    key = _pointed_key(folder / f"{_stat_key(path, stat)}.stat")
    return key is not None and (folder / f"{key}.pickle").is_file()


def _stat(path: Path) -> tuple[int, ...] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    # ctime changes on every write and cannot be set back, unlike mtime.
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _stat_key(path: Path, stat: tuple[int, ...]) -> str:
    text = f"{os.path.abspath(path)}\n{stat}\n{_code_stamp()}"
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def _via_pointer(pointer: Path, folder: Path) -> Corpus | None:
    key = _pointed_key(pointer)
    return None if key is None else read_entry(folder / f"{key}.pickle")


def _pointed_key(pointer: Path) -> str | None:
    try:
        key = pointer.read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError):
        return None
    if len(key) != 40 or not all(c in "0123456789abcdef" for c in key):
        return None
    return key


def _parse(raw: bytes, shown: str) -> Corpus:
    from painlit.loader import check_bytes

    corpus, problems = check_bytes(raw, shown)
    if corpus is None:
        raise CorpusError(problems)
    grade_all(corpus)  # fills corpus.memo, so the grades are cached too
    return corpus


def _key(raw: bytes) -> str:
    digest = hashlib.sha256(raw)  # the fastest of hashlib's here (CPU instructions for it)
    digest.update(_code_stamp().encode())
    return digest.hexdigest()[:40]


@functools.cache
def _code_stamp() -> str:
    here = Path(__file__).parent
    stamp = [f"{FORMAT}:{__version__}:{pickle.HIGHEST_PROTOCOL}"]
    for name in _CODE:  # the code's size and modification time stand for its content
        with contextlib.suppress(OSError):
            info = os.stat(here / name)
            stamp.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(stamp)


# An entry: MAGIC, a CRC-32 of the rest, the header's length (8 bytes), the header (a pickle
# of the small parts of the corpus, its index columns, each claim's certainty and verdict, and
# where each record is), then every study and claim pickled on its own, so that each is decoded
# only when it is used. Grades are computed again when shown (painlit.grading.LazyGrades).
_LENGTH = struct.Struct(">Q")
_HEAD = len(MAGIC) + DIGEST_SIZE


def read_entry(entry: Path) -> Corpus | None:
    """The corpus in a cache entry, or None when it is missing, corrupt or not ours."""
    try:
        with entry.open("rb") as stream:
            buffer = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # ValueError: an empty file cannot be mapped
        return None
    try:
        return _open(buffer)
    except Exception:  # any damage at all means: not usable, rebuild
        return None


def _open(buffer: mmap.mmap) -> Corpus | None:
    if buffer[:len(MAGIC)] != MAGIC or buffer[len(MAGIC):_HEAD] != _digest(
            memoryview(buffer)[_HEAD:]):
        return None
    (length,) = _LENGTH.unpack_from(buffer, _HEAD)
    start = _HEAD + _LENGTH.size
    with collector_paused():
        header = load(buffer[start:start + length])
    if not isinstance(header, tuple) or len(header) != 10:
        return None
    (info, conditions, mechanisms, substances, sources, outcomes, index, levels, offsets,
     path) = header
    if not isinstance(index, CorpusIndex) or not isinstance(offsets, tuple):
        return None
    base = start + length
    studies, claims = (_offsets(raw, len(buffer) - base) for raw in offsets)
    if (len(studies) != len(index.study_ids) + 1 or len(claims) != len(index.claim_ids) + 1
            or not isinstance(levels, tuple) or len(levels) != len(index.claim_ids)):
        return None
    corpus = Corpus(info=info, conditions=conditions, mechanisms=mechanisms,
                    substances=substances, sources=sources,
                    studies=PickledRecords(buffer, base, studies),
                    claims=PickledRecords(buffer, base, claims), path=path,
                    outcomes=outcomes, prebuilt_index=index)
    corpus.memo["grades"] = GradeTable(corpus.claim_position, LazyGrades(corpus), levels)
    return corpus


def _offsets(raw: object, size: int) -> array.array[int]:
    offsets = array.array("Q")
    offsets.frombytes(cast(bytes, raw))
    if not offsets or offsets[0] > offsets[-1] or offsets[-1] > size:
        raise ValueError("record offsets do not fit the entry")
    return offsets


def write_entry(entry: Path, corpus: Corpus) -> None:
    """Store a corpus; silently skipped when the cache directory cannot be written."""
    try:
        pieces = _entry_pieces(corpus)
    except (pickle.PicklingError, RecursionError):
        return
    if _write(entry, pieces):
        _prune(entry.parent)


def encode_entry(corpus: Corpus) -> bytes:
    """What a cache entry holds (see above): the corpus and its claims' certainty columns."""
    return b"".join(_entry_pieces(corpus))


def _entry_pieces(corpus: Corpus) -> list[bytes | memoryview]:
    """The entry in pieces, in order (a large one is never copied into one string)."""
    grades = grade_all(corpus)
    body: list[bytes | memoryview] = []
    offsets = []
    size = 0
    for records in (corpus.studies, corpus.claims):
        # Records still pickled (read in parts, or from an entry) are stored as they are.
        piece, where = (records.pickles() if isinstance(records, PickledRecords)
                        else pack(records))
        body.append(piece)
        offsets.append(array.array("Q", (size + offset for offset in where)).tobytes())
        size += len(piece)
    header = dump(
        (corpus.info, corpus.conditions, corpus.mechanisms, corpus.substances, corpus.sources,
         corpus.outcomes,
         corpus.index, tuple(grades.levels), tuple(offsets), corpus.path))
    pieces: list[bytes | memoryview] = [_LENGTH.pack(len(header)), header, *body]
    crc = 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    return [MAGIC, crc.to_bytes(DIGEST_SIZE, "big"), *pieces]


def _digest(payload: bytes | memoryview) -> bytes:
    return zlib.crc32(payload).to_bytes(DIGEST_SIZE, "big")


#: Written into a cache folder painlit creates. Only a folder holding it is ever pruned, and
#: only of files named and shaped as painlit's own: a folder the user named with
#: PAINLIT_CACHE_DIR that painlit did not create keeps everything in it.
TAG = "painlit-cache.tag"
TAG_TEXT = b"painlit corpus cache: painlit may delete its own entries in this folder\n"
_ENTRY_NAME = re.compile(r"[0-9a-f]{40}\.(pickle|stat)")


def _write(target: Path, data: bytes | list[bytes | memoryview]) -> bool:
    from painlit.atomic import write_atomic

    folder = target.parent
    try:
        # painlit's folder: one it creates, or the default `.../painlit/corpus` by its name.
        if not folder.is_dir() or (folder.name == "corpus" and folder.parent.name == "painlit"
                                   and not (folder / TAG).exists()):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(folder / TAG, TAG_TEXT, force=True, mode=0o600, durable=False)
        # No fsync: an entry cut short by a power failure fails its checksum and is rebuilt.
        write_atomic(target, data, force=True, mode=0o600, durable=False)
    except (OSError, OutputError):
        return False
    return True


def _prune(folder: Path) -> None:
    """Keep the newest entries (and pointers) in a folder painlit made; concurrent runs may
    race here harmlessly. Only painlit's own files go: a 40-hex-digit name, and for an entry
    the cache's magic bytes at its start."""
    try:
        if (folder / TAG).read_bytes() != TAG_TEXT:
            return
    except OSError:
        return  # not a folder painlit created: never delete anything in it
    for pattern in ("*.pickle", "*.stat"):
        with contextlib.suppress(OSError):
            found = sorted((path for path in folder.glob(pattern) if _own(path)),
                           key=_mtime, reverse=True)
            for old in found[KEEP:]:
                with contextlib.suppress(OSError):
                    old.unlink()


def _own(path: Path) -> bool:
    if not _ENTRY_NAME.fullmatch(path.name) or path.is_symlink():
        return False
    if path.suffix == ".stat":
        return _pointed_key(path) is not None
    try:
        with path.open("rb") as stream:
            return stream.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
