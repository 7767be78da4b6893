"""The index file (painlit.index): opening it, making or rebuilding it, and reading the corpus
back from it: records decoded from JSON when first used, index columns loaded when first used,
the facts table for queries (painlit.facts), full grades decoded when shown; everything read
checked (a CRC-32, the field types), damage raised as IndexDamaged."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar, overload

from painlit import __version__, codec
from painlit.errors import Problem, Severity
from painlit.facts import SCHEMA as FACTS_SCHEMA
from painlit.facts import Facts
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
    same_items,
)

T = TypeVar("T")

#: Changes whenever what the index stores changes shape.
FORMAT = 8
#: SQLite's application id for painlit's index files ("PLIX").
APPLICATION_ID = 0x504C4958
#: How long a run waits for another run that is writing the same index.
LOCK_SECONDS = 600.0
#: Index files kept in a folder painlit made (one per corpus path); older ones are deleted.
KEEP = 16
TAG = "painlit-index.tag"
TAG_TEXT = b"painlit corpus index: painlit may delete its own index files in this folder\n"
SECTIONS = ("studies", "claims")
DIGEST_SIZE = 16

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    digest BLOB PRIMARY KEY,  -- of the record's bytes in the file (painlit.indexing)
    problems TEXT,            -- JSON: what reading it found (line 1: its first line)
    refs TEXT NOT NULL,       -- JSON: the ids it names, with where (line 1: its first line)
    body TEXT,                -- JSON: the record (painlit.codec); null when none was made
    section INTEGER NOT NULL, -- 0 studies, 1 claims
    targets TEXT NOT NULL     -- the ids it names: section US id RS section US id ...
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cited (  -- which claims cite which study ids
    study TEXT NOT NULL,
    claim BLOB NOT NULL,      -- the claim's digest
    PRIMARY KEY (study, claim)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cited_by_claim ON cited (claim);
CREATE TABLE IF NOT EXISTS grades (
    inputs BLOB PRIMARY KEY,  -- digest of the claim's, its studies' and the skeleton's bytes
    certainty INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    warnings TEXT NOT NULL,   -- JSON: the claim's curation warnings
    grade TEXT NOT NULL,      -- JSON: the full grade, every step (painlit.codec)
    counted TEXT NOT NULL     -- the ids of the studies the grade counts, space-separated
) WITHOUT ROWID;
"""


#: The full-text index of the records' search texts (painlit.query.study_text, claim_text),
#: made on the first search. The texts are lower-cased already, and the tokenizer keeps case,
#: so a word is found exactly where Python's `in` finds it (words of TRIGRAM characters and
#: more).
SEARCH_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS searchable (digest BLOB PRIMARY KEY, row INTEGER NOT NULL UNIQUE)"
    " WITHOUT ROWID",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(text, "
    "tokenize = 'trigram case_sensitive 1')",
)
TRIGRAM = 3
SEARCH_BATCH = 5000
#: A record's search text, by section (0 studies, 1 claims), and a progress report (done, of).
SearchTexts = tuple[Callable[[Any], str], Callable[[Any], str]]
Progress = Callable[[int, int], None]


def _search_stamp(texts: SearchTexts) -> str:
    """What the full-text index is made by (its schema, and the text functions' bytecode,
    names and constants): one made otherwise is made again. The functions read only the record's own
    fields. (Not `marshal`: its bytes depend on reference counts, so could differ between two
    runs of the same code.)"""
    import hashlib
    import types

    def key(code: types.CodeType) -> bytes:
        parts = [code.co_code, repr((code.co_names, code.co_varnames)).encode()]
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                parts.append(key(const))
            elif isinstance(const, frozenset):  # its order follows the hash seed
                parts.append(repr(sorted(map(repr, const))).encode())
            else:
                parts.append(repr(const).encode())
        return b"\x00".join(parts)

    return hashlib.sha256(b"\x01".join([*(statement.encode() for statement in SEARCH_SCHEMA),
                                         *(key(text.__code__) for text in texts)])).hexdigest()


