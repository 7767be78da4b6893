"""Bringing the corpus index (painlit.index) up to date with a corpus file's bytes.

The file is seen as *segments* that tile it: each record of `studies` and `claims` (from its
`-` line to the next record, its trailing blank and comment lines included) and the *gaps*
between them (the small sections, the section keys). Each segment's bytes are hashed; the
index keeps the file's segments from last time.

1. **What changed.** The stored segments are compared with the new bytes from the front, then
   from the back (at the end, shifted by the change in size), until one differs; what lies
   between is cut into records again (painlit.parts). When that window holds anything but
   records of one list, or there is no index yet, the whole file is cut.
2. **Reading.** The gaps form the *skeleton* (the file with the long lists blanked out), which
   is small and read every time. A record whose bytes the index holds comes from it as it was
   checked (its problems, where it and its id are, the ids it names, its index columns); the
   others are parsed and checked (painlit.loader.read_records) in runs and stored at once.
3. **Checking across records.** The loader's own cross-record checks (ids unique, references,
   identifiers unique, the condition tree) run over what the index gives, exactly as a whole
   reading runs them; a reference is handed over only when the id it names is missing.
4. **Grading.** Each claim's certainty, verdict and curation warnings are stored under a
   digest of the bytes they depend on (the claim, the studies it cites, the skeleton) and
   computed again only when that digest is new.
"""

from __future__ import annotations

import array
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from painlit import codec
from painlit.errors import Problem, Severity
from painlit.index import (
    CLAIM_COLUMNS,
    DIGEST_SIZE,
    SECTIONS,
    STORED_COLUMNS,
    STUDY_COLUMNS,
    Store,
    StoredRecords,
    column_reader,
    digests,
    problems_json,
    set_levels,
)
from painlit.model import Certainty, Claim, Corpus, CorpusIndex, Study
from painlit.parts import RecordList
from painlit.yamlfile import read_bytes, refuse_dense

#: Changed records are parsed in runs of at most about this many bytes.
RUN_BYTES = 2_000_000
_GAP = -1
#: Separators of the `targets` column: section, US, id, RS, ...
_UNIT, _RECORD = "\x1f", "\x1e"


@dataclass(slots=True)
class Segment:
    kind: int  # _GAP, or the section's place in SECTIONS
    start: int
    end: int
    digest: bytes
    lines: int  # newlines in its bytes


@dataclass
class Layout:
    size: int
    lists: list[RecordList]
    segments: list[Segment]


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.sha256(data).digest()[:DIGEST_SIZE]


def _segment(raw: bytes, view: memoryview, kind: int, start: int, end: int) -> Segment:
    return Segment(kind, start, end, _digest(view[start:end]), raw.count(b"\n", start, end))


def cut_whole(raw: bytes) -> Layout | None:
    """The file's segments, every one hashed (None: the file must be read whole)."""
    from painlit import parts

    lists = parts.layout(raw)
    if lists is None or len({found.name for found in lists} - set(SECTIONS)) > 0:
        return None
    view = memoryview(raw)
    segments = []
    done = 0
    for found in lists:
        kind = SECTIONS.index(found.name)
        segments.append(_segment(raw, view, _GAP, done, found.starts[0]))
        ends = [*found.starts[1:], found.stop]
        segments.extend(_segment(raw, view, kind, start, end)
                        for start, end in zip(found.starts, ends, strict=True))
        done = found.stop
    segments.append(_segment(raw, view, _GAP, done, len(raw)))
    return Layout(len(raw), lists, segments)


