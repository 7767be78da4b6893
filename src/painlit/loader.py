"""Load a corpus file into typed records, collecting every problem with its line and column.

One entry point, `check_corpus`, reads the YAML node tree section by section. Each record is
read (painlit.records) field by field through `_Fields` (painlit.fields), which knows where
every value sits in the file (painlit.nodes), so a problem is reported as
`path:line:column: record.field: message (hint)`. This module assembles the corpus and runs
the checks across records (ids unique, references, identifiers, the condition tree); the
index (painlit.index) runs the same ones over records read apart. Nothing stops at the
first problem: the whole file is checked and all problems come back together. `load_corpus`
is the strict form that raises `CorpusError` unless the file is clean of errors.

One-line fields (titles, names, aliases, authors, journals, identifiers, addresses, what an
effect measured...) may not hold control characters: tab, line breaks, NUL, escape, DEL, the C1
controls and the Unicode line and paragraph separators. The loader notes each as a warning, so
that every command still reads such a corpus (and prints those fields on one line, with the
characters as escapes); `painlit validate` and `draft --append` report them as errors
(`as_validated`). Fields of prose (descriptions, findings, notes, statements, quotes, the
search query) may span lines.
"""

from __future__ import annotations

import bisect
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import cast

import yaml

from painlit.errors import Closest, CorpusError, Problem, Severity
from painlit.fields import CONTROL_HINT, CONTROL_MESSAGE, SECTIONS, SMALL_SECTIONS, _Fields
from painlit.frozen import frozen
from painlit.model import (
    Claim,
    Condition,
    Corpus,
    CorpusIndex,
    Picked,
    Study,
)
from painlit.nodes import (
    MAX_ERRORS,
    Position,
    R,
    _Context,
    _describe,
    _did_you_mean,
    _list_items,
    _TooManyProblems,
)
from painlit.parts import Part, unsafe
from painlit.records import (
    _CLAIM_KEYS,
    _CONDITION_KEYS,
    _MECHANISM_KEYS,
    _OUTCOME_KEYS,
    _SOURCE_KEYS,
    _STUDY_KEYS,
    _SUBSTANCE_KEYS,
    _keep_unique,
    _Read,
    _read_claim,
    _read_condition,
    _read_info,
    _read_items,
    _read_mechanism,
    _read_outcome,
    _read_section,
    _read_source,
    _read_study,
    _read_substance,
)
from painlit.yamlfile import (
    compose,
    decode,
    document_node,
    read_bytes,
    refuse_dense,
    shift_lines,
)

# --- cross-record checks ---------------------------------------------------------------------

def _check_references(ctx: _Context, ids: dict[str, list[str]]) -> None:
    """Report each reference to an id its section lacks; references to sections not in `ids`
    stay in `ctx.references`, to be checked later."""
    known = {section: set(values) for section, values in ids.items()}
    hints: dict[str, Closest] = {}
    later = []
    for reference in ctx.references:
        section, value, where, record, field = reference
        if section not in known:
            later.append(reference)
        elif value not in known[section]:
            if section not in hints:
                hints[section] = Closest(ids[section])
            ctx.add_at(where, record, field, f"'{value}' is not in {section}",
                       _did_you_mean(value, hints[section]))
    ctx.references = later


def _check_condition_tree(ctx: _Context, conditions: list[tuple[Condition, Position]]
                          ) -> None:
    parents = {condition.id: condition.parent for condition, _ in conditions}
    for condition, where in conditions:
        seen = {condition.id}
        current = condition.parent
        while current is not None and current in parents:
            if current in seen:
                ctx.add_at(where, condition.id, "parent",
                        "the condition tree has a cycle through " + " -> ".join(sorted(seen)))
                break
            seen.add(current)
            current = parents[current]