def index_file(folder: Path, path: Path) -> Path:
    """The index file of the corpus at `path`: one per absolute path."""
    name = os.path.abspath(path).encode("utf-8", "surrogateescape")
    # zlib's checksums rather than hashlib (a tenth of start-up time on this path): two paths
    # that share a name only share a file, whose digests then tell their records apart.
    return folder / f"{zlib.crc32(name):08x}{zlib.adler32(name):08x}.sqlite"


#: The modules whose code decides what the index stores (a test keeps this whole: every
#: painlit module that reading, checking, indexing or grading imports).
STAMPED = ("model.py", "nodes.py", "fields.py", "records.py", "loader.py", "parts.py",
           "yamlfile.py", "grading.py", "dosing.py", "codec.py", "store.py", "index.py",
           "indexing.py", "errors.py", "text.py", "frozen.py", "facts.py")


@functools.cache
def code_stamp() -> str:
    """painlit's version and the size and time of the code the index depends on: any change
    to how records are read, checked or graded makes a new index."""
    here = Path(__file__).parent
    stamp = [f"{FORMAT}:{__version__}:{sqlite3.sqlite_version}"]
    for name in STAMPED:
        with contextlib.suppress(OSError):
            info = os.stat(here / name)
            stamp.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(stamp)


class Store:
    """One open index file."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection
        self._read: dict[str, Any] = {}  # meta values read in this run

    @classmethod
    def open(cls, folder: Path, path: Path) -> Store | None:
        """The index of `path`, made or rebuilt as needed; None when the folder cannot hold
        one (then the file is read whole, as without an index)."""
        try:
            _prepare(folder)
        except OSError:
            return None
        target = index_file(folder, path)
        if not target.exists():  # a new index file: the oldest beyond KEEP go
            _prune(folder)
        for _attempt in range(2):
            try:
                return cls(_connect(target))
            except sqlite3.DatabaseError:  # damaged, foreign, another version: rebuild
                _remove(target)
            except OSError:
                return None
        return None

    def meta(self, key: str) -> Any:
        if key in self._read:
            return self._read[key]
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        value = self._read[key] = None if row is None else row[0]
        return value

    def clear(self) -> None:
        """Empty the index (inside the caller's transaction), keeping only the code stamp."""
        _clear(self.db)
        self._read.clear()

    def put(self, key: str, value: object) -> None:
        """Store a meta value (not written again when it is the value read)."""
        if key in self._read and self._read[key] == value:
            return
        self._read[key] = value
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def stored(self, shown: str) -> tuple[Corpus | None, list[Problem]] | None:
        """The corpus and problems as last indexed (None when the index lacks them)."""
        try:
            problems = problems_from_json(self.meta("problems"), shown)
            if self.meta("corpus") != 1:
                return None, problems
            return self.corpus(shown), problems
        except (TypeError, ValueError, KeyError, IndexError, sqlite3.Error):
            return None

    def corpus(self, shown: str, index: CorpusIndex | None = None,
               records: tuple[Sequence[Study], Sequence[Claim]] | None = None) -> Corpus:
        """The corpus as the index holds it (its records decoded when first used)."""
        small = json.loads(self.meta("small"))
        info = codec.decoder(CorpusInfo)(small[0])
        kinds = (Condition, Mechanism, Substance, Source, Outcome)
        conditions, mechanisms, substances, sources, outcomes = (
            tuple(codec.decoder(kind)(item) for item in items)
            for kind, items in zip(kinds, small[1:], strict=True))
        if records is None:
            records = (self.records("studies", Study, shown),
                       self.records("claims", Claim, shown))
        studies, claims = records
        corpus = Corpus(info=info, conditions=conditions, mechanisms=mechanisms,
                        substances=substances, sources=sources, studies=studies,
                        claims=claims, path=shown, outcomes=outcomes,
                        prebuilt_index=index or self.index(studies, claims, shown))
        levels = json.loads(self.meta("levels"))
        inputs = [bytes.fromhex(key) for key in json.loads(self.meta("grading"))[1]]
        set_levels(corpus, [(Certainty(level), verdict) for level, verdict in levels],
                   StoredGrades(self, corpus, inputs, shown))
        for name in ("curation_warnings", "dose_warnings"):
            corpus.memo[name] = problems_from_json(self.meta(name), shown)
        self.attach(corpus, shown)
        return corpus

    def attach(self, corpus: Corpus, shown: str) -> None:
        """Give a corpus the index's facts table (painlit.facts) and search, which share
        where each record digest is in the corpus (made once, when first asked for)."""
        sections = (corpus.studies, corpus.claims)

        @functools.cache
        def places(section: int) -> dict[bytes, int]:
            records = sections[section]
            if not isinstance(records, StoredRecords):
                raise IndexDamaged(shown)
            return {digest: i for i, digest in enumerate(records.digests)}

        corpus.memo["facts"] = Facts(self.db, lambda section: places(section).get,
                                     lambda: IndexDamaged(shown))
        self._attach_search(corpus, places, shown)

    def _attach_search(self, corpus: Corpus, places_of: Callable[[int], dict[bytes, int]],
                       shown: str) -> None:
        """Give a corpus the index's search (painlit.query.search): the records that may hold
        every word, to be checked exactly, rather than every record decoded. Words of three
        characters or more are looked up in SQLite's full-text index (FTS5, trigrams: any
        substring), which is made on the first search and brought up to date by each later
        one (only records added since are indexed); without FTS5, or for only shorter words,
        the records' stored JSON is scanned instead."""
        def candidates(words: list[str], texts: SearchTexts,
                       progress: Progress | None = None) -> tuple[list[int], list[int]]:
            places = [places_of(section) for section in range(len(SECTIONS))]
            try:
                found = None
                long = [word for word in words if len(word) >= TRIGRAM]
                if long:
                    found = self._full_text(places, long, texts, progress, shown)
                if found is None:
                    found = self._scan(words)
            except sqlite3.DatabaseError:
                raise IndexDamaged(shown) from None
            studies, claims = (sorted(section[digest] for digest in found if digest in section)
                               for section in places)
            return studies, claims

        corpus.memo["candidates"] = candidates

    def _scan(self, words: list[str]) -> list[bytes]:
        """The records whose stored JSON holds every word (a superset of the hits)."""
        found = []
        for digest, body in self.db.execute("SELECT digest, body FROM records"):
            if body is not None:
                text = body[8:].lower()
                if all(word in text for word in words):
                    found.append(digest)
        return found

    def _full_text(self, places: list[dict[bytes, int]], words: list[str],
                   texts: SearchTexts, progress: Progress | None, shown: str
                   ) -> list[bytes] | None:
        """The records whose search text holds every word, from the full-text index (None:
        SQLite has no FTS5 or trigrams, or the index cannot be written now)."""
        current = places[0].keys() | places[1].keys()
        try:
            with self._writing():
                stamp = _search_stamp(texts)
                stored = self.db.execute(
                    "SELECT value FROM meta WHERE key = 'search_stamp'").fetchone()
                if stored is None or stored[0] != stamp:  # made otherwise: afresh
                    for table in ("search", "searchable"):
                        self.db.execute(f"DROP TABLE IF EXISTS {table}")
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('search_stamp', ?)",
                                    (stamp,))
                for statement in SEARCH_SCHEMA:
                    self.db.execute(statement)
                known = dict(self.db.execute("SELECT digest, row FROM searchable"))
                gone = [digest for digest in known if digest not in current]
                self.db.executemany("DELETE FROM search WHERE rowid = ?",
                                    ((known[digest],) for digest in gone))
                self.db.executemany("DELETE FROM searchable WHERE digest = ?",
                                    ((digest,) for digest in gone))
            missing = [digest for digest in current if digest not in known]
            del known
            # In transactions of SEARCH_BATCH records: what is indexed stays indexed if the
            # command is stopped, and the next search goes on from there.
            for chunk in range(0, len(missing), SEARCH_BATCH):
                with self._writing():
                    self._index_texts(missing[chunk:chunk + SEARCH_BATCH], texts, shown)
                if progress is not None:
                    progress(min(chunk + SEARCH_BATCH, len(missing)), len(missing))
            phrases = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
            return [digest for (digest,) in self.db.execute(
                "SELECT searchable.digest FROM search JOIN searchable "
                "ON searchable.row = search.rowid WHERE search MATCH ?", (phrases,))]
        except sqlite3.OperationalError:  # no FTS5 or trigrams here, locked, read-only
            return None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction: committed, or rolled back on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise

    def _index_texts(self, digests: list[bytes], texts: SearchTexts, shown: str) -> None:
        """Add the search text of these records (those not indexed meanwhile by another
        run) to the full-text index."""
        from painlit.loader import collector_paused

        marks = ",".join("?" * len(digests))
        (row,) = self.db.execute("SELECT coalesce(max(row), 0) FROM searchable").fetchone()
        rows = []
        with collector_paused():  # decoding makes many objects, and no cycles
            for digest, section, body in self.db.execute(
                    f"SELECT digest, section, body FROM records WHERE digest IN ({marks}) "
                    f"AND digest NOT IN (SELECT digest FROM searchable WHERE digest IN "
                    f"({marks}))", [*digests, *digests]):
                if body is None:
                    continue
                try:
                    record = codec.loads((Study, Claim)[section], unsealed(body, shown))
                except codec.CodecError:
                    raise IndexDamaged(shown) from None
                row += 1
                rows.append((digest, row, texts[section](record)))
        self.db.executemany("INSERT INTO search (rowid, text) VALUES (?, ?)",
                            ((row, text) for _, row, text in rows))
        self.db.executemany("INSERT INTO searchable VALUES (?, ?)",
                            ((digest, row) for digest, row, _ in rows))

    def records(self, section: str, cls: type[T], shown: str) -> StoredRecords[T]:
        kept = self.meta(f"kept:{section}") or b""
        return StoredRecords(self, cls, digests(kept), json.loads(self.meta(f"lines:{section}")),
                             shown)

    def index(self, studies: Sequence[Study], claims: Sequence[Claim], shown: str,
              columns: dict[str, Sequence[Any]] | None = None) -> CorpusIndex:
        """The index columns, each loaded when first used (`columns`: some already at hand)."""
        values: dict[str, Sequence[Any]] = {}
        rows = {"study_": _PointRows(studies), "claim_": _PointRows(claims)}
        for name in COLUMNS:
            if name in LAZY_COLUMNS:
                values[name] = _Effects(studies)
            else:
                records = studies if name.startswith("study_") else claims
                values[name] = Column(self, name, len(records), (columns or {}).get(name),
                                      rows[name[:name.index("_") + 1]], shown)
        return CorpusIndex(**values)  # type: ignore[arg-type]

    def body(self, digest: bytes, shown: str) -> str:
        """A record's JSON (IndexDamaged when missing or damaged)."""
        try:
            row = self.db.execute("SELECT body FROM records WHERE digest = ?",
                                  (digest,)).fetchone()
        except sqlite3.DatabaseError:
            raise IndexDamaged(shown) from None
        if row is None:
            raise IndexDamaged(shown)
        return unsealed(row[0], shown)


