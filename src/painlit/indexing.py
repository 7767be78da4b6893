"""Bringing the corpus index (painlit.index) up to date with a corpus file's bytes.

The file is seen as *segments* that tile it: each record of `studies` and `claims` (from its
`-` line to the next record, its trailing blank and comment lines included) and the *gaps*
between them (the small sections and the section keys). The index keeps each segment's
digest, and for each record what reading it found (its id, where it and its id are, whether
a record could be made of it, the ids it names, its problems): the *state*, one entry per
record in file order.

1. **What changed.** The stored segments are compared with the new bytes from the front, then
   from the back (shifted by the change in size), until one differs; only the window between
   is cut into records again (painlit.parts). When that window holds anything but records of
   one list, or there is no index yet, the whole file is cut and each record is looked up
   by its digest.
2. **Reading.** The gaps form the *skeleton* (the file with the long lists blanked out), which
   is small and read every time. Known records keep their state; the others are parsed and
   checked (painlit.loader.read_records) in runs and stored at once.
3. **Checking across records.** The loader's own cross-record checks (ids unique, references,
   identifiers unique, the condition tree) run over the state, exactly as a whole reading
   runs them; a record's references are handed over only when it names a missing id.
4. **Columns and grades.** An index column is rewritten only where a record read now differs
   in it. Each claim's certainty, verdict and curation warnings are stored under a digest of
   the bytes they depend on (the claim, the studies it cites, the skeleton) and computed
   again only for claims whose digest is new.
"""

from __future__ import annotations

import array
import bisect
import hashlib
import itertools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, cast

import xxhash

from painlit import codec
from painlit.errors import Problem, Severity
from painlit.facts import INSERT as FACTS_INSERT
from painlit.facts import claim_rows, study_rows
from painlit.model import Certainty, Claim, Corpus, CorpusIndex, Study
from painlit.parts import RecordList
from painlit.store import (
    CLAIM_COLUMNS,
    COLUMN_CHUNK,
    DIGEST_SIZE,
    SECTIONS,
    STORED_COLUMNS,
    STUDY_COLUMNS,
    Store,
    StoredGrades,
    StoredRecords,
    column_reader,
    column_sizes,
    digests,
    problems_from_json,
    problems_json,
    read_chunks,
    sealed,
    set_levels,
    unsealed,
    write_column,
)
from painlit.yamlfile import read_bytes, refuse_dense

#: Changed records are parsed in runs of at most about this many bytes (the YAML nodes of a
#: run take some 30 times its size).
RUN_BYTES = 500_000
#: A file larger than this is not held whole while many of its records are read.
KEEP_BYTES = 32_000_000
_GAP = -1
#: Separators of a record's `targets`: section US id RS section US id ...
_UNIT, _RECORD = "\x1f", "\x1e"
#: Bits of a record's flags: a record was made of it; reading it found problems; it names
#: an id that was missing when last checked.
MADE, PROBLEMS, MISSING = 1, 2, 4


class _Source:
    """The file's bytes: held, or read from the open file a span at a time."""

    def __init__(self, raw: bytes | None, stream: BinaryIO) -> None:
        self.raw, self.stream, self.reread = raw or b"", stream, raw is None

    def span(self, start: int, end: int) -> bytes:
        if not self.reread:
            return self.raw[start:end]
        return os.pread(self.stream.fileno(), end - start, start)


def _digest(data: bytes | memoryview) -> bytes:
    """A segment's digest: XXH3-128 (xxhash), some five times as fast as SHA-256 here, which
    matters because every byte of the file is hashed when it changed. Not a cryptographic
    hash: two different records do not meet on 128 bits by accident, and nobody gains from
    making them meet in their own corpus file."""
    return xxhash.xxh3_128_digest(data)


# --- the layout: segments ------------------------------------------------------------------------


@dataclass
class Layout:
    """The file cut into segments: each one's kind (_GAP or a section's place in SECTIONS),
    start, end, newlines and digest; and the long lists (painlit.parts)."""

    size: int
    lists: list[RecordList]
    kinds: array.array[int]
    starts: array.array[int]
    ends: array.array[int]
    lines: array.array[int]
    digests: list[bytes]


def _new_layout(size: int, lists: list[RecordList]) -> Layout:
    return Layout(size, lists, array.array("q"), array.array("q"), array.array("q"),
                  array.array("q"), [])


def _add(layout: Layout, raw: bytes, view: memoryview, kind: int, start: int, end: int) -> None:
    layout.kinds.append(kind)
    layout.starts.append(start)
    layout.ends.append(end)
    layout.lines.append(raw.count(b"\n", start, end))
    layout.digests.append(_digest(view[start:end]))


def cut_whole(raw: bytes) -> Layout | None:
    """The file's segments, every one hashed (None: the file must be read whole)."""
    from painlit import parts

    lists = parts.layout(raw)
    if lists is None or {found.name for found in lists} - set(SECTIONS):
        return None
    view = memoryview(raw)
    layout = _new_layout(len(raw), lists)
    done = 0
    for found in lists:
        kind = SECTIONS.index(found.name)
        _add(layout, raw, view, _GAP, done, found.starts[0])
        for start, end in zip(found.starts, [*found.starts[1:], found.stop], strict=True):
            _add(layout, raw, view, kind, start, end)
        done = found.stop
    _add(layout, raw, view, _GAP, done, len(raw))
    return layout


