"""The corpus index: the checked and graded corpus kept in SQLite, updated record by record.

One straight road from the YAML file to the answer: `check_indexed(path)` gives the corpus
and its problems exactly as `painlit.loader.check_corpus` would, but

* when the file is as it was last time (same size, times, inode; not changed within the last
  RACY_SECONDS of the index write, git's "racily clean" rule), nothing is read but the index;
* otherwise the file is cut at its records' boundaries (painlit.parts) and each record's bytes
  are hashed: a record whose bytes the index holds comes from the index as it was checked,
  and only new or changed records are parsed and checked. The rest of the file (the small
  sections: the skeleton) is small and is read every time. The checks that span records
  (ids, references, identifiers, the condition tree) run over everything on every change;
* each claim's certainty and verdict is stored with a digest of what it was computed from
  (the claim's bytes, the bytes of the studies it cites, the skeleton's) and computed again
  only when that changes.

Records are stored as JSON (painlit.codec), never pickled. The index is one SQLite file per
corpus path in the index folder (`$PAINLIT_CACHE_DIR`, else `$XDG_CACHE_HOME/painlit/index`);
SQLite's locking lets concurrent runs share it (a writer holds the write lock from reading
the file to committing, so a second run waits and then finds the work done), and a killed
run leaves the last committed state. A file that is not an index of this painlit (damaged,
foreign, another version) is deleted and built again, never trusted.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar, cast

from painlit import __version__, codec
from painlit.errors import CorpusError, Problem, Severity
from painlit.model import (
    Certainty,
    Claim,
    Condition,
    Corpus,
    CorpusIndex,
    CorpusInfo,
    LazySequence,
    Mechanism,
    Outcome,
    Source,
    Study,
    Substance,
)
from painlit.yamlfile import read_bytes, refuse_dense

T = TypeVar("T")

#: Changes whenever what the index stores changes shape.
FORMAT = 1
#: SQLite's application id for painlit's index files ("PLIX").
APPLICATION_ID = 0x504C4958
#: Seconds within which a file's timestamps cannot tell two writes apart on every file
#: system (FAT keeps 2 s; ext2/3, HFS+ and several network file systems 1 s).
RACY_SECONDS = 2
#: Changed records are parsed in runs of at most about this many bytes.
RUN_BYTES = 2_000_000
#: How long a run waits for another run that is writing the same index.
LOCK_SECONDS = 600.0
#: Index files kept in a folder painlit made (one per corpus path); older ones are deleted.
KEEP = 16
TAG = "painlit-index.tag"
TAG_TEXT = b"painlit corpus index: painlit may delete its own index files in this folder\n"
SECTIONS = ("studies", "claims")
_DIGEST = 16

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    digest BLOB PRIMARY KEY,   -- of the record's bytes in the file
    section TEXT NOT NULL,     -- studies or claims
    lines INTEGER NOT NULL,    -- newlines in those bytes
    position INTEGER NOT NULL, -- where it was in its list when read (names records[i])
    year INTEGER,              -- a study's year (the latest plausible year is checked again)
    problems INTEGER NOT NULL, -- 1 when reading it found problems
    checked TEXT NOT NULL,     -- [id as written, [id, where, id where] or null, problems,
                               --  references], lines counted from the record's first line
    body TEXT                  -- the record (painlit.codec), null when it cannot be made
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grades (
    inputs BLOB PRIMARY KEY,   -- digest of the claim's, its studies' and the skeleton's bytes
    certainty INTEGER NOT NULL,
    verdict TEXT NOT NULL
) WITHOUT ROWID;
"""


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
    store = _Store.open(folder, path) if folder is not None else None
    if store is None:
        return _graded(_check_whole(read_bytes(path), str(path)))
    return store.check(path, str(path))


def _check_whole(raw: bytes, shown: str) -> tuple[Corpus | None, list[Problem]]:
    from painlit.loader import check_bytes

    return check_bytes(raw, shown)