def _check_unique_identifiers(ctx: _Context, ids: Sequence[str],
                              identifiers: Sequence[tuple[str | None, str | None, str | None]],
                              places: Sequence[Position]) -> None:
    """Each DOI and PMID (from a study's (doi, pmid, registry)) used by one study only."""
    for place in (0, 1):  # the usual case, all different, told at C speed
        values = [value.lower() for found in identifiers if (value := found[place]) is not None]
        if len(set(values)) != len(values):
            break
    else:
        return
    first: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for study_id, found, where in zip(ids, identifiers, places, strict=True):
        identifiers_of = found
        for key, value, seen in zip(("doi", "pmid"), identifiers_of, first):  # noqa: B905
            if value is None:
                continue
            folded = value.lower()
            if folded in seen:
                ctx.add_at(where, study_id, key, f"{key} {value} is also used by {seen[folded]}",
                           "one record per publication")
            else:
                seen[folded] = study_id


def check_corpus(path: str | Path, *, max_bytes: int | None = None
                 ) -> tuple[Corpus | None, list[Problem]]:
    """Read and check a corpus file: the corpus (when free of errors) and every problem found.

    Raises CorpusError only when the file cannot be read as YAML at all.
    """
    path = Path(path)
    return check_bytes(read_bytes(path, max_bytes), str(path))


def check_bytes(raw: bytes, shown: str) -> tuple[Corpus | None, list[Problem]]:
    """Check the bytes of a corpus file already read from `shown` (named in problems).

    The same as `check_corpus`; the index reads a file whole with it.
    """
    with collector_paused():
        try:
            return _check_bytes(raw, shown)
        except _TooManyProblems as stop:
            return None, _stopped(stop, shown)


def _stopped(stop: _TooManyProblems, shown: str) -> list[Problem]:
    problems = sorted(stop.problems, key=lambda p: (p.line, p.column))
    problems.append(Problem(
        shown, 0, 0, "", "", f"stopped after {MAX_ERRORS:,} errors; the rest of the "
        "file was not checked", "fix these (or check that this is a corpus file) and "
        "run again"))
    return problems


def _check_bytes(raw: bytes, shown: str) -> tuple[Corpus | None, list[Problem]]:
    refuse_dense(raw, shown)
    return _check_root(document_node(decode(raw, shown), shown), shown, None)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Reading creates millions of objects and frees almost none, so the cyclic garbage
    collector would run over and over for nothing: without it, reading takes half the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@frozen
class RecordRead:
    """One item of `studies` or `claims` read on its own (painlit.index stores these): its
    id as written (`raw_id`, "" when it has none), the record (None when it cannot be
    made), where it and its id are (None: not a mapping), and its problems and references."""

    raw_id: str
    read: _Read[Study | Claim] | None
    problems: list[Problem]
    references: list[tuple[str, str, Position, str, str]]


#: Anchors make one record's reading depend on another's: such a file is read whole.
def _anchored(text: str) -> bool:
    """Whether the text may define a YAML anchor: `&` after a space, `[`, `{` or `,` (or at
    the start) and before a character that is not one (`R&D` and `A & B` are not anchors;
    `&` in a quoted string may be taken for one, and then the file is only read whole)."""
    at = text.find("&")
    while at >= 0:
        if (at == 0 or text[at - 1] in " \t\n[{,") and text[at + 1:at + 2].strip():
            return True
        at = text.find("&", at + 1)
    return False


def read_records(shown: str, part: Part, latest_year: int, raw: bytes,
                 bounds: Sequence[int]) -> list[RecordRead] | None:
    """Read a run of records of one long section (`part`, painlit.parts), one result per
    record; `bounds` are the 1-based lines on which each record after the first starts.
    None when the run does not read cleanly on its own (the file is then read whole)."""
    try:
        text = part.text(raw)
        if unsafe(text) or _anchored(text):
            return None
        node = compose(text, shown)
    except (CorpusError, UnicodeDecodeError):
        return None
    if not isinstance(node, yaml.SequenceNode) or len(node.value) != part.records:
        return None
    ctx = _Context(shown, line_offset=part.first_line)
    ctx.latest_year = latest_year
    allowed, read = (_STUDY_KEYS, _read_study) if part.section == "studies" else (
        _CLAIM_KEYS, _read_claim)
    try:
        items = _list_items(ctx, node, part.section, "", first_index=part.first_index)
        reads: list[_Read[Study | Claim]] = _read_items(
            ctx, items, part.section, allowed, cast(Callable[[_Fields, str], Study | Claim | None],
                                                   read))
    except _TooManyProblems:
        return None
    results = [RecordRead(_id_of(item) if isinstance(item, yaml.MappingNode) else "", None, [],
                          []) for item in node.value]
    for item in reads:
        place = bisect.bisect_right(bounds, item.where[0])
        results[place] = replace(results[place], read=item)
    for problem in ctx.problems:
        results[bisect.bisect_right(bounds, problem.line)].problems.append(problem)
    for reference in ctx.references:
        results[bisect.bisect_right(bounds, reference[2][0])].references.append(reference)
    return results