def cut_changed(raw: bytes, old: Layout) -> tuple[Layout, int, int, int] | None:
    """The file's segments from those of its last version: only the window between the
    segments equal at the front and at the back is cut and hashed again. Returns the layout,
    how many segments at the front and at the back are old ones, and the old segments'
    count (None: cut the file whole)."""
    from painlit import parts

    view = memoryview(raw)
    count, delta = len(old.digests), len(raw) - old.size
    front = _equal_front(view, old)
    window_start = old.ends[front - 1] if front else 0
    back = count
    while back > front:
        start, end = old.starts[back - 1] + delta, old.ends[back - 1] + delta
        if start < window_start or _digest(view[start:end]) != old.digests[back - 1]:
            break
        back -= 1
    if front == count and delta == 0:
        return old, count, 0, count  # the same bytes
    old_stop = old.starts[back] if back < count else old.size
    window_end = old_stop + delta
    around = [old.kinds[i] for i in range(max(front - 1, 0), min(back + 1, count))]
    if _GAP in old.kinds[front:back] or len({kind for kind in around if kind != _GAP}) != 1:
        return None  # the skeleton changed, or the window is not inside one list
    kind = next(kind for kind in around if kind != _GAP)
    found = next(f for f in old.lists if f.name == SECTIONS[kind])
    if parts.has_top_level_key(raw, window_start, window_end) or (
            found.indent and b"\n-" in raw[window_start:window_end]):
        return None
    starts = parts.record_starts(raw, found.indent, window_start, window_end)
    if window_end > window_start and (not starts or starts[0] != window_start):
        return None
    layout = _new_layout(len(raw), [_moved(f, found, window_start, delta) for f in old.lists])
    for name in ("kinds", "starts", "ends", "lines"):
        getattr(layout, name).extend(getattr(old, name)[:front])
    layout.digests.extend(old.digests[:front])
    for start, end in zip(starts, [*starts[1:], window_end][:len(starts)], strict=True):
        _add(layout, raw, view, kind, start, end)
    layout.kinds.extend(old.kinds[back:])
    layout.starts.extend(start + delta for start in old.starts[back:])
    layout.ends.extend(end + delta for end in old.ends[back:])
    layout.lines.extend(old.lines[back:])
    layout.digests.extend(old.digests[back:])
    return layout, front, count - back, count


def _equal_front(view: memoryview, old: Layout) -> int:
    """How many segments at the front of the old layout the new bytes still hold."""
    front = 0
    while front < len(old.digests) and old.ends[front] <= len(view) and _digest(
            view[old.starts[front]:old.ends[front]]) == old.digests[front]:
        front += 1
    return front


def _moved(found: RecordList, changed: RecordList, window_start: int, delta: int
           ) -> RecordList:
    """A list of the old layout where it is in the new file (record starts left empty)."""
    if found is changed:
        return RecordList(found.name, found.key_start, found.body, found.stop + delta, [],
                          found.indent)
    if found.stop <= window_start:
        return RecordList(found.name, found.key_start, found.body, found.stop, [], found.indent)
    return RecordList(found.name, found.key_start + delta, found.body + delta,
                      found.stop + delta, [], found.indent)


def with_starts(layout: Layout) -> list[RecordList]:
    """The layout's lists with their record starts."""
    starts: dict[str, list[int]] = {found.name: [] for found in layout.lists}
    for kind, start in zip(layout.kinds, layout.starts, strict=True):
        if kind != _GAP:
            starts[SECTIONS[kind]].append(start)
    return [RecordList(f.name, f.key_start, f.body, f.stop, starts[f.name], f.indent)
            for f in layout.lists]


def save_layout(store: Store, layout: Layout) -> None:
    store.put("layout", json.dumps({"size": layout.size, "lists": [
        [f.name, f.key_start, f.body, f.stop, f.indent] for f in layout.lists]}))
    for name in ("kinds", "starts", "ends", "lines"):
        store.put(f"segment_{name}", getattr(layout, name).tobytes())
    store.put("segment_digests", b"".join(layout.digests))


def load_layout(store: Store) -> Layout | None:
    try:
        stored = json.loads(store.meta("layout"))
        lists = [RecordList(name, key_start, body, stop, [], indent)
                 for name, key_start, body, stop, indent in stored["lists"]]
        layout = _new_layout(stored["size"], lists)
        for name in ("kinds", "starts", "ends", "lines"):
            getattr(layout, name).frombytes(store.meta(f"segment_{name}"))
        layout.digests = digests(store.meta("segment_digests"))
        if not len(layout.kinds) == len(layout.starts) == len(layout.digests):
            return None
        return layout
    except (TypeError, ValueError, KeyError, IndexError):
        return None


# --- the state: what reading each record found --------------------------------------------------


@dataclass
class State:
    """One entry per record of the file, in file order."""

    kinds: list[int]  # the section's place in SECTIONS
    digests: list[bytes]
    positions: list[int]  # its place in its list when it was read
    raw_ids: list[str]  # its id as written ('' when none)
    record_ids: list[str | None]  # its id as read (None: not a mapping or no usable id)
    places: list[list[int] | None]  # [where line, column, id line, column], lines relative
    flags: list[int]  # MADE, PROBLEMS
    years: list[int | None]
    warnings: list[str | None]  # a study's dose warnings (JSON)

    FIELDS = ("kinds", "digests", "positions", "raw_ids", "record_ids", "places", "flags",
              "years", "warnings")

    @classmethod
    def taken(cls, old: State | None, olds: list[int]) -> State:
        """The entries of `old` by number (-1: an empty entry, to be filled)."""
        columns: list[Any] = ([[None] * len(olds) for _ in cls.FIELDS] if old is None else [
            [values[o] if o >= 0 else None for o in olds]
            for values in (getattr(old, name) for name in cls.FIELDS)])
        return cls(*columns)


_NONE = -(2 ** 62)  # None in the state's number arrays
#: What the state stores (its kinds and digests are those of the layout's records).
_NUMBERS = ("positions", "flags", "years")
_TEXTS = ("raw_ids", "record_ids", "warnings")