def _graded(checked: tuple[Corpus | None, list[Problem]]) -> tuple[Corpus | None, list[Problem]]:
    from painlit.grading import grade_all

    if checked[0] is not None:
        grade_all(checked[0])
    return checked


# --- the index file ----------------------------------------------------------------------------


def index_file(folder: Path, path: Path) -> Path:
    """The index file of the corpus at `path`: one per absolute path."""
    name = os.path.abspath(path).encode("utf-8", "surrogateescape")
    return folder / f"{hashlib.sha256(name).hexdigest()[:32]}.sqlite"


@functools.cache
def code_stamp() -> str:
    """painlit's version and the size and time of the code the index depends on: any change
    to how records are read, checked or graded makes a new index."""
    here = Path(__file__).parent
    stamp = [f"{FORMAT}:{__version__}:{sqlite3.sqlite_version}"]
    for name in ("model.py", "loader.py", "parts.py", "yamlfile.py", "grading.py", "dosing.py",
                 "codec.py", "index.py", "errors.py"):
        with contextlib.suppress(OSError):
            info = os.stat(here / name)
            stamp.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(stamp)


class _Store:
    """One open index file."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    @classmethod
    def open(cls, folder: Path, path: Path) -> _Store | None:
        """The index of `path`, made or rebuilt as needed; None when the folder cannot hold
        one (then the file is read whole, as without an index)."""
        try:
            _prepare(folder)
        except OSError:
            return None
        target = index_file(folder, path)
        for _attempt in range(2):
            try:
                return cls(_connect(target))
            except sqlite3.DatabaseError:  # damaged, foreign, another version: rebuild
                with contextlib.suppress(OSError):
                    target.unlink()
                for suffix in ("-wal", "-shm", "-journal"):
                    with contextlib.suppress(OSError):
                        Path(str(target) + suffix).unlink()
            except OSError:
                return None
        return None

    # -- reading -------------------------------------------------------------------------------

    def meta(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def check(self, path: Path, shown: str) -> tuple[Corpus | None, list[Problem]]:
        signature = _signature(path)
        if signature is not None and self.meta("signature") == signature:
            stored = self.stored(shown)
            if stored is not None:
                return stored
        raw = read_bytes(path)
        refuse_dense(raw, shown)
        try:
            self.db.execute("BEGIN IMMEDIATE")  # one writer at a time; others wait here
        except sqlite3.OperationalError:
            return _graded(_check_whole(raw, shown))  # locked for too long: do without
        try:
            result = _Update(self, raw, shown).run()
            if result is None:  # a layout only a whole reading is sure of
                self.db.execute("DELETE FROM records")
                self.db.execute("DELETE FROM meta")
                result = _graded(_check_whole(raw, shown))
            elif signature is not None and _signature(path) == signature \
                    and not _racy(signature):
                self.put("signature", signature)
            self.db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        return result

    def put(self, key: str, value: object) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def stored(self, shown: str) -> tuple[Corpus | None, list[Problem]] | None:
        """The corpus and problems as last indexed (None when the index lacks them)."""
        try:
            problems = [Problem(shown, *row[1:]) for row in json.loads(self.meta("problems"))]
            if self.meta("corpus") != 1:
                return None, problems
            return self.corpus(shown), problems
        except (TypeError, ValueError, KeyError, IndexError, sqlite3.Error):
            return None

    def corpus(self, shown: str, fresh: dict[bytes, Study | Claim] | None = None) -> Corpus:
        """The corpus as the index holds it; records decoded when first used (`fresh`:
        records just read, by digest)."""
        small = json.loads(self.meta("small"))
        info = codec.decoder(CorpusInfo)(small[0])
        kinds = (Condition, Mechanism, Substance, Source, Outcome)
        conditions, mechanisms, substances, sources, outcomes = (
            tuple(codec.decoder(kind)(item) for item in items)
            for kind, items in zip(kinds, small[1:], strict=True))
        places = {section: _digests(self.meta(f"kept:{section}")) for section in SECTIONS}
        first_lines = {section: _numbers(self.meta(f"lines:{section}")) for section in SECTIONS}
        studies = StoredRecords(self, Study, places["studies"], first_lines["studies"], fresh)
        claims = StoredRecords(self, Claim, places["claims"], first_lines["claims"], fresh)
        index = _index_from_columns(json.loads(self.meta("columns")), studies)
        corpus = Corpus(info=info, conditions=conditions, mechanisms=mechanisms,
                        substances=substances, sources=sources, studies=studies,
                        claims=claims, path=shown, outcomes=outcomes, prebuilt_index=index)
        levels = json.loads(self.meta("levels"))
        _set_levels(corpus, [(Certainty(level), verdict) for level, verdict in levels])
        return corpus

    def body(self, digest: bytes) -> str:
        row = self.db.execute("SELECT body FROM records WHERE digest = ?", (digest,)).fetchone()
        if row is None or row[0] is None:
            raise codec.CodecError("record missing from the index")
        return cast(str, row[0])


def _prepare(folder: Path) -> None:
    """Make the index folder (and mark it as painlit's) when it is not there."""
    if not folder.is_dir() or (folder.name == "index" and folder.parent.name == "painlit"
                               and not (folder / TAG).exists()):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (folder / TAG).write_bytes(TAG_TEXT)
        _prune(folder)


def _connect(target: Path) -> sqlite3.Connection:
    new = not target.exists()
    db = sqlite3.connect(target, timeout=LOCK_SECONDS, isolation_level=None,
                         check_same_thread=False)
    try:
        if not new:
            (application,) = db.execute("PRAGMA application_id").fetchone()
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if application != APPLICATION_ID or version != FORMAT:
                raise sqlite3.DatabaseError("not an index of this painlit")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if new:
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {FORMAT}")
        stamp = db.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()
        if stamp is None or stamp[0] != code_stamp():  # other code: start afresh
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM meta")
            db.execute("DELETE FROM records")
            db.execute("DELETE FROM grades")
            db.execute("INSERT INTO meta VALUES ('code', ?)", (code_stamp(),))
            db.execute("COMMIT")
    except BaseException:
        db.close()
        raise
    return db


def _prune(folder: Path) -> None:
    """Keep the newest KEEP index files in a folder painlit made (only its own files go)."""
    try:
        if (folder / TAG).read_bytes() != TAG_TEXT:
            return
        found = sorted((p for p in folder.glob("*.sqlite") if len(p.stem) == 32
                        and not p.is_symlink()), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in found[KEEP:]:
        for name in (old.name, old.name + "-wal", old.name + "-shm"):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


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
    return time.time_ns() - max(mtime, ctime) < RACY_SECONDS * 1_000_000_000


def _digests(blob: bytes) -> list[bytes]:
    return [blob[i:i + _DIGEST] for i in range(0, len(blob), _DIGEST)]


def _numbers(blob: bytes) -> array.array[int]:
    numbers = array.array("q")
    numbers.frombytes(blob)
    return numbers


class StoredRecords(LazySequence[T]):
    """The records of a section in the index, each decoded from its JSON when first used;
    its `line` is where it is in the file now."""

    __slots__ = ("_cls", "_digests", "_fresh", "_lines", "_made", "_store")

    def __init__(self, store: _Store, cls: type[T], digests: list[bytes],
                 lines: Sequence[int], fresh: dict[bytes, Any] | None = None) -> None:
        self._store, self._cls, self._digests, self._lines = store, cls, digests, lines
        self._fresh = fresh or {}
        self._made: dict[int, T] = {}

    def __len__(self) -> int:
        return len(self._digests)

    def _item(self, index: int) -> T:
        made = self._made.get(index)
        if made is None:
            digest = self._digests[index]
            record = self._fresh.get(digest)
            if record is None:
                record = codec.loads(self._cls, self._store.body(digest))
            line = self._lines[index]
            if getattr(record, "line") != line:  # noqa: B009 (Study or Claim)
                record = _with_line(record, line)
            made = self._made[index] = cast(T, record)
        return made

    def __repr__(self) -> str:
        return f"StoredRecords({len(self)} {self._cls.__name__})"


def _with_line(record: Any, line: int) -> Any:
    from dataclasses import replace

    return replace(record, line=line)


# --- the index columns --------------------------------------------------------------------------

_COLUMNS = {f.name: f for f in fields(CorpusIndex)}
_STUDY_COLUMNS = tuple(name for name in _COLUMNS if name.startswith("study_"))
_CLAIM_COLUMNS = tuple(name for name in _COLUMNS if name.startswith("claim_"))
#: Not stored: taken from each study when used (grading reads those of the studies it counts).
_LAZY_COLUMNS = ("study_effects",)
_STORED_COLUMNS = tuple(name for name in _COLUMNS if name not in _LAZY_COLUMNS)


@functools.cache
def _column_reader(name: str) -> Callable[[list[Any]], Sequence[Any]]:
    """A reader of a whole column's JSON values (one C-level pass for the usual kinds)."""
    import enum
    import typing

    from painlit import model

    kind = typing.get_args(typing.get_type_hints(CorpusIndex, vars(model))[name])[0]
    if kind in (str, int) or kind == (int | None):
        return tuple
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        members = {member.value: member for member in kind}
        return lambda values: tuple(map(members.__getitem__, values))
    if typing.get_origin(kind) is tuple and all(
            argument in (str, Ellipsis) or argument == (str | None)
            for argument in typing.get_args(kind)):
        def shared_tuples(values: list[Any]) -> Sequence[Any]:
            seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
            return tuple(seen.setdefault(t, t) for t in map(tuple, values))

        return shared_tuples
    read = codec.decoder(kind)
    return lambda values: tuple(map(read, values))


def _index_from_columns(columns: dict[str, list[Any]], studies: StoredRecords[Study]
                        ) -> CorpusIndex:
    values: dict[str, Sequence[Any]] = {name: _column_reader(name)(columns[name])
                                        for name in _STORED_COLUMNS}
    values["study_effects"] = _LazyEffects(studies)
    return CorpusIndex(**values)  # type: ignore[arg-type]


class _LazyEffects(LazySequence[Any]):
    """The effects column, taken from each study when first used."""

    __slots__ = ("_studies",)

    def __init__(self, studies: Sequence[Study]) -> None:
        self._studies = studies

    def __len__(self) -> int:
        return len(self._studies)

    def _item(self, index: int) -> Any:
        return self._studies[index].outcomes


def _set_levels(corpus: Corpus, levels: list[tuple[Certainty, Any]]) -> None:
    from painlit.grading import GradeTable, LazyGrades, Verdict

    corpus.memo["grades"] = GradeTable(corpus.claim_position, LazyGrades(corpus),
                                       [(c, Verdict(v)) for c, v in levels])


# --- bringing the index up to date ---------------------------------------------------------------


@dataclass
class _Record:
    """One record of the file now: where it is, and what the index knows of it."""

    section: str
    position: int
    digest: bytes
    start: int
    end: int
    lines: int  # newlines in its bytes
    first_line: int  # 1-based
    checked: list[Any] | None = None  # as stored (None: to be read)
    made: bool = False  # whether a record could be made of it
    record: Study | Claim | None = None  # read now
    read_now: bool = False
    line: int = 0  # where its mapping starts (1-based): the record's `line`


#: What the index knows of a record: lines, position, year, problems, made.
_Known = tuple[int, int, int | None, int, int]


class _Update:
    """Bring the index up to the file's bytes and check the corpus (see the module doc)."""

    def __init__(self, store: _Store, raw: bytes, shown: str) -> None:
        self.store, self.raw, self.shown = store, raw, shown
        self.kept: dict[str, list[_Record]] = {section: [] for section in SECTIONS}

    def run(self) -> tuple[Corpus | None, list[Problem]] | None:
        from painlit import loader, parts

        lists = parts.layout(self.raw)
        if lists is None or {found.name for found in lists} - set(SECTIONS):
            return None
        known = self._known()
        records, list_lines = self._cut(lists, known)
        skeleton = parts.skeleton(self.raw, lists, list_lines)
        root = loader.check_skeleton(skeleton, self.shown)
        if root is None:
            return None
        latest = loader.latest_year(root, self.shown)
        old_kept = {section: {digest: place for place, digest in enumerate(
            _digests(self.store.meta(f"kept:{section}") or b""))} for section in SECTIONS}
        self._take_stored(records, known, latest, self.store.meta("latest_year"), old_kept)
        if not self._read_changed(records, latest):
            return None
        long = self._long_sections(records, old_kept)
        with loader.collector_paused():
            corpus, problems = loader.check_with_sections(root, self.shown, long)
        self._save(records, latest, long, corpus, problems,
                   hashlib.sha256(skeleton).digest()[:_DIGEST])
        return corpus, problems

    def _known(self) -> dict[bytes, _Known]:
        rows = self.store.db.execute(
            "SELECT digest, lines, position, year, problems, body IS NOT NULL FROM records")
        return {row[0]: row[1:] for row in rows}

    def _cut(self, lists: list[Any], known: dict[bytes, _Known]
             ) -> tuple[list[_Record], list[int]]:
        """Each record of the file with its digest and first line, and the lines each list
        spans (newlines are counted only in records the index does not know)."""
        raw, view = self.raw, memoryview(self.raw)
        records: list[_Record] = []
        list_lines: list[int] = []
        line, done = 0, 0  # newlines in raw[:done]
        for found in lists:
            line += raw.count(b"\n", done, found.starts[0])
            before = line
            ends = [*found.starts[1:], found.stop]
            for position, (start, end) in enumerate(zip(found.starts, ends, strict=True)):
                digest = hashlib.sha256(view[start:end]).digest()[:_DIGEST]
                seen = known.get(digest)
                lines = seen[0] if seen is not None else raw.count(b"\n", start, end)
                records.append(_Record(found.name, position, digest, start, end, lines,
                                       line + 1))
                line += lines
            list_lines.append(line - before + raw.count(b"\n", found.body, found.starts[0]))
            done = found.stop
        return records, list_lines

    def _take_stored(self, records: list[_Record], known: dict[bytes, _Known], latest: int,
                     stored_latest: int | None, old_kept: dict[str, dict[bytes, int]]) -> None:
        """Which records come from the index: known bytes, unless their problems name their
        old place, the latest plausible year changed and may change their reading, or their
        index columns were not kept."""
        wanted: list[bytes] = []
        for record in records:
            seen = known.get(record.digest)
            if seen is None:
                continue
            _, position, year, problems, made = seen
            if problems and position != record.position:
                continue
            if stored_latest != latest and (problems or (year is not None and year > min(
                    latest, stored_latest or 0))):
                continue
            if made and record.digest not in old_kept[record.section]:
                continue
            wanted.append(record.digest)
        stored: dict[bytes, tuple[str, int]] = {}
        for chunk in range(0, len(wanted), 10_000):  # SQLite's limit on bound values
            batch = wanted[chunk:chunk + 10_000]
            marks = ",".join("?" * len(batch))
            for digest, checked, made in self.store.db.execute(
                    "SELECT digest, checked, body IS NOT NULL FROM records "
                    f"WHERE digest IN ({marks})", batch):
                stored[digest] = (checked, made)
        for record in records:
            found = stored.get(record.digest)
            if found is not None:
                record.checked = json.loads(found[0])
                record.made = bool(found[1])

    def _read_changed(self, records: list[_Record], latest: int) -> bool:
        """Parse the records the index cannot give, in runs; False: read the file whole."""
        from painlit import loader
        from painlit.parts import Part

        run: list[_Record] = []

        def read_run() -> bool:
            if not run:
                return True
            first, last = run[0], run[-1]
            part = Part(first.section, first.first_line - 1, first.position, len(run),
                        first.start, last.end)
            bounds = [record.first_line for record in run[1:]]
            with loader.collector_paused():
                results = loader.read_records(self.shown, part, latest, self.raw, bounds)
            if results is None:
                return False
            for record, result in zip(run, results, strict=True):
                self._keep(record, result)
            run.clear()
            return True

        for record in records:
            if record.checked is not None:
                if not read_run():
                    return False
                continue
            if run and (run[-1].section != record.section or run[-1].position + 1
                        != record.position or record.end - run[0].start > RUN_BYTES):
                if not read_run():
                    return False
            run.append(record)
        return read_run()

    def _keep(self, record: _Record, result: Any) -> None:
        """What reading a record gave, as the index stores it (lines relative to its first)."""
        base = record.first_line
        record.read_now = True
        read = result.read
        place = None
        if read is not None:
            place = [read.record_id, [read.where[0] - base, read.where[1]],
                     [read.id_where[0] - base, read.id_where[1]]]
            record.record = read.record
            record.made = read.record is not None
        record.checked = [
            result.raw_id, place,
            [[p.line - base if p.line else -1, p.column, p.record, p.field, p.message, p.hint,
              p.severity.value] for p in result.problems],
            [[section, value, [where[0] - base, where[1]], name, field]
             for section, value, where, name, field in result.references],
        ]

    def _long_sections(self, records: list[_Record], old_kept: dict[str, dict[bytes, int]]
                       ) -> Any:
        """The studies and claims as the loader's cross-record checks take them."""
        from painlit.loader import LongSections, _Read

        long = LongSections()
        kept = self.kept
        for section in SECTIONS:
            long.reads[section], long.ids[section] = [], []
        for record in records:
            assert record.checked is not None
            raw_id, place, problems, references = record.checked
            base = record.first_line
            section = record.section
            long.ids[section].append(raw_id)
            if place is not None:
                long.reads[section].append(_Read(
                    place[0], len(kept[section]) if record.made else None,
                    (place[1][0] + base, place[1][1]), (place[2][0] + base, place[2][1])))
                if record.made:
                    record.line = place[1][0] + base
                    kept[section].append(record)
            for line, column, name, field, message, hint, severity in problems:
                long.problems.append(Problem(self.shown, line + base if line >= 0 else 0,
                                             column, name, field, message, hint,
                                             Severity(severity)))
            for target, value, where, name, field in references:
                long.references.append((target, value, (where[0] + base, where[1]), name,
                                        field))
        fresh = {r.digest: r.record for r in records if r.record is not None}
        for section, cls in (("studies", Study), ("claims", Claim)):
            chosen = kept[section]
            long.records[section] = StoredRecords(
                self.store, cls, [r.digest for r in chosen], [r.line for r in chosen], fresh)
        old_columns = None
        if any(not r.read_now for section in SECTIONS for r in kept[section]):
            old_columns = json.loads(self.store.meta("columns"))
        for section, names in (("studies", _STUDY_COLUMNS), ("claims", _CLAIM_COLUMNS)):
            long.indexes[section] = _section_index(
                kept[section], names, long.records[section], old_columns, old_kept[section])
        return long

    def _save(self, records: list[_Record], latest: int, long: Any, corpus: Corpus | None,
              problems: list[Problem], skeleton_digest: bytes) -> None:
        db = self.store.db
        current = {r.digest for r in records}
        gone = [d for d in self._known() if d not in current]
        for chunk in range(0, len(gone), 10_000):
            batch = gone[chunk:chunk + 10_000]
            db.execute(f"DELETE FROM records WHERE digest IN ({','.join('?' * len(batch))})",
                       batch)
        db.executemany(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((r.digest, r.section, r.lines, r.position,
              getattr(r.record, "year", None), int(bool(r.checked and r.checked[2])),
              codec.dumps(r.checked), None if r.record is None else codec.dumps(r.record))
             for r in records if r.read_now))
        put = self.store.put
        put("latest_year", latest)
        put("problems", codec.dumps(
            [[p.path, p.line, p.column, p.record, p.field, p.message, p.hint, p.severity.value]
             for p in problems]))
        put("signature", None)
        for section in SECTIONS:
            chosen = self.kept[section]
            put(f"kept:{section}", b"".join(r.digest for r in chosen))
            put(f"lines:{section}", array.array("q", (r.line for r in chosen)).tobytes())
        put("columns", codec.dumps(
            {name: getattr(long.indexes["studies" if name.startswith("study_") else "claims"],
                           name) for name in _STORED_COLUMNS}))
        if corpus is None:
            put("corpus", 0)
            return
        put("small", codec.dumps([corpus.info, corpus.conditions, corpus.mechanisms,
                                  corpus.substances, corpus.sources, corpus.outcomes]))
        put("levels", json.dumps([[int(c), v] for c, v in self._grade(corpus, skeleton_digest)]))
        put("corpus", 1)

    def _grade(self, corpus: Corpus, skeleton_digest: bytes) -> list[tuple[Certainty, str]]:
        """Each claim's certainty and verdict: from the index when what it was computed
        from (the bytes of the claim, of the studies it cites and of the skeleton) is
        unchanged, else graded now (and stored)."""
        from painlit.grading import grade_claim

        study_digest = {study_id: record.digest for record, study_id in zip(
            self.kept["studies"], corpus.index.study_ids, strict=True)}
        inputs = []
        for record, claim in zip(self.kept["claims"], corpus.claims, strict=True):
            digest = hashlib.sha256(skeleton_digest + record.digest)
            for link in claim.evidence:
                digest.update(study_digest[link.study])
            inputs.append(digest.digest()[:_DIGEST])
        found: dict[bytes, tuple[int, str]] = {}
        unique = list(dict.fromkeys(inputs))
        for chunk in range(0, len(unique), 10_000):
            batch = unique[chunk:chunk + 10_000]
            for key, certainty, verdict in self.store.db.execute(
                    "SELECT inputs, certainty, verdict FROM grades WHERE inputs IN "
                    f"({','.join('?' * len(batch))})", batch):
                found[key] = (certainty, verdict)
        levels: list[tuple[Certainty, str]] = []
        new = []
        for position, key in enumerate(inputs):
            if key not in found:
                grade = grade_claim(corpus.claims[position], corpus)
                found[key] = (int(grade.certainty), grade.verdict.value)
                new.append((key, *found[key]))
            certainty, verdict = found[key]
            levels.append((Certainty(certainty), verdict))
        self.store.db.executemany("INSERT OR REPLACE INTO grades VALUES (?, ?, ?)", new)
        _set_levels(corpus, levels)
        return levels


def _section_index(chosen: list[_Record], names: tuple[str, ...], records: Sequence[Any],
                   old_columns: dict[str, list[Any]] | None, old_places: dict[bytes, int]
                   ) -> CorpusIndex:
    """The index of a section's records: the columns of records read now from the records,
    the others' from the columns stored last time."""
    is_studies = names is _STUDY_COLUMNS
    fresh = [r.record for r in chosen if r.read_now]
    if old_columns is None:  # all read now
        return (CorpusIndex.of(cast(list[Study], fresh), ()) if is_studies
                else CorpusIndex.of((), cast(list[Claim], fresh)))
    made = (CorpusIndex.of(cast(list[Study], fresh), ()) if is_studies
            else CorpusIndex.of((), cast(list[Claim], fresh)))
    made_columns = json.loads(codec.dumps({name: getattr(made, name) for name in names
                                           if name not in _LAZY_COLUMNS}))
    empty = CorpusIndex.of((), ())
    values: dict[str, Sequence[Any]] = {name: getattr(empty, name) for name in _COLUMNS}
    for name in names:
        if name in _LAZY_COLUMNS:
            values[name] = _LazyEffects(records)
            continue
        old, new = old_columns[name], iter(made_columns[name])
        column = [next(new) if r.read_now else old[old_places[r.digest]] for r in chosen]
        values[name] = _column_reader(name)(column)
    return CorpusIndex(**values)  # type: ignore[arg-type]