@dataclass
class LongSections:
    """`studies` and `claims` read apart from the rest of the file (painlit.index): by
    section, each item as read (its record given by its place in `records`), the ids of all
    items, the records and their index; and their problems and references (placed by line
    in the whole file)."""

    reads: dict[str, list[_Read[int]]] = dataclass_field(default_factory=dict)
    #: For a section whose items are all records, each id once (so `reads` is not given):
    #: where each record is.
    wheres: dict[str, Sequence[Position]] = dataclass_field(default_factory=dict)
    ids: dict[str, list[str]] = dataclass_field(default_factory=dict)
    records: dict[str, Sequence[Study | Claim]] = dataclass_field(default_factory=dict)
    indexes: dict[str, CorpusIndex] = dataclass_field(default_factory=dict)
    problems: list[Problem] = dataclass_field(default_factory=list)
    references: list[tuple[str, str, Position, str, str]] = dataclass_field(default_factory=list)


def check_skeleton(skeleton: bytes, shifts: list[tuple[int, int]], shown: str
                   ) -> yaml.MappingNode | None:
    """The node tree of a file's skeleton (painlit.parts.skeleton, which says where lines were
    left out), its nodes on the file's lines; None when the file must be read whole to report
    exactly what a whole reading reports."""
    try:
        text = decode(skeleton, shown)
        if unsafe(text) or _anchored(text):
            return None
        root_node = document_node(text, shown)
    except CorpusError:
        return None
    if not isinstance(root_node, yaml.MappingNode):
        return None
    shift_lines(root_node, shifts)
    return root_node


def latest_year(root_node: yaml.MappingNode, shown: str) -> int:
    """The latest plausible year of a study, from the corpus's last search date."""
    scratch = _Context(shown)
    info = _read_info(scratch, _Fields(scratch, root_node, "", SECTIONS))
    return info.last_search.year + 1 if info else scratch.latest_year


def small_ids(root_node: yaml.MappingNode) -> dict[str, list[str]]:
    """The ids (as written) of the records of each small section of a skeleton."""
    scratch = _Context("")
    root = _Fields(scratch, root_node, "", SECTIONS)
    return {section: [_id_of(node) for node in _section_nodes(root, section)]
            for section in SMALL_SECTIONS}


def check_with_sections(root_node: yaml.MappingNode, shown: str, long: LongSections
                        ) -> tuple[Corpus | None, list[Problem]]:
    """`check_bytes` for a skeleton and its long sections read apart."""
    with collector_paused():
        try:
            return _check_root(root_node, shown, long)
        except _TooManyProblems as stop:
            return None, _stopped(stop, shown)