def cut_changed(raw: bytes, old: Layout) -> Layout | None:
    """The file's segments from those of its last version: only the window between the
    segments equal at the front and at the back is cut and hashed again (None: cut whole)."""
    from painlit import parts

    view = memoryview(raw)
    segments, count, delta = old.segments, len(old.segments), len(raw) - old.size
    front = 0
    while front < count and segments[front].end <= len(raw) and _digest(
            view[segments[front].start:segments[front].end]) == segments[front].digest:
        front += 1
    window_start = segments[front - 1].end if front else 0
    back = count
    while back > front:
        segment = segments[back - 1]
        start, end = segment.start + delta, segment.end + delta
        if start < window_start or _digest(view[start:end]) != segment.digest:
            break
        back -= 1
    if front == count and back == count and delta == 0:
        return Layout(len(raw), old.lists, segments)  # the same bytes
    old_stop = segments[back].start if back < count else old.size
    window_end = old_stop + delta
    changed = segments[front:back]
    neighbours = [s for s in (segments[front - 1] if front else None,
                              segments[back] if back < count else None) if s is not None]
    kinds = {s.kind for s in changed} | {s.kind for s in neighbours if s.kind != _GAP}
    if _GAP in {s.kind for s in changed} or len(kinds) != 1:
        return None  # the skeleton changed, or the window is not inside one list
    kind = kinds.pop()
    found = next(f for f in old.lists if f.name == SECTIONS[kind])
    if parts.has_top_level_key(raw, window_start, window_end) or (
            found.indent and b"\n-" in raw[window_start:window_end]):
        return None
    starts = parts.record_starts(raw, found.indent, window_start, window_end)
    if window_end > window_start and (not starts or starts[0] != window_start):
        return None
    ends = [*starts[1:], window_end]
    new = [_segment(raw, view, kind, start, end) for start, end in zip(starts, ends, strict=True)]
    shifted = [Segment(s.kind, s.start + delta, s.end + delta, s.digest, s.lines)
               for s in segments[back:]]
    lists = [_moved(f, old, window_start, old_stop, delta, raw, found) for f in old.lists]
    return Layout(len(raw), lists, [*segments[:front], *new, *shifted]) if all(lists) else None


def _moved(found: RecordList, old: Layout, window_start: int, old_stop: int, delta: int,
           raw: bytes, changed: RecordList) -> RecordList:
    """A list of the old layout where it is in the new file (its record starts are set again
    from the segments)."""
    if found.stop <= window_start and found is not changed:
        return found
    if found is changed:
        return RecordList(found.name, found.key_start, found.body, found.stop + delta, [],
                          found.indent)
    return RecordList(found.name, found.key_start + delta, found.body + delta,
                      found.stop + delta, [], found.indent)


def _with_starts(layout: Layout) -> list[RecordList]:
    starts: dict[str, list[int]] = {found.name: [] for found in layout.lists}
    for segment in layout.segments:
        if segment.kind != _GAP:
            starts[SECTIONS[segment.kind]].append(segment.start)
    return [RecordList(f.name, f.key_start, f.body, f.stop, starts[f.name], f.indent)
            for f in layout.lists]


def save_layout(store: Store, layout: Layout) -> None:
    store.put("layout", json.dumps({"size": layout.size, "lists": [
        [f.name, f.key_start, f.body, f.stop, f.indent] for f in layout.lists]}))
    numbers = array.array("q")
    for segment in layout.segments:
        numbers.extend((segment.kind, segment.start, segment.end, segment.lines))
    store.put("segments", numbers.tobytes())
    store.put("segment_digests", b"".join(s.digest for s in layout.segments))


