"""Draft corpus records from online metadata, and append them to a corpus file as text.

A drafted record has every field a service gave (title, authors, year, journal, identifiers;
for a trial registration its registry status, dates, enrolment and whether results are
posted) and puts `TODO-curator` (`painlit.loader.CURATOR_MARKER`) in every field only a person
can fill: design, population, n, substances, dose, conditions, mechanisms, pain model,
outcome, finding, direction, risk of bias, status, the url the record was verified on and what
could not be verified. `painlit validate` rejects every marker, naming the field.

Records are written with PyYAML's safe emitter in the corpus's own layout (block style, keys
in the loader's order, width 100), so any title (colons, quotes, `#`, unicode) reads back
as the same string.

Appending inserts the new records' text right after the last study, before whatever follows
(comments and `claims:` included), so every other byte of the file is kept. It refuses an
identifier (DOI, PMID, NCT id) or id already in the file, checks that the result parses
back to the same records, and validates the result on a temporary copy: the only errors
allowed are curator markers (the new records', and those of earlier drafts still to be
filled in). The file is then replaced atomically, or left untouched.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from painlit import yamledit
from painlit.errors import CorpusError, OutputError, Problem, Severity
from painlit.fields import CURATOR_MARKER, CURATOR_MESSAGE, ID_PATTERN
from painlit.loader import (
    as_validated,
    check_bytes,
)
from painlit.model import (
    Direction,
    DoseCategory,
    PainModel,
    Population,
    PublicationStatus,
    RiskOfBias,
    StudyDesign,
)
from painlit.online.clinicaltrials import Trial
from painlit.online.crossref import Work
from painlit.online.http import tidy
from painlit.online.pubmed import Summary
from painlit.yamlfile import compose, read_bytes

MARKER = CURATOR_MARKER
Record = dict[str, Any]
_TAGS = re.compile(r"<[^<>]{1,200}>")


def _one_of(kind: type[Enum], leave: Iterable[Enum] = ()) -> str:
    skipped = set(leave)
    return f"{MARKER}: one of " + ", ".join(str(m.value) for m in kind if m not in skipped)


def _todo(what: str) -> str:
    return f"{MARKER}: {what}"


def plain_title(text: str) -> str:
    """A title without markup, entities, doubled spaces or PubMed's closing period."""
    import html

    text = html.unescape(_TAGS.sub("", text))
    text = " ".join(text.split())
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text


def surname(author: str) -> str:
    """'van Toorn R' -> 'van Toorn'; a name without initials is returned whole."""
    parts = author.split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}", parts[-1]):
        parts = parts[:-1]
    return " ".join(parts)


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40].strip("-")


def make_id(authors: Sequence[str], year: int | None, taken: set[str]) -> str:
    """`firstauthor-year`, with -b, -c, ... when taken (the corpus's own convention)."""
    base = slug(surname(authors[0])) if authors else ""
    if not base or year is None:
        return _todo("an id such as firstauthor-year")
    candidate = f"{base}-{year}"
    suffix = ord("b")
    while candidate in taken and suffix <= ord("z"):
        candidate = f"{base}-{year}-{chr(suffix)}"
        suffix += 1
    if not ID_PATTERN.match(candidate) or candidate in taken:
        return _todo("an id such as firstauthor-year")
    return candidate


def _judgements(record: Record, *, registration: bool) -> None:
    """The fields no service can know, each left for the curator."""
    if not registration:
        record["design"] = _one_of(StudyDesign, [StudyDesign.TRIAL_REGISTRATION])
    else:
        record["design"] = StudyDesign.TRIAL_REGISTRATION.value
    record["population"] = _one_of(Population)
    if not registration:
        record["n"] = _todo("participants (or animals) analysed as published; delete if none")
    record["substances"] = [_todo("substance ids")]
    record["dose"] = {
        "category": _one_of(DoseCategory),
        "reported": _todo("the dose as reported, with its unit; delete if not reported"),
    }
    record["conditions"] = [_todo("condition ids, or an empty list")]
    record["mechanisms"] = [_todo("mechanism ids, or an empty list")]
    record["pain_model"] = _one_of(PainModel)
    record["outcome"] = _todo("what was measured")
    record["finding"] = _todo("what was found, in our words")
    record["direction"] = _one_of(Direction)
    record["risk_of_bias"] = _one_of(RiskOfBias)
    record["bias_note"] = _todo("one line why")
    record["status"] = _one_of(PublicationStatus)


