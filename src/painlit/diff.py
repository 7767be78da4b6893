"""What changed between two versions of a corpus: pure functions over two `Corpus` objects.

`diff_corpora(old, new)` compares record by record (matched by id) in every section, lists
the fields that changed (nested records as dotted names, e.g. `dose.category`; a claim's
evidence links as `evidence[STUDY]`, its judgements as `judgements[DOMAIN]`), and grades every
claim in both versions: a claim whose certainty or verdict changed is reported with the
grading steps that differ, which are the reasons for the change. Claims added or removed are
reported with their grade in the version that has them.

Reading a version from git (`git:REV` or `git:REV:PATH`) is the one impure part, kept apart at
the end of the module: the blob is read with `git show REV:PATH` into a temporary file and
loaded like any corpus file. Nothing in the repository is changed.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeAlias

from painlit.errors import CorpusError, PainlitError
from painlit.frozen import frozen
from painlit.grading import Grade, Step, grade_all
from painlit.loader import load_corpus
from painlit.model import Certainty, Claim, Corpus, Domain, Evidence, Judgement

JSONValue: TypeAlias = (str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"]
                        | None)

#: The sections compared, in the order they are reported.
SECTIONS = ("studies", "claims", "conditions", "mechanisms", "substances", "sources")
_SKIPPED_FIELDS = frozenset({"line"})
_STEP_ORDER: tuple[Domain | None, ...] = (None, *Domain)


class _Record(Protocol):
    @property
    def id(self) -> str: ...


@frozen
class FieldChange:
    """One field whose value differs; `None` means absent in that version."""

    field: str
    old: JSONValue
    new: JSONValue


@frozen
class RecordChange:
    id: str
    fields: tuple[FieldChange, ...]


@frozen
class SectionDiff:
    name: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[RecordChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@frozen
class StepChange:
    """A grading step that differs; `None` when the step is absent from that version."""

    domain: Domain | None  # None for the starting level
    old: Step | None
    new: Step | None


@frozen
class GradeChange:
    """A claim whose certainty or verdict changed (or that was added or removed)."""

    claim: str
    old: Grade | None
    new: Grade | None
    steps: tuple[StepChange, ...] = ()

    @property
    def change(self) -> str:
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "changed"


@frozen
class CorpusDiff:
    info: tuple[FieldChange, ...]
    sections: tuple[SectionDiff, ...]
    grades: tuple[GradeChange, ...]

    @property
    def changed(self) -> bool:
        return bool(self.info or self.grades) or any(not s.empty for s in self.sections)

    def section(self, name: str) -> SectionDiff:
        return next(s for s in self.sections if s.name == name)

    def summary(self) -> str:
        """One line: what changed, counted."""
        parts: list[str] = []
        if self.info:
            parts.append("corpus details changed")
        for section in self.sections:
            counts = [f"{len(items)} {label}" for items, label in (
                (section.added, "added"), (section.removed, "removed"),
                (section.changed, "changed")) if items]
            if counts:
                parts.append(f"{section.name}: " + ", ".join(counts))
        graded = [g for g in self.grades if g.change == "changed"]
        if graded:
            parts.append(f"{len(graded)} claim grade(s) changed")
        return "; ".join(parts) if parts else "no changes"


# --- comparing records ----------------------------------------------------------------------

def _plain(value: object) -> JSONValue:
    if isinstance(value, Certainty):
        return value.slug
    if isinstance(value, Enum):
        return str(value.value)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {spec.name: _plain(getattr(value, spec.name))
                for spec in dataclasses.fields(value)}
    return str(value)


def flatten(record: object, prefix: str = "") -> dict[str, JSONValue]:
    """A record's fields by (dotted) name, as JSON values, for comparison."""
    flat: dict[str, JSONValue] = {}
    for spec in dataclasses.fields(record):  # type: ignore[arg-type]
        if spec.name in _SKIPPED_FIELDS or not spec.init:
            continue
        value = getattr(record, spec.name)
        name = prefix + spec.name
        if spec.name == "evidence":
            links: Sequence[Evidence] = value
            once = Counter(link.study for link in links)
            # A study linked for several outcomes of a claim has a link per outcome.
            flat.update({f"{name}[{link.study}]" if once[link.study] == 1 else
                         f"{name}[{link.study}/{link.outcome}]":
                         {"stance": link.stance.value, "note": link.note}
                         for link in links})
        elif spec.name == "judgements":
            judgements: Iterable[Judgement] = value
            flat.update({f"{name}[{j.domain.value}]": {"levels": j.levels, "reason": j.reason}
                         for j in judgements})
        elif dataclasses.is_dataclass(value):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = _plain(value)
    return flat


