"""What queries filter and sort records on, as an SQL table, and the queries over it.

The table `facts` holds one row per record: its section, id, year, design, population, dose,
publication status (studies), topic (claims), the conditions, mechanisms and substances
(studies) or sources (claims) it names, and the studies a claim cites. The corpus index keeps
it in its file beside the records, keyed by each record's digest, and changes only the rows
of records added or removed (painlit.indexing); a corpus read whole gets it in memory, keyed by
position (`facts_of`).
Either way the queries (painlit.query, painlit.summary) are the same SQL: they ask which
records pass, get back only those rows, and decode no record to find them.

A list of ids is stored as one text, each id between spaces (" fibromyalgia migraine "), so
"names any of these" is a test on the row (ids hold no spaces: painlit.fields.ID_PATTERN).
"""

from __future__ import annotations

import contextlib
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from painlit.model import (
    Claim,
    ClaimTopic,
    Corpus,
    CorpusIndex,
    DoseCategory,
    Population,
    PublicationStatus,
    StudyDesign,
)

STUDIES, CLAIMS = 0, 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    section INTEGER NOT NULL,  -- 0 studies, 1 claims
    record BLOB NOT NULL,      -- the record's digest (the index) or position (in memory)
    id TEXT NOT NULL,
    year INTEGER,              -- studies: year, design, population, dose, status
    design TEXT,
    population TEXT,
    dose TEXT,
    status TEXT,
    topic TEXT,                -- claims
    conditions TEXT NOT NULL,  -- ids between spaces: " a b "; "" for none
    mechanisms TEXT NOT NULL,
    named TEXT NOT NULL,       -- studies: substances; claims: sources
    cites TEXT NOT NULL,       -- claims: the studies its evidence names; studies: ""
    PRIMARY KEY (section, record)
) WITHOUT ROWID
"""
INSERT = "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _ids(values: Sequence[str]) -> str:
    return f" {' '.join(values)} " if values else ""


def study_rows(keys: Iterable[Any], index: CorpusIndex) -> Iterator[tuple[Any, ...]]:
    """The facts rows of the studies of `index`, keyed by `keys` (in the same order)."""
    return zip([STUDIES] * len(index.study_ids), keys, index.study_ids, index.study_years,
               [d.value for d in index.study_designs],
               [p.value for p in index.study_populations], [d.value for d in index.study_doses],
               [s.value for s in index.study_statuses], [None] * len(index.study_ids),
               map(_ids, index.study_conditions), map(_ids, index.study_mechanisms),
               map(_ids, index.study_substances), [""] * len(index.study_ids), strict=True)


def claim_rows(keys: Iterable[Any], index: CorpusIndex, claims: Sequence[Claim]
               ) -> Iterator[tuple[Any, ...]]:
    """The facts rows of the claims of `index` (`claims`, the same), keyed by `keys` (in the
    same order)."""
    none = [None] * len(index.claim_ids)
    cited = [_ids(tuple(dict.fromkeys(link.study for link in claim.evidence)))
             for claim in claims]
    return zip([CLAIMS] * len(index.claim_ids), keys, index.claim_ids, none, none, none, none,
               none, [t.value for t in index.claim_topics], map(_ids, index.claim_conditions),
               map(_ids, index.claim_mechanisms), map(_ids, index.claim_sources), cited,
               strict=True)


class StudyFact(NamedTuple):
    """A study's row: where it is in the corpus, and what queries sort and count by."""

    position: int
    id: str
    year: int
    design: StudyDesign
    population: Population
    dose: DoseCategory
    status: PublicationStatus
    conditions: tuple[str, ...]
    mechanisms: tuple[str, ...]


class ClaimFact(NamedTuple):
    position: int
    id: str
    topic: ClaimTopic


E = TypeVar("E", bound=StrEnum)


def _members(kind: type[E]) -> dict[str, E]:
    return {member.value: member for member in kind}


_DESIGNS, _POPULATIONS, _DOSES, _STATUSES, _TOPICS = (
    _members(StudyDesign), _members(Population), _members(DoseCategory),
    _members(PublicationStatus), _members(ClaimTopic))