def _check_root(root_node: yaml.Node, shown: str, parts: LongSections | None
                ) -> tuple[Corpus | None, list[Problem]]:
    """Check a corpus's node tree; `parts` holds the long sections already read apart
    (painlit.parts), which the tree then holds as empty lists."""
    ctx = _Context(shown)
    if parts is not None:
        ctx.problems.extend(parts.problems)
        ctx.references.extend(parts.references)
    if not isinstance(root_node, yaml.MappingNode):
        ctx.add(root_node, "", "", f"the file holds {_describe(root_node)}, not a corpus mapping",
                "a corpus starts with `corpus:` followed by its sections")
        raise CorpusError(ctx.problems)
    root = _Fields(ctx, root_node, "", SECTIONS)
    info = _read_info(ctx, root)
    if info is not None:
        ctx.latest_year = info.last_search.year + 1
    conditions = _read_section(ctx, root, "conditions", _CONDITION_KEYS, _read_condition)
    mechanisms = _read_section(ctx, root, "mechanisms", _MECHANISM_KEYS, _read_mechanism)
    substances = _read_section(ctx, root, "substances", _SUBSTANCE_KEYS, _read_substance)
    sources = _read_section(ctx, root, "sources", _SOURCE_KEYS, _read_source)
    outcomes = _read_section(ctx, root, "outcomes", _OUTCOME_KEYS, _read_outcome)
    studies, study_index, study_places = _long_section(ctx, root, parts, "studies",
                                                       _STUDY_KEYS, _read_study)
    claims, claim_index, _ = _long_section(ctx, root, parts, "claims", _CLAIM_KEYS, _read_claim)

    all_ids = {
        section: parts.ids[section] if parts is not None and section in parts.ids else
        [_id_of(node) for node in _section_nodes(root, section)]
        for section in (*SMALL_SECTIONS, "studies")
    }
    _check_references(ctx, all_ids)
    _check_condition_tree(ctx, conditions)
    _check_unique_identifiers(ctx, study_index.study_ids, study_index.study_identifiers,
                              study_places)

    ctx.problems.sort(key=lambda p: (p.line, p.column))
    if info is None or any(p.severity is Severity.ERROR for p in ctx.problems):
        return None, ctx.problems
    corpus = Corpus(
        info=info,
        conditions=tuple(record for record, _ in conditions),
        mechanisms=tuple(record for record, _ in mechanisms),
        substances=tuple(record for record, _ in substances),
        sources=tuple(record for record, _ in sources),
        studies=studies,
        claims=claims,
        path=shown,
        outcomes=tuple(record for record, _ in outcomes),
        prebuilt_index=CorpusIndex.combined(study_index, claim_index),
    )
    return corpus, ctx.problems


def _long_section(ctx: _Context, root: _Fields, parts: LongSections | None, section: str,
                  allowed: tuple[str, ...], read: Callable[[_Fields, str], R | None]
                  ) -> tuple[Sequence[R], CorpusIndex, Sequence[Position]]:
    """The records of `studies` or `claims` in order (each id once), their index, and where
    each is; read from the tree, or taken from the index (painlit.index)."""
    if parts is not None and section in parts.wheres:
        return (cast(Sequence[R], parts.records[section]), parts.indexes[section],
                parts.wheres[section])
    if parts is not None and section in parts.reads:
        kept = _keep_unique(ctx, parts.reads[section])
        records = cast(Sequence[R], parts.records[section])
        index = parts.indexes[section]
        if len(kept) < len(records):  # some left out: there are errors, no corpus is made
            places = [place for place, _ in kept]
            records, index = Picked(records, places), index.picked(section, places)
        return records, index, [where for _, where in kept]
    read_kept = _read_section(ctx, root, section, allowed, read)
    records = tuple(record for record, _ in read_kept)
    index = (CorpusIndex.of(cast(tuple[Study, ...], records), ()) if section == "studies"
             else CorpusIndex.of((), cast(tuple[Claim, ...], records)))
    return records, index, [where for _, where in read_kept]


def _section_nodes(root: _Fields, section: str) -> list[yaml.MappingNode]:
    node = root.values.get(section)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item for item in node.value if isinstance(item, yaml.MappingNode)]


def _id_of(node: yaml.MappingNode) -> str:
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(
            value, yaml.ScalarNode
        ):
            return str(value.value)
    return ""


def is_control_problem(problem: Problem) -> bool:
    """Whether `problem` is a control character in a one-line field."""
    return problem.message.startswith(CONTROL_MESSAGE + " U+") and problem.hint == CONTROL_HINT


def as_validated(problems: Iterable[Problem]) -> list[Problem]:
    """`problems` as `painlit validate` (and `draft --append`) judge them: a control character
    in a one-line field is an error there, while other commands read such a corpus."""
    return [replace(p, severity=Severity.ERROR) if is_control_problem(p) else p
            for p in problems]


def load_corpus(path: str | Path) -> Corpus:
    """The corpus in `path`; raises CorpusError listing every problem if it has errors."""
    corpus, problems = check_corpus(path)
    if corpus is None:
        raise CorpusError(problems)
    return corpus