def compare(old: object, new: object) -> tuple[FieldChange, ...]:
    """The fields that differ between two records of one kind (new's field order first)."""
    before, after = flatten(old), flatten(new)
    names = list(after) + [name for name in before if name not in after]
    return tuple(FieldChange(name, before.get(name), after.get(name)) for name in names
                 if before.get(name) != after.get(name))


def compare_section(name: str, old: Sequence[_Record], new: Sequence[_Record]) -> SectionDiff:
    before = {record.id: record for record in old}
    after = {record.id: record for record in new}
    changed = []
    for record in new:
        if record.id in before:
            fields = compare(before[record.id], record)
            if fields:
                changed.append(RecordChange(record.id, fields))
    return SectionDiff(
        name,
        added=tuple(record.id for record in new if record.id not in before),
        removed=tuple(record.id for record in old if record.id not in after),
        changed=tuple(changed),
    )


# --- comparing grades -----------------------------------------------------------------------

def _step_key(step: Step) -> tuple[object, ...]:
    # A domain's step is the same when its rating and reason are; the running level after it
    # moves whenever an earlier step moves, so only the start compares its level.
    key: tuple[object, ...] = (step.change, step.reason, step.curated)
    return (*key, step.level) if step.domain is None else key


def step_changes(old: Grade, new: Grade) -> tuple[StepChange, ...]:
    before = {step.domain: step for step in old.steps}
    after = {step.domain: step for step in new.steps}
    changes = []
    for domain in _STEP_ORDER:
        was, now = before.get(domain), after.get(domain)
        if was is None and now is None:
            continue
        if was is None or now is None or _step_key(was) != _step_key(now):
            changes.append(StepChange(domain, was, now))
    return tuple(changes)


def compare_grades(old_claims: Sequence[Claim], new_claims: Sequence[Claim],
                   old_grades: Mapping[str, Grade], new_grades: Mapping[str, Grade]
                   ) -> tuple[GradeChange, ...]:
    """Claims whose certainty or verdict changed, then claims added, then claims removed."""
    old_ids = {claim.id for claim in old_claims}
    new_ids = {claim.id for claim in new_claims}
    changed, added = [], []
    for claim in new_claims:
        now = new_grades[claim.id]
        if claim.id not in old_ids:
            added.append(GradeChange(claim.id, None, now))
            continue
        was = old_grades[claim.id]
        if (was.certainty, was.verdict) != (now.certainty, now.verdict):
            changed.append(GradeChange(claim.id, was, now, step_changes(was, now)))
    removed = [GradeChange(claim.id, old_grades[claim.id], None)
               for claim in old_claims if claim.id not in new_ids]
    return tuple(changed + added + removed)


def diff_corpora(old: Corpus, new: Corpus) -> CorpusDiff:
    """Everything that differs between two corpus versions, including the grades."""
    sections = tuple(compare_section(name, getattr(old, name), getattr(new, name))
                     for name in SECTIONS)
    grades = compare_grades(old.claims, new.claims, grade_all(old), grade_all(new))
    return CorpusDiff(compare(old.info, new.info), sections, grades)


# --- reading a version: a file, or a file at a git revision -----------------------------------

GIT_PREFIX = "git:"


class CorpusVersionError(PainlitError):
    """A corpus version named for `diff` cannot be read (no such file, git or revision)."""


@frozen
class CorpusVersion:
    """Where a version comes from: a file path, or `git:REV` / `git:REV:PATH`."""

    text: str
    path: Path | None = None
    rev: str | None = None
    git_path: str | None = None  # inside the revision; None: the current corpus file's path