def load_layout(store: Store) -> Layout | None:
    try:
        stored = json.loads(store.meta("layout"))
        numbers = array.array("q")
        numbers.frombytes(store.meta("segments"))
        hashes = digests(store.meta("segment_digests"))
        segments = [Segment(numbers[i], numbers[i + 1], numbers[i + 2], hashes[i // 4],
                            numbers[i + 3]) for i in range(0, len(numbers), 4)]
        lists = [RecordList(name, key_start, body, stop, [], indent)
                 for name, key_start, body, stop, indent in stored["lists"]]
        return Layout(stored["size"], lists, segments)
    except (TypeError, ValueError, KeyError, IndexError):
        return None


# --- records ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    """One record of the file now and what is known of it."""

    section: str
    position: int
    segment: Segment
    first_line: int  # 1-based
    facts: tuple[Any, ...] | None = None  # the index's row (see _FACTS), None: to be read
    read_now: bool = False
    problems: list[Problem] = field(default_factory=list)  # read now


#: The columns of `records` needed for every record when anything changed.
_FACTS = "digest, position, year, problems IS NOT NULL, made, raw_id, record_id, place, targets"


def update(store: Store, path: Path, shown: str
           ) -> tuple[Corpus | None, list[Problem]] | None:
    """Bring the index up to the file and check it; None when only a whole reading can."""
    return _Update(store, shown).run(path)


class _Update:
    def __init__(self, store: Store, shown: str) -> None:
        self.store, self.shown = store, shown
        self.fresh_columns: dict[str, list[Any]] = {name: [] for name in STORED_COLUMNS}
        self.fresh_claims: dict[bytes, Claim] = {}

    def run(self, path: Path) -> tuple[Corpus | None, list[Problem]] | None:
        from painlit import loader, parts

        raw = read_bytes(path)
        old = load_layout(self.store)
        layout = (cut_changed(raw, old) if old is not None else None) or cut_whole(raw)
        if layout is None:
            return None
        lists = _with_starts(layout)
        records, list_lines = self._records(layout, raw)
        skeleton = parts.skeleton(raw, lists, list_lines)
        root = loader.check_skeleton(skeleton, self.shown)
        if root is None:
            return None
        latest = loader.latest_year(root, self.shown)
        old_kept = {section: set(digests(self.store.meta(f"kept:{section}")))
                    for section in SECTIONS}
        facts = {row[0]: row for row in self.store.db.execute(f"SELECT {_FACTS} FROM records")}
        self._take_known(records, facts, latest, self.store.meta("latest_year"), old_kept)
        if not self._read_changed(records, raw, latest):
            return None
        del raw  # a large file's worth: free it before checking and grading
        long = self._long_sections(records, loader.small_ids(root))
        corpus, problems = loader.check_with_sections(root, self.shown, long)
        self._save(records, facts, layout, latest, long, corpus, problems,
                   _digest(skeleton))
        return corpus, problems

    def _records(self, layout: Layout, raw: bytes) -> tuple[list[_Record], list[int]]:
        """The records with their first lines, and the lines each list's body spans."""
        records: list[_Record] = []
        positions = dict.fromkeys(SECTIONS, 0)
        line = 1
        for segment in layout.segments:
            if segment.kind != _GAP:
                section = SECTIONS[segment.kind]
                records.append(_Record(section, positions[section], segment, line))
                positions[section] += 1
            line += segment.lines
        list_lines = []
        for found in _with_starts(layout):
            body_lines = raw.count(b"\n", found.body, found.starts[0])
            list_lines.append(body_lines + sum(r.segment.lines for r in records
                                               if r.section == found.name))
        return records, list_lines

    def _take_known(self, records: list[_Record], facts: dict[bytes, tuple[Any, ...]],
                    latest: int, stored_latest: int | None,
                    old_kept: dict[str, set[bytes]]) -> None:
        """Which records come from the index: known bytes, unless their problems name their
        old place, the latest plausible year changed and may change their reading, or their
        index columns were not kept last time."""
        for record in records:
            known = facts.get(record.segment.digest)
            if known is None:
                continue
            _, position, year, problems, made, *_ = known
            if problems and position != record.position:
                continue
            if stored_latest != latest and (problems or (year is not None and year > min(
                    latest, stored_latest or 0))):
                continue
            if made and record.segment.digest not in old_kept[record.section]:
                continue
            record.facts = known

    def _read_changed(self, records: list[_Record], raw: bytes, latest: int) -> bool:
        """Parse the records the index cannot give, in runs; False: read the file whole."""
        run: list[_Record] = []
        for record in records:
            if record.facts is not None:
                if not self._read_run(run, raw, latest):
                    return False
                continue
            if run and (run[-1].section != record.section
                        or run[-1].position + 1 != record.position
                        or record.segment.end - run[0].segment.start > RUN_BYTES):
                if not self._read_run(run, raw, latest):
                    return False
            run.append(record)
        return self._read_run(run, raw, latest)

    def _read_run(self, run: list[_Record], raw: bytes, latest: int) -> bool:
        from painlit import loader
        from painlit.dosing import study_dose_warnings
        from painlit.parts import Part

        if not run:
            return True
        first, last = run[0], run[-1]
        part = Part(first.section, first.first_line - 1, first.position, len(run),
                    first.segment.start, last.segment.end)
        refuse_dense(raw[part.start:part.end], self.shown)  # before parsing what it cannot
        with loader.collector_paused():
            results = loader.read_records(self.shown, part, latest, raw,
                                          [record.first_line for record in run[1:]])
            if results is None:
                return False
            made = [result.read.record for result in results
                    if result.read is not None and result.read.record is not None]
            index = (CorpusIndex.of(cast(list[Study], made), ()) if first.section == "studies"
                     else CorpusIndex.of((), cast(list[Claim], made)))
            for name in (STUDY_COLUMNS if first.section == "studies" else CLAIM_COLUMNS):
                if name in self.fresh_columns:
                    self.fresh_columns[name].extend(getattr(index, name))
            rows = []
            for record, result in zip(run, results, strict=True):
                rows.append(self._row(record, result, study_dose_warnings))
        self.store.db.executemany(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
        run.clear()
        return True

    def _row(self, record: _Record, result: Any, dose_warnings: Any) -> tuple[Any, ...]:
        """A record as read now: its row of `records` (and its facts, kept here)."""
        base = record.first_line
        read = result.read
        made = read is not None and read.record is not None
        place = None if read is None else codec.dumps(
            [[read.where[0] - base, read.where[1]], [read.id_where[0] - base, read.id_where[1]]])
        problems = None
        if result.problems:
            record.problems = result.problems
            problems = problems_json([_relative(p, base) for p in result.problems])
        targets = _RECORD.join(f"{section}{_UNIT}{value}"
                               for section, value, *_ in result.references)
        refs = codec.dumps([[section, value, [where[0] - base, where[1]], name, field_name]
                            for section, value, where, name, field_name in result.references])
        body = warnings = None
        year = None
        record_id = None if read is None else read.record_id
        if made:
            body = codec.dumps(read.record)
            if isinstance(read.record, Study):
                year = read.record.year
                found = dose_warnings(read.record, self.shown)
                warnings = codec.dumps([[p.field, p.message, p.hint] for p in found]) \
                    if found else None
            elif len(self.fresh_claims) < 5000:  # graded below without decoding again
                self.fresh_claims[record.segment.digest] = read.record
        record.read_now = True
        record.facts = (record.segment.digest, record.position, year, problems is not None,
                        int(made), result.raw_id, record_id, place, targets)
        return (record.segment.digest, record.section, record.position, year, problems,
                result.raw_id, record_id, place, int(made), targets, refs, None, warnings,
                body)

    def _long_sections(self, records: list[_Record], small: dict[str, list[str]]) -> Any:
        """The studies and claims as the loader's cross-record checks take them."""
        from painlit.loader import LongSections, _Read

        long = LongSections()
        kept: dict[str, list[_Record]] = {section: [] for section in SECTIONS}
        lines: dict[str, list[int]] = {section: [] for section in SECTIONS}
        for section in SECTIONS:
            long.reads[section], long.ids[section] = [], []
        stored_problems = self._stored_problems(records)
        for record in records:
            assert record.facts is not None
            _, _, _, has_problems, made, raw_id, record_id, place, _ = record.facts
            section, base = record.section, record.first_line
            long.ids[section].append(raw_id)
            if place is not None:
                where, id_where = json.loads(place)
                long.reads[section].append(_Read(
                    record_id, len(kept[section]) if made else None,
                    (where[0] + base, where[1]), (id_where[0] + base, id_where[1])))
                if made:
                    kept[section].append(record)
                    lines[section].append(where[0] + base)
            if has_problems:
                long.problems.extend(record.problems or [
                    _absolute(p, base) for p in stored_problems[record.segment.digest]])
        long.references = self._missing_references(records, small, long.ids["studies"])
        self.kept, self.kept_lines = kept, lines
        studies = StoredRecords(self.store, Study, [r.segment.digest for r in kept["studies"]],
                                lines["studies"])
        claims = StoredRecords(self.store, Claim, [r.segment.digest for r in kept["claims"]],
                               lines["claims"], self.fresh_claims)
        long.records = {"studies": studies, "claims": claims}
        self.columns = self._columns(kept)
        index = self.store.index(len(studies), len(claims), studies, self.columns)
        long.indexes = {"studies": index, "claims": index}
        return long

    def _stored_problems(self, records: list[_Record]) -> dict[bytes, list[Problem]]:
        wanted = [r.segment.digest for r in records if r.facts is not None and r.facts[3]
                  and not r.read_now]
        found: dict[bytes, list[Problem]] = {}
        for chunk in range(0, len(wanted), 10_000):  # SQLite's limit on bound values
            batch = wanted[chunk:chunk + 10_000]
            for digest, text in self.store.db.execute(
                    "SELECT digest, problems FROM records WHERE digest IN "
                    f"({','.join('?' * len(batch))})", batch):
                found[digest] = _problems(text, self.shown)
        return found

    def _missing_references(self, records: list[_Record], small: dict[str, list[str]],
                            study_ids: list[str]) -> list[tuple[str, str, Any, str, str]]:
        """The references (with where they are) of the records that name a missing id: the
        others can only pass the loader's reference check."""
        known = {section: set(ids) for section, ids in small.items()}
        known["studies"] = set(study_ids)
        failing: dict[str, bool] = {}
        wanted: list[_Record] = []
        for record in records:
            assert record.facts is not None
            targets = record.facts[8]
            if not targets:
                continue
            bad = failing.get(targets)
            if bad is None:
                bad = failing[targets] = any(
                    value not in known.get(section, ())
                    for section, _, value in (item.partition(_UNIT)
                                              for item in targets.split(_RECORD)))
            if bad:
                wanted.append(record)
        references: list[tuple[str, str, Any, str, str]] = []
        for record in wanted:
            row = self.store.db.execute("SELECT refs FROM records WHERE digest = ?",
                                        (record.segment.digest,)).fetchone()
            base = record.first_line
            for section, value, where, name, field_name in json.loads(row[0]):
                references.append((section, value, (where[0] + base, where[1]), name,
                                   field_name))
        return references

    def _columns(self, kept: dict[str, list[_Record]]) -> dict[str, Sequence[Any]]:
        """The index columns of the records kept: read now, or from last time's columns."""
        if all(r.read_now for section in SECTIONS for r in kept[section]):
            return self.fresh_columns
        old_places = {section: {d: i for i, d in enumerate(digests(
            self.store.meta(f"kept:{section}")))} for section in SECTIONS}
        columns: dict[str, Sequence[Any]] = {}
        for name in STORED_COLUMNS:
            section = "studies" if name.startswith("study_") else "claims"
            chosen, places = kept[section], old_places[section]
            fresh = self.fresh_columns[name]
            if not fresh and [r.segment.digest for r in chosen] == list(places):
                continue  # nothing new in this column's section: keep it as it is
            old = json.loads(self.store.meta(f"column:{name}"))
            new = iter(json.loads(codec.dumps(fresh)))
            raw = [next(new) if r.read_now else old[places[r.segment.digest]] for r in chosen]
            columns[name] = column_reader(name)(raw)
        return columns

    def _save(self, records: list[_Record], facts: dict[bytes, Any], layout: Layout,
              latest: int, long: Any, corpus: Corpus | None, problems: list[Problem],
              skeleton_digest: bytes) -> None:
        db, put = self.store.db, self.store.put
        current = {r.segment.digest for r in records}
        gone = [digest for digest in facts if digest not in current]
        for chunk in range(0, len(gone), 10_000):
            batch = gone[chunk:chunk + 10_000]
            db.execute(f"DELETE FROM records WHERE digest IN ({','.join('?' * len(batch))})",
                       batch)
        save_layout(self.store, layout)
        put("latest_year", latest)
        put("problems", problems_json(problems))
        put("signature", None)
        for section in SECTIONS:
            put(f"kept:{section}", b"".join(r.segment.digest for r in self.kept[section]))
            put(f"lines:{section}", json.dumps(self.kept_lines[section]))
        for name, values in self.columns.items():
            put(f"column:{name}", codec.dumps(values))
        if corpus is None:
            put("corpus", 0)
            return
        put("small", codec.dumps([corpus.info, corpus.conditions, corpus.mechanisms,
                                  corpus.substances, corpus.sources, corpus.outcomes]))
        levels, curation = self._grade(corpus, skeleton_digest)
        put("levels", json.dumps([[int(c), v] for c, v in levels]))
        put("curation_warnings", problems_json(curation))
        dose = self._dose_warnings()
        put("dose_warnings", problems_json(dose))
        corpus.memo["curation_warnings"], corpus.memo["dose_warnings"] = curation, dose
        put("corpus", 1)

    def _grade(self, corpus: Corpus, skeleton_digest: bytes
               ) -> tuple[list[tuple[Certainty, str]], list[Problem]]:
        """Each claim's certainty, verdict and curation warnings: from the index when what
        they depend on is unchanged, else computed now (and stored)."""
        from painlit.grading import claim_warnings, grade_claim

        study_digest = {r.facts[6]: r.segment.digest for r in self.kept["studies"]
                        if r.facts is not None}
        inputs = []
        for record in self.kept["claims"]:
            assert record.facts is not None
            digest = hashlib.sha256(skeleton_digest + record.segment.digest)
            for item in record.facts[8].split(_RECORD) if record.facts[8] else ():
                section, _, value = item.partition(_UNIT)
                if section == "studies":
                    digest.update(study_digest.get(value, b"?"))
            inputs.append(digest.digest()[:DIGEST_SIZE])
        found: dict[bytes, tuple[int, str, str]] = {}
        unique = list(dict.fromkeys(inputs))
        for chunk in range(0, len(unique), 10_000):
            batch = unique[chunk:chunk + 10_000]
            for key, certainty, verdict, warnings in self.store.db.execute(
                    "SELECT inputs, certainty, verdict, warnings FROM grades WHERE inputs IN "
                    f"({','.join('?' * len(batch))})", batch):
                found[key] = (certainty, verdict, warnings)
        new = []
        for position, key in enumerate(inputs):
            if key not in found:
                claim = corpus.claims[position]
                grade = grade_claim(claim, corpus)
                warnings = codec.dumps([[p.field, p.message, p.hint]
                                        for p in claim_warnings(claim, corpus)])
                found[key] = (int(grade.certainty), grade.verdict.value, warnings)
                new.append((key, *found[key]))
        self.store.db.executemany("INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?)", new)
        levels = [(Certainty(found[key][0]), found[key][1]) for key in inputs]
        set_levels(corpus, levels)
        curation = []
        for record, line, key in zip(self.kept["claims"], self.kept_lines["claims"], inputs,
                                     strict=True):
            assert record.facts is not None
            for field_name, message, hint in json.loads(found[key][2]):
                curation.append(Problem(self.shown, line, 1, record.facts[6], field_name,
                                        message, hint, Severity.WARNING))
        return levels, curation

    def _dose_warnings(self) -> list[Problem]:
        stored = dict(self.store.db.execute(
            "SELECT digest, warnings FROM records WHERE warnings IS NOT NULL"))
        dose = []
        for record, line in zip(self.kept["studies"], self.kept_lines["studies"], strict=True):
            text = stored.get(record.segment.digest)
            if text is not None and record.facts is not None:
                for field_name, message, hint in json.loads(text):
                    dose.append(Problem(self.shown, line, 1, record.facts[6], field_name,
                                        message, hint, Severity.WARNING))
        return dose


def _relative(problem: Problem, base: int) -> Problem:
    from dataclasses import replace

    return replace(problem, line=problem.line - base if problem.line else -1)


def _absolute(problem: Problem, base: int) -> Problem:
    from dataclasses import replace

    return replace(problem, line=problem.line + base if problem.line >= 0 else 0)


def _problems(text: str, shown: str) -> list[Problem]:
    from painlit.index import problems_from_json

    return problems_from_json(text, shown)