def save_state(store: Store, state: State, old: State | None) -> None:
    """Store the state; a field equal to last time's is not written again (after a one-record
    edit most are)."""
    def changed(name: str) -> bool:
        return old is None or getattr(state, name) != getattr(old, name)

    for name in _NUMBERS:
        if changed(name):
            store.put(f"state:{name}", array.array(
                "q", (_NONE if v is None else v for v in getattr(state, name))).tobytes())
    if changed("places"):
        places = array.array("q")
        for place in state.places:
            places.extend(place or (_NONE,) * 4)
        store.put("state:places", places.tobytes())
    for name in _TEXTS:
        if changed(name):
            store.put(f"state:{name}", codec.dumps(getattr(state, name)))


def load_state(store: Store, layout: Layout | None) -> State | None:
    """The state stored with `layout` (None when there is none, or it does not fit)."""
    if layout is None:
        return None
    try:
        records = [i for i, kind in enumerate(layout.kinds) if kind != _GAP]
        values: dict[str, Any] = {"kinds": [layout.kinds[i] for i in records],
                                  "digests": [layout.digests[i] for i in records]}
        for name in _NUMBERS:
            numbers = array.array("q")
            numbers.frombytes(store.meta(f"state:{name}"))
            values[name] = [None if v == _NONE else v for v in numbers] if name == "years" \
                else numbers.tolist()
        places = array.array("q")
        places.frombytes(store.meta("state:places"))
        values["places"] = [None if places[i] == _NONE else places[i:i + 4].tolist()
                            for i in range(0, len(places), 4)]
        for name in _TEXTS:
            values[name] = json.loads(store.meta(f"state:{name}"))
        state = State(**values)
        if len({len(getattr(state, name)) for name in State.FIELDS}) != 1:
            return None
        return state
    except (TypeError, ValueError, KeyError, IndexError):
        return None


# --- bringing the index up to date -------------------------------------------------------------


def update(store: Store, path: Path, shown: str
           ) -> tuple[Corpus | None, list[Problem]] | None:
    """Bring the index up to the file and check it; None when only a whole reading can."""
    from painlit.loader import collector_paused

    with collector_paused():  # what is made here holds no cycles to collect
        return _Update(store, shown).run(path)