def parse_version(text: str) -> CorpusVersion:
    """`git:REV[:PATH]` names a git revision; anything else is a file path.

    Raises ValueError when a `git:` name is malformed.
    """
    if not text.startswith(GIT_PREFIX):
        return CorpusVersion(text, path=Path(text))
    rev, colon, path = text[len(GIT_PREFIX):].partition(":")
    if not rev:
        raise ValueError(f"'{text}' names no revision: write git:REV or git:REV:PATH, "
                         "e.g. git:HEAD~1")
    if rev.startswith("-") or any(c.isspace() or ord(c) < 32 for c in rev):
        raise ValueError(f"'{rev}' is not a git revision")
    if colon and not path:
        raise ValueError(f"'{text}' ends in ':': give the path after it, or leave the ':' out")
    return CorpusVersion(text, rev=rev, git_path=path or None)


def _git(git: str, args: Sequence[str], cwd: Path, hint: str | None = None) -> bytes:
    try:
        result = subprocess.run([git, "--no-pager", *args], cwd=cwd, capture_output=True,
                                check=False, timeout=120)
    except (OSError, subprocess.SubprocessError) as error:
        raise CorpusVersionError(f"cannot run git: {error}",
                                 hint="give the version as a file path instead") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[0].removeprefix("fatal: ") if lines else f"exit {result.returncode}"
        raise CorpusVersionError(f"git: {reason}", hint=hint or "check the revision with "
                                 "`git log --oneline`, or give a file path")
    return result.stdout


def read_git_blob(rev: str, git_path: str | None, current: Path) -> tuple[bytes, str]:
    """The bytes of the corpus file at `rev` and a label for it (`git:REV:PATH`).

    Without `git_path`, the file is the one at `current`'s place in its repository; with it,
    `git_path` is read as git reads `REV:PATH` from the working directory.
    """
    git = shutil.which("git")
    if git is None:
        raise CorpusVersionError(f"cannot read git:{rev}: git is not installed",
                                 hint="install git, or give the version as a file path")
    if git_path is None:
        resolved = current.resolve()
        cwd = resolved.parent
        if not cwd.is_dir():
            raise CorpusVersionError(f"cannot read git:{rev}: {current} is not in a directory")
        prefix = _git(git, ["rev-parse", "--show-prefix"], cwd,
                      hint=f"{current} is not in a git work tree; name the file in the "
                      "repository with git:REV:PATH").decode("utf-8").strip()
        git_path = prefix + resolved.name
    else:
        cwd = Path.cwd()
    spec = f"{rev}:{git_path}"
    label = f"{GIT_PREFIX}{spec}"
    kind = _git(git, ["cat-file", "-t", spec], cwd).decode("utf-8", "replace").strip()
    if kind != "blob":
        raise CorpusVersionError(f"{label} is a {kind}, not a file",
                                 hint="name the corpus file: git:REV:PATH")
    return _git(git, ["show", spec], cwd), label


def load_version(version: CorpusVersion, current: Path) -> Corpus:
    """Load a version; `current` is the corpus file a bare `git:REV` refers to."""
    if version.path is not None:
        if not version.path.exists():
            raise CorpusVersionError(
                f"{version.text}: no such file",
                hint=f"for a git revision write {GIT_PREFIX}{version.text} "
                     f"(or {GIT_PREFIX}REV:PATH)")
        return load_corpus(version.path)
    assert version.rev is not None
    data, label = read_git_blob(version.rev, version.git_path, current)
    name = PurePosixPath(version.git_path or current.name).name or "studies.yaml"
    with tempfile.TemporaryDirectory(prefix="painlit-diff-") as directory:
        target = Path(directory) / name
        target.write_bytes(data)
        try:
            corpus = load_corpus(target)
        except CorpusError as error:  # name the revision, not the temporary file
            raise CorpusError([dataclasses.replace(problem, path=label)
                               for problem in error.problems]) from None
    return dataclasses.replace(corpus, path=label)