class Where:
    """The conditions a query puts on the rows (all must hold), as SQL and its parameters."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.parameters: list[Any] = []

    def equal(self, column: str, value: object) -> Where:
        self.sql.append(f"{column} = ?")
        self.parameters.append(value)
        return self

    def among(self, column: str, values: Iterable[Any], negate: bool = False) -> Where:
        chosen = list(values)
        self.sql.append(f"{column} {'NOT IN' if negate else 'IN'} "
                        f"({', '.join('?' * len(chosen))})")
        self.parameters.extend(chosen)
        return self

    def names(self, column: str, ids: Iterable[str], negate: bool = False,
              or_none: bool = False) -> Where:
        """The row's `column` names any of `ids` (`negate`: none of them; `or_none`: or it
        names nothing at all)."""
        # An id is one word: text with a space in it, or none, is no id, and names nothing.
        chosen = [f" {id_} " for id_ in ids if id_ and len(id_.split()) == 1 == len(
            id_.split(" "))]
        test = " OR ".join(f"instr({column}, ?)" for _ in chosen) or "0"
        if or_none:
            test = f"{column} = '' OR {test}"
        self.sql.append(f"NOT ({test})" if negate else f"({test})")
        self.parameters.extend(chosen)
        return self

    def at_least(self, column: str, value: int) -> Where:
        self.sql.append(f"{column} >= ?")
        self.parameters.append(value)
        return self

    def at_most(self, column: str, value: int) -> Where:
        self.sql.append(f"{column} <= ?")
        self.parameters.append(value)
        return self


class Facts:
    """The facts table of a corpus (one connection), and the positions its keys stand for."""

    def __init__(self, db: sqlite3.Connection,
                 positions: Callable[[int], Callable[[Any], int | None]],
                 damaged: Callable[[], Exception] | None = None) -> None:
        self._db = db
        self._positions = positions  # section -> (key -> position, None when not in corpus)
        self._damaged = damaged  # what to raise for a row that does not fit (the index's)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """A row that is not what this table holds (a value outside its vocabulary, a wrong
        type: a damaged index file) is the index's damage, never a wrong answer."""
        try:
            yield
        except (KeyError, TypeError, ValueError, AttributeError, sqlite3.DatabaseError):
            if self._damaged is None:
                raise
            raise self._damaged() from None

    def _rows(self, section: int, columns: str, where: Where, order: str
              ) -> list[tuple[Any, ...]]:
        """(position, *columns) of each row that passes, in `order`."""
        position = self._positions(section)
        clauses = " AND ".join(["section = ?", *where.sql])
        rows = self._db.execute(f"SELECT record, {columns} FROM facts WHERE {clauses} "
                                f"ORDER BY {order}", [section, *where.parameters])
        found = [(position(key), *values) for key, *values in rows]
        return [row for row in found if row[0] is not None]

    def studies(self, where: Where) -> list[StudyFact]:
        """The studies that pass, newest first, then by id."""
        designs, populations, doses, statuses = _DESIGNS, _POPULATIONS, _DOSES, _STATUSES
        with self._reading():
            return [StudyFact(place, id_, year, designs[design], populations[population],
                              doses[dose], statuses[status], tuple(conditions.split()),
                              tuple(mechanisms.split()))
                    for place, id_, year, design, population, dose, status, conditions,
                    mechanisms in self._rows(STUDIES, "id, year, design, population, dose, "
                                             "status, conditions, mechanisms", where,
                                             "year DESC, id")]

    def claims(self, where: Where) -> list[ClaimFact]:
        """The claims that pass, in corpus order."""
        topics = _TOPICS
        with self._reading():
            return sorted(ClaimFact(place, id_, topics[topic])
                          for place, id_, topic in self._rows(CLAIMS, "id, topic", where, "id"))


def in_memory(corpus: Corpus) -> Facts:
    """The facts of a corpus read whole, in an SQLite database in memory."""
    index = corpus.index
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    db.execute(SCHEMA)
    db.execute("BEGIN")
    db.executemany(INSERT, study_rows(range(len(index.study_ids)), index))
    db.executemany(INSERT, claim_rows(range(len(index.claim_ids)), index, corpus.claims))
    db.execute("COMMIT")
    facts = Facts(db, lambda section: _same)
    weakref.finalize(facts, db.close)
    return facts


def _same(key: Any) -> int:
    return int(key)


def facts_of(corpus: Corpus) -> Facts:
    """The corpus's facts: the index's (painlit.store), else made in memory once."""
    found = corpus.memo.get("facts")
    if not isinstance(found, Facts):
        found = corpus.memo["facts"] = in_memory(corpus)
    return found