class _Update:
    def __init__(self, store: Store, shown: str) -> None:
        self.store, self.shown = store, shown
        self.state: State  # set by _take
        self.fresh_problems: dict[int, list[Problem]] = {}  # record number -> found reading it
        self.fresh_targets: dict[int, str] = {}  # record number -> the ids it names
        self.fresh_claims: dict[bytes, Claim] = {}
        #: The index columns of the records made now, in file order, and their numbers.
        self.fresh_columns: dict[str, list[Any]] = {name: [] for name in STORED_COLUMNS}
        self.fresh_made: list[list[int]] = [[] for _ in SECTIONS]
        self.columns_stored: dict[str, Sequence[Any]] = {}  # to write: JSON values or records

    def run(self, path: Path) -> tuple[Corpus | None, list[Problem]] | None:

        try:
            with path.open("rb") as stream:
                return self._run(path, stream)
        except OSError:
            return None

    def _run(self, path: Path, stream: BinaryIO
             ) -> tuple[Corpus | None, list[Problem]] | None:
        from painlit import loader

        raw = read_bytes(path)
        old_layout = load_layout(self.store)
        old_state = self.old_state = load_state(self.store, old_layout)
        cut = cut_changed(raw, old_layout) if old_layout and old_state else None
        layout = cut[0] if cut is not None else cut_whole(raw)
        if layout is None:
            return None
        (skeleton, shifts), first_lines = self._skeleton(layout, raw)
        # A large file is not held while the rest is done: the records to read are read
        # again from the file a run at a time, each run's bytes checked against the digests
        # they were cut with (a file changed meanwhile is then read whole).
        source = _Source(None, stream) if len(raw) > KEEP_BYTES else _Source(raw, stream)
        del raw
        root = loader.check_skeleton(skeleton, shifts, self.shown)
        if root is None:
            return None
        latest = loader.latest_year(root, self.shown)
        olds = self._olds(layout, cut, old_layout, old_state)
        self._take(layout, first_lines, olds, old_state, latest,
                   self.store.meta("latest_year"))
        if not self._read_changed(layout, source, latest):
            return None
        del source
        long = self._long_sections(loader.small_ids(root))
        corpus, problems = loader.check_with_sections(root, self.shown, long)
        self._save(layout, old_state, latest, corpus, problems, _digest(skeleton))
        return corpus, problems

    def _skeleton(self, layout: Layout, raw: bytes
                  ) -> tuple[tuple[bytes, list[tuple[int, int]]], list[int]]:
        """The skeleton and where it left lines out, and the first line (1-based) of every
        segment."""
        from painlit import parts

        first_lines = [1, *itertools.accumulate(layout.lines, initial=1)][1:-1]
        lists = with_starts(layout)
        list_lines = []
        for found in lists:
            kind = SECTIONS.index(found.name)
            list_lines.append(raw.count(b"\n", found.body, found.starts[0]) + sum(
                lines for k, lines in zip(layout.kinds, layout.lines, strict=True)
                if k == kind))
        return parts.skeleton(raw, lists, list_lines), first_lines

    def _olds(self, layout: Layout, cut: tuple[Layout, int, int, int] | None,
              old_layout: Layout | None, old_state: State | None) -> list[int]:
        """For each segment, the number of the old record it is (-1: none known)."""
        if old_layout is None or old_state is None:
            return [-1] * len(layout.kinds)
        # old_records[i]: how many records come before old segment i (its number, if a record)
        old_records = list(itertools.accumulate(
            (kind != _GAP for kind in old_layout.kinds), initial=0))
        if cut is None:
            by_digest = {d: i for i, d in enumerate(old_state.digests)}
            return [by_digest.get(d, -1) for d in layout.digests]
        _, front, back, count = cut
        total = len(layout.kinds)
        # The window's records may be old ones moved: those are found by their digests.
        moved = {old_state.digests[n]: n for n in range(old_records[front],
                                                        old_records[count - back])}
        olds = []
        for segment in range(total):
            if segment < front:
                olds.append(old_records[segment])
            elif segment >= total - back:
                olds.append(old_records[count - (total - segment)])
            else:
                olds.append(moved.get(layout.digests[segment], -1))
        return olds

    def _take(self, layout: Layout, first_lines: list[int], olds: list[int],
              old_state: State | None, latest: int, stored_latest: int | None) -> None:
        """The state of the records known to the index: known bytes, unless their problems
        name their old place, or the latest plausible year changed and may change their
        reading (their entries are left to be read)."""
        self.segment_of = [i for i, kind in enumerate(layout.kinds) if kind != _GAP]
        record_olds = [olds[i] for i in self.segment_of]
        self.first_lines = [first_lines[i] for i in self.segment_of]
        kinds = [layout.kinds[i] for i in self.segment_of]
        counters = {kind: itertools.count() for kind in range(len(SECTIONS))}
        positions = [next(counters[kind]) for kind in kinds]
        if old_state is not None:
            year_changed = stored_latest != latest
            bar = min(latest, stored_latest or 0)
            for number, old in enumerate(record_olds):
                if old < 0:
                    continue
                problems = old_state.flags[old] & PROBLEMS
                year = old_state.years[old]
                if (problems and old_state.positions[old] != positions[number]) or (
                        year_changed and (problems or (year is not None and year > bar))):
                    record_olds[number] = -1  # read it again
        state = self.state = State.taken(old_state, record_olds)
        state.kinds = kinds
        state.digests = [layout.digests[i] for i in self.segment_of]
        state.positions = [old_state.positions[o] if o >= 0 and old_state is not None
                           else position for o, position in zip(record_olds, positions,
                                                                strict=True)]
        self.todo = [number for number, old in enumerate(record_olds) if old < 0]
        self.record_olds = record_olds
        kept_old = set(record_olds)
        self.gone_studies: set[str | None] = set() if old_state is None else {
            old_state.record_ids[n] for n in range(len(old_state.kinds))
            if old_state.kinds[n] == 0 and n not in kept_old}

    def _read_changed(self, layout: Layout, raw: _Source, latest: int) -> bool:
        """Parse the records the index cannot give, in runs; False: read the file whole."""
        run: list[int] = []
        for number in self.todo:
            if run and (self.state.kinds[run[-1]] != self.state.kinds[number]
                        or run[-1] + 1 != number or layout.ends[self.segment_of[number]]
                        - layout.starts[self.segment_of[run[0]]] > RUN_BYTES):
                if not self._read_run(run, layout, raw, latest):
                    return False
                run = []
            run.append(number)
        return self._read_run(run, layout, raw, latest)

    def _read_run(self, run: list[int], layout: Layout, source: _Source, latest: int) -> bool:
        from painlit import loader
        from painlit.dosing import study_dose_warnings
        from painlit.parts import Part

        if not run:
            return True
        state = self.state
        section = SECTIONS[state.kinds[run[0]]]
        start, end = layout.starts[self.segment_of[run[0]]], layout.ends[self.segment_of[run[-1]]]
        raw = source.span(start, end)
        if source.reread and any(
                _digest(raw[layout.starts[self.segment_of[n]] - start:
                            layout.ends[self.segment_of[n]] - start]) != state.digests[n]
                for n in run):
            return False  # the file changed while it was read
        part = Part(section, self.first_lines[run[0]] - 1, state.positions[run[0]], len(run),
                    0, end - start)
        refuse_dense(raw, self.shown)  # before parsing what it cannot
        with loader.collector_paused():
            results = loader.read_records(self.shown, part, latest, raw,
                                          [self.first_lines[number] for number in run[1:]])
            if results is None:
                return False
            rows = [self._keep(number, result, study_dose_warnings)
                    for number, result in zip(run, results, strict=True)]
            made = [(state.digests[number], result.read.record)
                    for number, result in zip(run, results, strict=True)
                    if result.read is not None and result.read.record is not None]
            keys, records = [digest for digest, _ in made], [record for _, record in made]
            if section == "studies":
                index = CorpusIndex.of(cast(list[Study], records), ())
                facts = study_rows(keys, index)
            else:
                index = CorpusIndex.of((), cast(list[Claim], records))
                facts = claim_rows(keys, index, cast(list[Claim], records))
            for name in (STUDY_COLUMNS if section == "studies" else CLAIM_COLUMNS):
                if name in self.fresh_columns:
                    self.fresh_columns[name].extend(getattr(index, name))
        self.store.db.executemany(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.store.db.executemany(FACTS_INSERT, facts)
        if section == "claims":
            self.store.db.executemany("INSERT OR IGNORE INTO cited VALUES (?, ?)", (
                (value, row[0]) for row in rows for section_name, _, value in (
                    item.partition(_UNIT) for item in row[-1].split(_RECORD) if row[-1])
                if section_name == "studies"))
        return True

    def _keep(self, number: int, result: Any, dose_warnings: Any) -> tuple[Any, ...]:
        """A record as read now: its entry in the state, and its row of `records`."""
        state, base = self.state, self.first_lines[number]
        read = result.read
        record = None if read is None else read.record
        made = record is not None
        state.raw_ids[number] = result.raw_id
        state.record_ids[number] = None if read is None else read.record_id
        state.places[number] = None if read is None else [
            read.where[0] - base, read.where[1], read.id_where[0] - base, read.id_where[1]]
        state.flags[number] = (MADE if made else 0) | (PROBLEMS if result.problems else 0)
        state.years[number] = record.year if isinstance(record, Study) else None
        targets = self.fresh_targets[number] = _RECORD.join(
            f"{section}{_UNIT}{value}" for section, value, *_ in result.references)
        state.warnings[number] = None
        if result.problems:
            self.fresh_problems[number] = result.problems
        if made:
            self.fresh_made[state.kinds[number]].append(number)
            if isinstance(record, Study):
                found = dose_warnings(record, self.shown)
                state.warnings[number] = codec.dumps(
                    [[p.field, p.message, p.hint] for p in found]) if found else None
            elif len(self.fresh_claims) < 1000:  # graded below without decoding it again
                self.fresh_claims[state.digests[number]] = cast(Claim, record)
        return (state.digests[number],
                problems_json([_moved_line(p, 1 - base) for p in result.problems])
                if result.problems else None,
                codec.dumps([[section, value, [where[0] - base, where[1]], name, field]
                             for section, value, where, name, field in result.references]),
                None if record is None else sealed(codec.dumps(record)), state.kinds[number],
                targets)

    def _long_sections(self, small: dict[str, list[str]]) -> Any:
        """The studies and claims as the loader's cross-record checks take them. In the
        usual case (every item a record, each id once) the loader needs no item as read, only
        where each record is, which it asks for when it reports a problem."""
        from painlit.loader import LongSections

        state = self.state
        long = LongSections()
        numbers = [[n for n, kind in enumerate(state.kinds) if kind == k]
                   for k in range(len(SECTIONS))]
        self.kept, self.kept_lines = [], []
        for kind, section in enumerate(SECTIONS):
            mine = numbers[kind]
            long.ids[section] = [state.raw_ids[n] for n in mine]
            places = [state.places[n] for n in mine]
            record_ids = [state.record_ids[n] for n in mine]
            plain = (None not in places and None not in record_ids
                     and all(state.flags[n] & MADE for n in mine)
                     and len(set(record_ids)) == len(record_ids))
            if plain:
                kept = mine
                long.wheres[section] = _Wheres(places, [self.first_lines[n] for n in mine])
            else:
                kept = [n for n in mine if state.flags[n] & MADE and state.places[n] is not None]
                long.reads[section] = self._reads(mine)
            self.kept.append(kept)
            self.kept_lines.append([cast(list[int], state.places[n])[0] + self.first_lines[n]
                                    for n in kept])
        long.problems = self._own_problems()
        long.references = self._missing_references(small, long.ids["studies"])
        studies = StoredRecords(self.store, Study, [state.digests[n] for n in self.kept[0]],
                                self.kept_lines[0], self.shown)
        claims = StoredRecords(self.store, Claim, [state.digests[n] for n in self.kept[1]],
                               self.kept_lines[1], self.shown, self.fresh_claims)
        long.records = {"studies": studies, "claims": claims}
        self.columns = self._columns()
        index = self.store.index(studies, claims, self.shown, self.columns)
        long.indexes = {"studies": index, "claims": index}
        return long

    def _reads(self, numbers: list[int]) -> list[Any]:
        """Each item of a section as read (painlit.loader), its record by its place among
        the records made."""
        from painlit.records import _Read

        state, reads, made = self.state, [], 0
        for number in numbers:
            place, base = state.places[number], self.first_lines[number]
            if place is None:
                continue
            is_made = state.flags[number] & MADE
            reads.append(_Read(state.record_ids[number], made if is_made else None,
                               (place[0] + base, place[1]), (place[2] + base, place[3])))
            made += bool(is_made)
        return reads

    def _own_problems(self) -> list[Problem]:
        """What reading each record found (read now, or stored), placed in the file."""
        state, problems = self.state, []
        stored = [n for n, flags in enumerate(state.flags)
                  if flags & PROBLEMS and n not in self.fresh_problems]
        texts = dict(self._rows("problems", [state.digests[n] for n in stored]))
        for number, flags in enumerate(state.flags):
            if not flags & PROBLEMS:
                continue
            found = self.fresh_problems.get(number)
            if found is not None:
                problems.extend(found)
            else:
                problems.extend(_moved_line(p, self.first_lines[number] - 1) for p in
                                problems_from_json(texts[state.digests[number]], self.shown))
        return problems

    def _rows(self, column: str, wanted: Sequence[bytes]) -> list[tuple[bytes, Any]]:
        found: list[tuple[bytes, Any]] = []
        for chunk in range(0, len(wanted), 10_000):  # SQLite's limit on bound values
            batch = list(wanted[chunk:chunk + 10_000])
            found.extend(self.store.db.execute(
                f"SELECT digest, {column} FROM records WHERE digest IN "
                f"({','.join('?' * len(batch))})", batch))
        return found

    def _missing_references(self, small: dict[str, list[str]], study_ids: list[str]
                            ) -> list[tuple[str, str, Any, str, str]]:
        """The references (with where they are) of the records that name a missing id: the
        others can only pass the loader's reference check. A record keeps its MISSING bit
        unless it is read now, or the ids it may name changed under it: when the ids are those
        of last time, only the records read now are looked at; when only study ids changed,
        also the records missing an id (an id added may be theirs) and the claims citing a
        study id now gone (the `cited` table); else every record."""
        known = {section: set(values) for section, values in small.items()}
        known["studies"] = set(study_ids)
        small_digest = hashlib.sha256("\x1e".join(
            f"{section}\x1f" + "\x1f".join(values) for section, values in sorted(small.items())
        ).encode("utf-8", "surrogateescape")).hexdigest()
        universe = hashlib.sha256("\x1e".join((small_digest, *study_ids)).encode(
            "utf-8", "surrogateescape")).hexdigest()
        same = universe == self.store.meta("universe")
        self.universe = (universe, small_digest)
        state, old = self.state, self.old_state
        failing: dict[str, bool] = {}
        if same:
            numbers: set[int] | range = set(self.fresh_targets)
        elif old is not None and small_digest == self.store.meta("universe_small"):
            numbers = set(self.fresh_targets)
            numbers.update(n for n, flags in enumerate(state.flags) if flags & MISSING)
            citing = self._citing({old.raw_ids[n] for n, kind in enumerate(old.kinds)
                                   if kind == 0} - known["studies"])
            if citing:
                numbers.update(n for n, digest in enumerate(state.digests) if digest in citing)
        else:
            numbers = range(len(state.digests))
        stored = dict(self._rows("targets", [state.digests[n] for n in numbers
                                             if n not in self.fresh_targets]))
        to_check = {n: self.fresh_targets[n] if n in self.fresh_targets
                    else stored[state.digests[n]] for n in numbers}
        for number, targets in to_check.items():
            bad = False
            if targets:
                bad = failing.get(targets)  # type: ignore[assignment]
                if bad is None:
                    bad = failing[targets] = any(
                        value not in known.get(section, ())
                        for section, _, value in (item.partition(_UNIT)
                                                  for item in targets.split(_RECORD)))
            state.flags[number] = state.flags[number] | MISSING if bad \
                else state.flags[number] & ~MISSING
        wanted = [n for n, flags in enumerate(state.flags) if flags & MISSING]
        texts = dict(self._rows("refs", [state.digests[n] for n in wanted]))
        references: list[tuple[str, str, Any, str, str]] = []
        for number in wanted:
            base = self.first_lines[number]
            for section, value, where, name, field in json.loads(texts[state.digests[number]]):
                references.append((section, value, (where[0] + base, where[1]), name, field))
        return references

    def _columns(self) -> dict[str, Sequence[Any]]:
        """The index columns of the records made: those of records read now from them, the
        others' from last time's columns; a column none of whose values changed is kept as
        it is (not even read)."""
        state = self.state
        columns: dict[str, Sequence[Any]] = {}
        for kind, names in enumerate((STUDY_COLUMNS, CLAIM_COLUMNS)):
            chosen, fresh = self.kept[kind], self.fresh_made[kind]
            stored = [name for name in names if name in STORED_COLUMNS]
            if len(fresh) == len(chosen):  # all read now
                columns.update({name: self.fresh_columns[name] for name in stored})
                self.columns_stored.update({name: self.fresh_columns[name] for name in stored})
                continue
            old_kept = digests(self.store.meta(f"kept:{SECTIONS[kind]}"))
            fresh_place = {number: place for place, number in enumerate(fresh)}
            unchanged = self._unchanged_columns(kind, chosen, old_kept, fresh_place)
            # The records made before and after the edited window are last time's, in the
            # same order: only the chunks of each column holding the window are read and
            # written again (a record of the window read now, or an old one moved there:
            # found by its digest). Otherwise the column is made again whole.
            new_kept = [state.digests[n] for n in chosen]
            front, back = _common_ends(old_kept, new_kept)
            window = chosen[front:len(chosen) - back]
            places = {d: i for i, d in enumerate(old_kept[front:len(old_kept) - back],
                                                 start=front)}
            if any(n not in fresh_place and state.digests[n] not in places for n in window):
                places = {d: i for i, d in enumerate(old_kept)}  # a record repeated
            # Each record of the window: its place among the records read now, or (-1) its
            # place in the old column.
            picks = [(fresh_place[n], -1) if n in fresh_place else (-1, places[state.digests[n]])
                     for n in window]
            for name in stored:
                if name in unchanged:
                    continue
                new = json.loads(codec.dumps(self.fresh_columns[name]))
                if self._splice(name, len(old_kept), front, back, picks, new):
                    continue
                sizes = column_sizes(self.store, name, self.shown)
                old = read_chunks(self.store, name, 0, len(sizes) - 1, self.shown)
                values = old[:front]
                values.extend(cast(list[Any], _window_values(picks, new, old, 0)))
                values.extend(old[len(old) - back:])
                self.columns_stored[name] = values
                columns[name] = column_reader(name)(values)
        return columns

    def _splice(self, name: str, old_length: int, front: int, back: int,
                picks: list[tuple[int, int]], new: list[Any]) -> bool:
        """Write again only the chunks of a stored column that hold the edited window (old
        values `front` to `old_length - back`, replaced by the window's); False: the column
        must be made again whole (its chunks do not add up, a value of the window is outside
        them, or the chunk would grow too large)."""
        sizes = column_sizes(self.store, name, self.shown)
        if sum(sizes) != old_length or not sizes:
            return False
        ends = list(itertools.accumulate(sizes))
        low, high = front, old_length - back  # the old window
        first = min(bisect.bisect_right(ends, low), len(sizes) - 1)
        last = max(first, min(bisect.bisect_right(ends, high - 1), len(sizes) - 1))
        base = ends[first] - sizes[first]
        old = read_chunks(self.store, name, first, last, self.shown)
        window = _window_values(picks, new, old, base)
        if window is None:
            return False
        middle = old[:low - base] + window + old[high - base:]
        if len(middle) > 4 * COLUMN_CHUNK:
            return False
        db = self.store.db
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   (f"column:{name}:{first}", sealed(codec.dumps(middle))))
        for number in range(first + 1, last + 1):  # emptied: the first holds them now
            db.execute("DELETE FROM meta WHERE key = ?", (f"column:{name}:{number}",))
        sizes[first:last + 1] = [len(middle)] + [0] * (last - first)
        self.store.put(f"column:{name}", json.dumps(sizes))
        return True

    def _unchanged_columns(self, kind: int, chosen: list[int], old_kept: list[bytes],
                           fresh_place: dict[int, int]) -> set[str]:
        """The columns of a section that stay as stored: the records made are the old ones
        in the old order, but for a few read now in an old one's place, whose values in
        these columns are the old one's (read from its stored body)."""
        state = self.state
        if len(old_kept) != len(chosen) or len(fresh_place) > 100:
            return set()
        replaced = []
        for place, number in enumerate(chosen):
            if number in fresh_place:
                replaced.append((old_kept[place], fresh_place[number]))
            elif state.digests[number] != old_kept[place]:
                return set()
        names = STUDY_COLUMNS if kind == 0 else CLAIM_COLUMNS
        bodies = dict(self._rows("body", [old for old, _ in replaced]))
        cls: type[Study] | type[Claim] = Study if kind == 0 else Claim
        old_rows = {}
        for old, _ in replaced:
            if bodies.get(old) is None:
                return set()
            old_rows[old] = _row(codec.loads(cls, unsealed(bodies[old], self.shown)))
        unchanged = set()
        for column, name in enumerate(names):
            if name not in STORED_COLUMNS:
                continue
            new = json.loads(codec.dumps([self.fresh_columns[name][place]
                                          for _, place in replaced]))
            if all(old_rows[old][column] == value
                   for (old, _), value in zip(replaced, new, strict=True)):
                unchanged.add(name)
        return unchanged

    def _save(self, layout: Layout, old_state: State | None, latest: int,
              corpus: Corpus | None, problems: list[Problem], skeleton_digest: bytes) -> None:
        put, state = self.store.put, self.state
        if old_state is not None:
            current = set(state.digests)
            gone = [d for d in old_state.digests if d not in current]
            for chunk in range(0, len(gone), 10_000):
                batch = gone[chunk:chunk + 10_000]
                marks = ",".join("?" * len(batch))
                self.store.db.execute(f"DELETE FROM records WHERE digest IN ({marks})", batch)
                self.store.db.execute(f"DELETE FROM cited WHERE claim IN ({marks})", batch)
                for kind in range(len(SECTIONS)):
                    self.store.db.execute(f"DELETE FROM facts WHERE section = {kind} AND "
                                          f"record IN ({marks})", batch)
        save_layout(self.store, layout)
        save_state(self.store, state, old_state)
        put("latest_year", latest)
        # The ids the MISSING bits were found against, and those of the small sections.
        put("universe", self.universe[0])
        put("universe_small", self.universe[1])
        put("problems", problems_json(problems))
        put("signature", None)
        for kind, section in enumerate(SECTIONS):
            put(f"kept:{section}", b"".join(state.digests[n] for n in self.kept[kind]))
            put(f"lines:{section}", json.dumps(self.kept_lines[kind]))
        for name, values in self.columns_stored.items():
            write_column(self.store, name, values)
        if corpus is None:
            put("corpus", 0)
            put("grading", None)  # its record numbers are those of the last corpus
            return
        put("small", codec.dumps([corpus.info, corpus.conditions, corpus.mechanisms,
                                  corpus.substances, corpus.sources, corpus.outcomes]))
        levels, curation = self._grade(corpus, skeleton_digest)
        inputs, found = self.grading
        put("grading", codec.dumps([self.kept[1], [key.hex() for key in inputs],
                                    [found[key] for key in inputs]]))
        unused = list(set(self.old_found) - set(inputs))  # grades no claim has any more
        for chunk in range(0, len(unused), 10_000):
            batch = unused[chunk:chunk + 10_000]
            self.store.db.execute(
                f"DELETE FROM grades WHERE inputs IN ({','.join('?' * len(batch))})", batch)
        put("skeleton", skeleton_digest)
        put("levels", json.dumps([[int(c), v] for c, v in levels]))
        dose = self._dose_warnings()
        put("curation_warnings", problems_json(curation))
        put("dose_warnings", problems_json(dose))
        corpus.memo["curation_warnings"], corpus.memo["dose_warnings"] = curation, dose
        self.store.attach(corpus, self.shown)
        put("corpus", 1)

    def _grade(self, corpus: Corpus, skeleton_digest: bytes
               ) -> tuple[list[tuple[Certainty, str]], list[Problem]]:
        """Each claim's certainty, verdict and curation warnings: as last time when what
        they depend on is unchanged, else from the grades table, else computed now."""
        from painlit.grading import claim_warnings, grade_claim

        state, kept = self.state, self.kept[1]
        study_digest = {state.record_ids[n]: state.digests[n] for n in self.kept[0]}
        old = self._old_grading(skeleton_digest)
        inputs: list[bytes] = []
        for number in kept:
            known = old.get(self.record_olds[number])
            if known is not None:
                inputs.append(known)
                continue
            digest = hashlib.sha256(skeleton_digest + state.digests[number])
            targets = self.fresh_targets.get(number)
            if targets is None:
                targets = self._rows("targets", [state.digests[number]])[0][1]
            for item in targets.split(_RECORD) if targets else ():
                section, _, value = item.partition(_UNIT)
                if section == "studies":
                    digest.update(study_digest.get(value, b"?"))
            inputs.append(digest.digest()[:DIGEST_SIZE])
        found = self._grades_stored(inputs)
        new = []
        for position, key in enumerate(inputs):
            if key not in found:
                claim = corpus.claims[position]
                grade = grade_claim(claim, corpus)
                warnings = codec.dumps([[p.field, p.message, p.hint]
                                        for p in claim_warnings(claim, corpus)])
                found[key] = (int(grade.certainty), grade.verdict.value, warnings)
                new.append((key, *found[key], sealed(codec.dumps(grade)),
                            " ".join(grade.counted)))
                if len(new) >= 1000:  # written as they come: each full grade is some kB
                    self._store_grades(new)
        self._store_grades(new)
        self.grading = (inputs, found)
        certainties = {int(c): c for c in Certainty}
        levels = [(certainties[found[key][0]], found[key][1]) for key in inputs]
        set_levels(corpus, levels, StoredGrades(self.store, corpus, inputs, self.shown))
        curation = []
        for number, line, key in zip(kept, self.kept_lines[1], inputs, strict=True):
            if found[key][2] != "[]":
                for field, message, hint in json.loads(found[key][2]):
                    curation.append(Problem(self.shown, line, 1,
                                            cast(str, state.record_ids[number]), field,
                                            message, hint, Severity.WARNING))
        return levels, curation

    def _store_grades(self, new: list[tuple[Any, ...]]) -> None:
        self.store.db.executemany("INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?)", new)
        new.clear()

    def _old_grading(self, skeleton_digest: bytes) -> dict[int, bytes]:
        """Last time's inputs digest of each claim (by old record number) whose inputs are
        unchanged: the skeleton is the same, and none of the studies it cites changed."""
        stored = self.store.meta("grading")
        self.old_found: dict[bytes, tuple[int, str, str]] = {}
        if stored is None or self.store.meta("skeleton") != skeleton_digest:
            return {}
        old_numbers, old_inputs, old_grades = json.loads(stored)
        self.old_found = {bytes.fromhex(key): (grade[0], grade[1], grade[2])
                          for key, grade in zip(old_inputs, old_grades, strict=True)}
        state = self.state
        citing = self._citing({state.record_ids[n] for n in self.fresh_made[0]}
                              | self.gone_studies)
        moved = {old: n for n, old in enumerate(self.record_olds) if old >= 0}
        result = {}
        for old, key in zip(old_numbers, old_inputs, strict=True):
            number = moved.get(old)
            if number is not None and state.digests[number] not in citing:
                result[old] = bytes.fromhex(key)
        return result

    def _citing(self, study_ids: Iterable[str | None]) -> set[bytes]:
        """The digests of the claims that cite any of these study ids (the `cited` table)."""
        wanted = [study for study in study_ids if study is not None]
        citing: set[bytes] = set()
        for chunk in range(0, len(wanted), 10_000):
            batch = wanted[chunk:chunk + 10_000]
            citing.update(claim for (claim,) in self.store.db.execute(
                f"SELECT claim FROM cited WHERE study IN ({','.join('?' * len(batch))})",
                batch))
        return citing

    def _grades_stored(self, inputs: list[bytes]) -> dict[bytes, tuple[int, str, str]]:
        old = self.old_found
        found: dict[bytes, tuple[int, str, str]] = {}
        wanted = []
        for key in dict.fromkeys(inputs):
            if key in old:
                found[key] = old[key]
            else:
                wanted.append(key)
        for chunk in range(0, len(wanted), 10_000):
            batch = wanted[chunk:chunk + 10_000]
            for key, certainty, verdict, warnings in self.store.db.execute(
                    "SELECT inputs, certainty, verdict, warnings FROM grades WHERE inputs IN "
                    f"({','.join('?' * len(batch))})", batch):
                found[key] = (certainty, verdict, warnings)
        return found

    def _dose_warnings(self) -> list[Problem]:
        state = self.state
        dose = []
        for number, line in zip(self.kept[0], self.kept_lines[0], strict=True):
            text = state.warnings[number]
            if text is not None:
                for field, message, hint in json.loads(text):
                    dose.append(Problem(self.shown, line, 1, cast(str, state.record_ids[number]),
                                        field, message, hint, Severity.WARNING))
        return dose