def publication_record(*, authors: Sequence[str], title: str, year: int | None,
                       journal: str | None, doi: str | None, pmid: str | None,
                       source: str, landing: str, taken: set[str]) -> Record:
    record: Record = {"id": make_id(authors, year, taken), "title": plain_title(title)
                      or _todo("the title")}
    if authors:
        record["authors"] = list(authors)
    record["year"] = year if year is not None else _todo("the year of publication")
    if journal:
        record["journal"] = journal
    if doi:
        record["doi"] = doi
    if pmid:
        record["pmid"] = pmid
    record["url"] = _todo(f"the page this record was verified on, e.g. {landing}")
    _judgements(record, registration=False)
    filled = ", ".join(key for key in ("title", "authors", "year", "journal", "doi", "pmid")
                       if key in record and MARKER not in str(record[key]))
    record["unverified"] = [_todo(
        f"what could not be read on the page in url ({filled} were filled from {source} "
        "by painlit draft)")]
    tidy: Record = _tidy(record)
    return tidy


def from_crossref(work: Work, taken: set[str]) -> Record:
    title = work.title
    if work.subtitles and title:
        title = f"{title}: {work.subtitles[0]}"
    return publication_record(
        authors=work.authors, title=title, year=work.year, journal=work.journal,
        doi=work.doi, pmid=None, source="Crossref", landing=f"https://doi.org/{work.doi}",
        taken=taken)


def from_pubmed(summary: Summary, taken: set[str]) -> Record:
    return publication_record(
        authors=summary.authors, title=summary.title, year=summary.year,
        journal=summary.journal or None, doi=summary.doi, pmid=summary.pmid,
        source="PubMed", landing=f"https://pubmed.ncbi.nlm.nih.gov/{summary.pmid}/",
        taken=taken)


def from_trial(trial: Trial, taken: set[str]) -> Record:
    record_id = trial.nct.lower()
    if record_id in taken:
        record_id = _todo(f"an id ({record_id} is taken)")
    year = trial.first_posted_year or trial.start_year
    record: Record = {
        "id": record_id,
        "title": plain_title(trial.brief_title) or _todo("the title"),
        "year": year if year is not None else _todo("the year the trial was registered"),
        "registry": trial.nct,
        "url": _todo(f"the page this record was verified on, e.g. "
                     f"https://clinicaltrials.gov/study/{trial.nct}"),
    }
    _judgements(record, registration=True)
    registration: Record = {"status": trial.status_words}
    for key, value in (("start", trial.start), ("completion", trial.completion),
                       ("enrolment", trial.enrolment),
                       ("enrolment_type", trial.enrolment_type),
                       ("results_posted", trial.has_results)):
        if value is not None:
            registration[key] = value
    record["registration"] = registration
    record["unverified"] = [_todo(
        "what could not be read on the page in url (title, year and registration were filled "
        "from ClinicalTrials.gov by painlit draft; the sponsor was not)")]
    tidy: Record = _tidy(record)
    return tidy


def to_yaml(records: Sequence[Record]) -> str:
    """The records as the corpus writes its studies: a block list at column 0."""
    return yamledit.to_yaml(list(records))


def _tidy(value: Any) -> Any:
    """A drafted record made safe as every answer is (`painlit.online.http.tidy`): each lone
    surrogate becomes U+FFFD, each run of control characters one space. The answers it was
    drafted from already were; the title's markup and entities, removed since, were not."""
    return tidy(value)


# --- the corpus file, as text ----------------------------------------------------------------

@dataclass
class Existing:
    """What the corpus file already holds: ids and identifiers, each with the record's line."""

    ids: dict[str, int] = field(default_factory=dict)
    dois: dict[str, str] = field(default_factory=dict)
    pmids: dict[str, str] = field(default_factory=dict)
    registries: dict[str, str] = field(default_factory=dict)

    def duplicates(self, record: Record) -> list[str]:
        found = []
        doi, pmid, registry = record.get("doi"), record.get("pmid"), record.get("registry")
        if isinstance(doi, str) and doi.lower() in self.dois:
            found.append(f"doi {doi} is already in the corpus as {self.dois[doi.lower()]}")
        if isinstance(pmid, str) and pmid in self.pmids:
            found.append(f"pmid {pmid} is already in the corpus as {self.pmids[pmid]}")
        if isinstance(registry, str) and registry.upper() in self.registries:
            found.append(f"registry id {registry} is already in the corpus as "
                         f"{self.registries[registry.upper()]}")
        record_id = record.get("id")
        if isinstance(record_id, str) and record_id in self.ids:
            found.append(f"id {record_id} is already used on line {self.ids[record_id]}")
        return found

    def add(self, record: Record, line: int = 0) -> None:
        record_id = str(record.get("id", ""))
        if MARKER not in record_id:
            self.ids.setdefault(record_id, line)
        for key, index, fold in (("doi", self.dois, str.lower), ("pmid", self.pmids, str),
                                 ("registry", self.registries, str.upper)):
            value = record.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                index.setdefault(fold(str(value)), record_id)