class IndexDamaged(Exception):
    """Something the index gave does not check out (found while a command uses it): the
    index file is removed, and the command runs again without it (painlit.commands.shared)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the index of {path} is damaged")
        self.path = path


def sealed(text: str) -> str:
    """A stored text with its CRC-32 in front, so that damage is told, not decoded."""
    return f"{zlib.crc32(text.encode('utf-8', 'surrogatepass')):08x}{text}"


def unsealed(text: object, path: str) -> str:
    """The text `sealed` stored (IndexDamaged when it does not check out)."""
    if not isinstance(text, str) or text[:8] != sealed(text[8:])[:8]:
        raise IndexDamaged(path)
    return text[8:]


#: An index column is stored in chunks of about this many values (meta `column:NAME:I`; their
#: sizes in `column:NAME`), so that an edit rewrites only the chunks it touches.
COLUMN_CHUNK = 4096


def write_column(store: Store, name: str, values: Sequence[Any]) -> None:
    """A whole column (JSON values), in chunks of COLUMN_CHUNK."""
    store.db.execute("DELETE FROM meta WHERE key GLOB ?", (f"column:{name}:*",))
    sizes = []
    for number, start in enumerate(range(0, len(values), COLUMN_CHUNK)):
        chunk = list(values[start:start + COLUMN_CHUNK])
        store.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         (f"column:{name}:{number}", sealed(codec.dumps(chunk))))
        sizes.append(len(chunk))
    store.put(f"column:{name}", json.dumps(sizes))


def column_sizes(store: Store, name: str, shown: str) -> list[int]:
    """How many values each chunk of a stored column holds (IndexDamaged when not told)."""
    try:
        sizes = json.loads(store.meta(f"column:{name}"))
    except (TypeError, ValueError):
        raise IndexDamaged(shown) from None
    if not isinstance(sizes, list) or not all(isinstance(size, int) for size in sizes):
        raise IndexDamaged(shown)
    return sizes


def read_chunks(store: Store, name: str, first: int, last: int, shown: str) -> list[Any]:
    """The JSON values of chunks `first` to `last` of a stored column, in order."""
    texts = []
    for number in range(first, last + 1):
        row = store.db.execute("SELECT value FROM meta WHERE key = ?",
                               (f"column:{name}:{number}",)).fetchone()
        if row is not None:
            inside = unsealed(row[0], shown)[1:-1]
            if inside:
                texts.append(inside)
    values: list[Any] = json.loads("[" + ",".join(texts) + "]")
    return values


def problems_from_json(text: str, shown: str) -> list[Problem]:
    return [Problem(shown, line, column, record, field, message, hint, Severity(severity))
            for line, column, record, field, message, hint, severity in json.loads(text)]


def problems_json(problems: Sequence[Problem]) -> str:
    return codec.dumps([[p.line, p.column, p.record, p.field, p.message, p.hint,
                         p.severity.value] for p in problems])


def _remove(target: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(str(target) + suffix).unlink()


def _prepare(folder: Path) -> None:
    """Make the index folder (and mark it as painlit's) when it is not there."""
    if not folder.is_dir() or (folder.name == "index" and folder.parent.name == "painlit"
                               and not (folder / TAG).exists()):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (folder / TAG).write_bytes(TAG_TEXT)


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
        if new:
            db.executescript(f"BEGIN IMMEDIATE; {SCHEMA}; {FACTS_SCHEMA}; "
                             f"PRAGMA application_id = "
                             f"{APPLICATION_ID}; PRAGMA user_version = {FORMAT}; COMMIT;")
        # The rollback journal, not WAL: WAL maps a shared-memory file, and a damaged one
        # would stop the process with SIGBUS rather than raise an error.
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA synchronous = NORMAL")
        stamp = db.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()
        if stamp is None or stamp[0] != code_stamp():  # other code: start afresh
            db.execute("BEGIN IMMEDIATE")
            _clear(db)
            db.execute("COMMIT")
    except BaseException:
        db.close()
        raise
    return db


def _clear(db: sqlite3.Connection) -> None:
    for table in ("meta", "records", "grades", "cited", "facts"):
        db.execute(f"DELETE FROM {table}")
    for table in ("search", "searchable"):  # made by the first search (SEARCH_SCHEMA)
        db.execute(f"DROP TABLE IF EXISTS {table}")
    db.execute("INSERT INTO meta VALUES ('code', ?)", (code_stamp(),))


def _prune(folder: Path) -> None:
    """Keep the newest KEEP index files in a folder painlit made (only its own files go)."""
    try:
        if (folder / TAG).read_bytes() != TAG_TEXT:
            return
        found = sorted((p for p in folder.glob("*.sqlite") if len(p.stem) == 16
                        and not p.is_symlink() and _own(p)),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in found[KEEP:]:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(old) + suffix).unlink()


def _own(path: Path) -> bool:
    """Whether a file is one of painlit's index files (SQLite's header, painlit's id)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(72)
    except OSError:
        return False
    return head[:16] == b"SQLite format 3\x00" and head[68:72] == APPLICATION_ID.to_bytes(4,
                                                                                       "big")


def digests(blob: bytes | None) -> list[bytes]:
    blob = blob or b""
    return [blob[i:i + DIGEST_SIZE] for i in range(0, len(blob), DIGEST_SIZE)]


class StoredRecords(LazySequence[T]):
    """The records of a section in the index, each decoded from its JSON when first used;
    its `line` is where it is in the file now."""

    KEEP = 1000  # records kept once decoded
    __slots__ = ("_cls", "_digests", "_fresh", "_lines", "_made", "_shown", "_store")

    def __init__(self, store: Store, cls: type[T], record_digests: list[bytes],
                 lines: Sequence[int], shown: str, fresh: dict[bytes, Any] | None = None
                 ) -> None:
        self._store, self._cls, self._digests, self._lines = store, cls, record_digests, lines
        self._shown = shown
        self._fresh = fresh or {}  # records just read, by digest: no need to decode them
        self._made: dict[int, T] = {}

    def __len__(self) -> int:
        return len(self._digests)

    @property
    def digests(self) -> list[bytes]:
        """Each record's digest, in order."""
        return self._digests

    def _item(self, index: int) -> T:
        made = self._made.get(index)
        if made is None:
            digest = self._digests[index]
            record: Any = self._fresh.get(digest)
            if record is None:
                try:
                    record = codec.loads(self._cls, self._store.body(digest, self._shown))
                except codec.CodecError:
                    raise IndexDamaged(self._shown) from None
            if record.line != self._lines[index]:
                record = replace(record, line=self._lines[index])
            if len(self._made) >= self.KEEP:  # grading a large corpus reads every study once
                self._made.clear()
            made = self._made[index] = record
        return made

    def __repr__(self) -> str:
        return f"StoredRecords({len(self)} {self._cls.__name__})"


# --- the index columns --------------------------------------------------------------------------

COLUMNS = tuple(f.name for f in fields(CorpusIndex))
STUDY_COLUMNS = tuple(name for name in COLUMNS if name.startswith("study_"))
CLAIM_COLUMNS = tuple(name for name in COLUMNS if name.startswith("claim_"))
#: Not stored: taken from each study when used (grading reads those of the studies it counts).
LAZY_COLUMNS = ("study_effects",)
STORED_COLUMNS = tuple(name for name in COLUMNS if name not in LAZY_COLUMNS)


@functools.cache
def _index_hints() -> dict[str, Any]:
    import typing

    from painlit import model

    return typing.get_type_hints(CorpusIndex, vars(model))


@functools.cache
def column_reader(name: str) -> Callable[[list[Any]], Sequence[Any]]:
    """A reader of a whole column's JSON values (one C-level pass for the usual kinds)."""
    import enum
    import typing


    kind = typing.get_args(_index_hints()[name])[0]
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
    return lambda values: _Decoded(values, read)


class _Decoded(LazySequence[Any]):
    """JSON values decoded one by one when used (records such as a trial's registration)."""

    __slots__ = ("_made", "_read", "_values")

    def __init__(self, values: list[Any], read: Callable[[Any], Any]) -> None:
        self._values, self._read = values, read
        self._made: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._values)

    def _item(self, index: int) -> Any:
        if index not in self._made:
            self._made[index] = self._read(self._values[index])
        return self._made[index]


class _PointRows:
    """Records' index rows made one at a time, each once for all the columns that ask for it
    (grading reads some fifteen columns of each study a claim cites)."""

    KEEP = 256
    __slots__ = ("_records", "_rows")

    def __init__(self, records: Sequence[Any]) -> None:
        self._records = records
        self._rows: dict[int, CorpusIndex] = {}

    def value(self, index: int, name: str) -> Any:
        row = self._rows.get(index)
        if row is None:
            if len(self._rows) >= self.KEEP:
                self._rows.clear()
            record = self._records[index]
            row = self._rows[index] = (CorpusIndex.of((record,), ()) if isinstance(record, Study)
                                       else CorpusIndex.of((), (record,)))
        return getattr(row, name)[0]


class Column(Sequence[Any]):
    """One index column, read from the index (`column:NAME`, a JSON array) when first used.

    In a large column, a few values are taken from their records instead (grading reads the
    columns of the few studies a claim cites): the whole column is read on the
    POINT_READS-th."""

    POINT_READS = 64
    POINT_READS_FROM = 10_000
    __slots__ = ("_length", "_name", "_points", "_rows", "_shown", "_store", "_values")

    def __init__(self, store: Store, name: str, length: int, values: Sequence[Any] | None,
                 rows: _PointRows, shown: str) -> None:
        self._store, self._name, self._length, self._shown = store, name, length, shown
        self._values, self._rows = values, rows
        self._points = 0 if length >= self.POINT_READS_FROM else self.POINT_READS

    @property
    def values(self) -> Sequence[Any]:
        if self._values is None:
            shown = self._shown
            try:
                sizes = column_sizes(self._store, self._name, shown)
                raw = read_chunks(self._store, self._name, 0, len(sizes) - 1, shown)
                if len(raw) != self._length or sum(sizes) != self._length:
                    raise IndexDamaged(shown)
                self._values = column_reader(self._name)(raw)
            except (ValueError, KeyError, TypeError, sqlite3.DatabaseError):
                raise IndexDamaged(shown) from None
        return self._values

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if self._values is None and isinstance(index, int) and self._points < self.POINT_READS:
            self._points += 1
            return self._rows.value(index, self._name)
        return self.values[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __eq__(self, other: object) -> bool:
        return same_items(self, other)

    __hash__ = None  # type: ignore[assignment]


class _Effects(LazySequence[Any]):
    """The effects column, taken from each study when first used."""

    __slots__ = ("_studies",)

    def __init__(self, studies: Sequence[Study]) -> None:
        self._studies = studies

    def __len__(self) -> int:
        return len(self._studies)

    def _item(self, index: int) -> Any:
        return self._studies[index].outcomes


def set_levels(corpus: Corpus, levels: Sequence[tuple[Certainty, Any]],
               grades: StoredGrades) -> None:
    """Give a corpus its claims' certainty and verdict, and their full grades (decoded when
    used)."""
    from painlit.grading import GradeTable, Verdict

    verdicts = {verdict.value: verdict for verdict in Verdict}
    corpus.memo["grades"] = GradeTable(corpus.claim_position, grades,
                                       [(c, verdicts[v]) for c, v in levels],
                                       grades.counted)


class StoredGrades(LazySequence[Any]):
    """Each claim's full grade, from the grades table by the digest of what it was computed
    from; computed again (painlit.grading) when the table lacks it."""

    __slots__ = ("_corpus", "_inputs", "_made", "_shown", "_store")

    def __init__(self, store: Store, corpus: Corpus, inputs: list[bytes], shown: str) -> None:
        self._store, self._corpus, self._inputs, self._shown = store, corpus, inputs, shown
        self._made: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self._inputs)

    def counted(self) -> list[tuple[str, ...]]:
        """Each claim's counted study ids, from the grades table (computed again, as its full
        grade, for a claim the table lacks)."""
        inputs = self._inputs
        found: dict[bytes, Any] = {}
        wanted = list(set(inputs))
        try:
            for chunk in range(0, len(wanted), 10_000):
                batch = wanted[chunk:chunk + 10_000]
                found.update(self._store.db.execute(
                    "SELECT inputs, counted FROM grades WHERE inputs IN "
                    f"({','.join('?' * len(batch))})", batch))
        except sqlite3.DatabaseError:
            raise IndexDamaged(self._shown) from None
        return [tuple(found[key].split()) if isinstance(found.get(key), str)
                else self[index].counted for index, key in enumerate(inputs)]

    def _item(self, index: int) -> Any:
        from painlit.grading import Grade, grade_claim

        if index not in self._made:
            row = self._store.db.execute("SELECT grade FROM grades WHERE inputs = ?",
                                         (self._inputs[index],)).fetchone()
            if row is None:
                grade = grade_claim(self._corpus.claims[index], self._corpus)
            else:
                try:
                    grade = codec.loads(Grade, unsealed(row[0], self._shown))
                except codec.CodecError:
                    raise IndexDamaged(self._shown) from None
            self._made[index] = grade
        return self._made[index]