class _Wheres(Sequence[tuple[int, int]]):
    """Where each record is (line, column), made when asked for."""

    def __init__(self, places: list[Any], first_lines: list[int]) -> None:
        self._places, self._first_lines = places, first_lines

    def __len__(self) -> int:
        return len(self._places)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        place = self._places[index]
        return (place[0] + self._first_lines[index], place[1])


def _window_values(picks: list[tuple[int, int]], new: list[Any], old: list[Any], base: int
                   ) -> list[Any] | None:
    """The window's values: from the records read now, or from the old column's values read
    (`old`, starting at place `base`); None when one lies outside those."""
    values = []
    for fresh, place in picks:
        if fresh >= 0:
            values.append(new[fresh])
        elif base <= place < base + len(old):
            values.append(old[place - base])
        else:
            return None
    return values


def _common_ends(old: list[bytes], new: list[bytes]) -> tuple[int, int]:
    """How many items the two lists share at the front, and then at the back."""
    front, most = 0, min(len(old), len(new))
    while front < most and old[front] == new[front]:
        front += 1
    back = 0
    while back < most - front and old[-1 - back] == new[-1 - back]:
        back += 1
    return front, back


def _row(record: Study | Claim) -> list[Any]:
    """A record's values in its section's index columns, as JSON values."""
    if isinstance(record, Study):
        index, names = CorpusIndex.of((record,), ()), STUDY_COLUMNS
    else:
        index, names = CorpusIndex.of((), (record,)), CLAIM_COLUMNS
    return cast(list[Any], json.loads(codec.dumps([
        None if name not in STORED_COLUMNS else getattr(index, name)[0] for name in names])))


def _moved_line(problem: Problem, lines: int) -> Problem:
    """A problem moved by `lines` (a whole-file problem, at line 0, stays there)."""
    if problem.line <= 0:
        return problem
    return replace(problem, line=problem.line + lines)