def _scalar(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _studies_node(root: yaml.Node | None) -> yaml.SequenceNode | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "studies":
            return value if isinstance(value, yaml.SequenceNode) else None
    return None


def existing_records(root: yaml.Node | None) -> Existing:
    """Ids and identifiers of every study in the file (read from nodes: no aliases expanded)."""
    found = Existing()
    studies = _studies_node(root)
    for item in studies.value if studies is not None else []:
        if not isinstance(item, yaml.MappingNode):
            continue
        values: Record = {}
        for key, value in item.value:
            name = _scalar(key)
            if name in ("id", "doi", "pmid", "registry"):
                text = _scalar(value)
                if text is not None:
                    values[name] = text
        found.add(values, item.start_mark.line + 1)
    return found


def read_corpus_file(path: Path, raw: bytes | None = None) -> tuple[str, yaml.Node, bool]:
    """The file's text (without a byte-order mark), its YAML nodes, and whether it had a BOM."""
    from painlit.yamlfile import decode

    if raw is None:
        raw = read_bytes(path)  # every readability check, with located problems
    text = decode(raw, str(path))
    root = compose(text, str(path))
    if root is None:
        raise OutputError(f"cannot append to {path}: the file is empty",
                          hint="a corpus starts with `corpus:`")
    return text, root, raw.startswith(b"\xef\xbb\xbf")


def _study_count(text: str, shown: str) -> int:
    """How many studies the text holds, read through the guarded node reader (no Python
    objects built from the corpus: a hostile number or alias costs nothing here)."""
    studies = _studies_node(compose(text, shown))
    return len(studies.value) if studies is not None else 0


@dataclass
class AppendResult:
    path: Path
    records: int
    first_line: int
    markers: list[Problem]


def append_records(path: Path, records: Sequence[Record]) -> AppendResult:
    """Append `records` to the corpus file at `path`, or raise OutputError leaving it as it was
    (`painlit.yamledit.edit_file`: locked, re-checked, replaced in one step).

    `AppendRefused` (an OutputError) carries every problem that is not a curator marker when
    the result would not validate.
    """
    path = Path(os.path.realpath(path))  # a symlinked corpus: edit the file it points to
    shown = str(path)
    found: list[AppendResult] = []

    def change(text: str, root: yaml.Node | None) -> str:
        if root is None:
            raise OutputError(f"cannot append to {shown}: the file is empty",
                              hint="a corpus starts with `corpus:`")
        new_text, first_line = _appended(text, root, records, shown)
        found.append(AppendResult(path, len(records), first_line, _markers(new_text, text,
                                                                            records, shown)))
        return new_text

    yamledit.edit_file(path, change, verb="append to")
    return found[0]


def _appended(text: str, root: yaml.Node, records: Sequence[Record], shown: str
              ) -> tuple[str, int]:
    existing = existing_records(root)
    duplicates: list[str] = []
    for record in records:
        duplicates.extend(existing.duplicates(record))
        existing.add(record)
    if duplicates:
        raise OutputError(f"refusing to append to {shown}: " + "; ".join(duplicates),
                          hint="nothing was written; `painlit study ID` shows the record")
    studies = _studies_node(root)
    if studies is None or studies.flow_style or not studies.value:
        raise OutputError(
            "cannot append: the corpus has no block list of studies to extend",
            hint="print the record without --append and paste it by hand")
    return yamledit.append_items(text, studies, records)


def _markers(new_text: str, text: str, records: Sequence[Record], shown: str) -> list[Problem]:
    """The result's curator markers; raises when it has any other problem."""
    try:
        _, problems = check_bytes(new_text.encode("utf-8"), shown)
    except CorpusError as error:
        raise OutputError(f"cannot append to {shown}: the result would not be valid YAML "
                          f"({error.problems[0].message})",
                          hint="nothing was written; paste the record by hand") from None
    block = to_yaml(records)
    if (_study_count(new_text, shown) != _study_count(text, shown) + len(records)
            or yaml.safe_load(block) != list(records)):
        raise OutputError(f"cannot append to {shown}: the records would not read back as "
                          "drafted", hint="nothing was written; paste the record by hand")
    problems = as_validated(problems)  # judged as `painlit validate` judges them
    markers = [p for p in problems if p.message == CURATOR_MESSAGE]
    others = [p for p in problems if p.severity is Severity.ERROR
              and p.message != CURATOR_MESSAGE]
    if others:
        raise AppendRefused(
            f"refusing to append to {shown}: the result would have {len(others)} problem(s) "
            f"besides the curator markers, first: {others[0]}",
            hint="nothing was written; run `painlit validate` and fix the corpus first",
            problems=others)
    return markers


class AppendRefused(OutputError):
    """Appending would leave problems other than curator markers."""

    def __init__(self, message: str, *, hint: str, problems: list[Problem]) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems

