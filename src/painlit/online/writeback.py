"""Registry facts written back into the corpus: status, enrolment and dates, with the day read.

`painlit trials CONDITION --write` and `painlit verify --write` read registrations from
ClinicalTrials.gov; this module turns what they read into edits of the trial-registration
records' `registration:` blocks, made as text (`painlit.yamledit`), so every other byte of the
corpus stays. A value the registry does not give is never removed from a record; `status_read`
becomes the day it was read, so staleness stays visible. Only records with a `registration:`
block change: a publication that names its registry id keeps its own facts.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from painlit import yamledit
from painlit.errors import CorpusError, OutputError, Severity
from painlit.loader import check_bytes
from painlit.online.clinicaltrials import Trial

if TYPE_CHECKING:
    import yaml

    from painlit.model import Corpus, Registration


@dataclass(frozen=True)
class RegistryUpdate:
    """What one record's registration block becomes."""

    study: str
    nct: str
    values: dict[str, Any]  # every key written: what changed, and status_read
    changed: dict[str, tuple[Any, Any]]  # key -> (recorded, registry), status_read left out

    def as_dict(self) -> dict[str, Any]:
        return {"study": self.study, "nct": self.nct,
                "changed": {key: {"record": _plain(old), "registry": _plain(new)}
                            for key, (old, new) in self.changed.items()},
                "status_read": _plain(self.values["status_read"])}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _registry_values(trial: Trial, read_on: date) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": trial.status_words, "start": trial.start, "completion": trial.completion,
        "enrolment": trial.enrolment, "enrolment_type": trial.enrolment_type,
        "results_posted": trial.has_results, "last_update": trial.last_update,
    }
    found = {key: value for key, value in values.items() if value is not None}
    found["status_read"] = read_on
    return found


def _recorded(registration: Registration, key: str) -> Any:
    return getattr(registration, key)


def plan(corpus: Corpus, trials: Mapping[str, Trial | None], read_on: date
         ) -> list[RegistryUpdate]:
    """The updates for every trial-registration record whose registry record was read."""
    updates: list[RegistryUpdate] = []
    for study in corpus.studies:
        if study.registration is None or not study.registry:
            continue
        trial = trials.get(study.registry.upper())
        if trial is None:
            continue
        read = _registry_values(trial, read_on)
        changed = {key: (_recorded(study.registration, key), value)
                   for key, value in read.items()
                   if key != "status_read" and _recorded(study.registration, key) != value}
        # Only what differs is written (a value equal as read stays as it is written).
        values = {key: new for key, (_, new) in changed.items()}
        values["status_read"] = read_on
        updates.append(RegistryUpdate(study.id, trial.nct, values, changed))
    return updates


def _study_nodes(root: yaml.Node | None) -> dict[str, yaml.Node]:
    import yaml

    studies = yamledit.value_of(root, "studies")
    found: dict[str, yaml.Node] = {}
    if isinstance(studies, yaml.SequenceNode):
        for item in studies.value:
            ident = yamledit.value_of(item, "id")
            if isinstance(ident, yaml.ScalarNode):
                found.setdefault(str(ident.value), item)
    return found


def _errors(text: str, shown: str) -> list[str]:
    try:
        _, problems = check_bytes(text.encode("utf-8"), shown)
    except CorpusError as error:
        problems = list(error.problems)
    return [p.message for p in problems if p.severity is Severity.ERROR]


def edited_text(text: str, root: yaml.Node | None, updates: list[RegistryUpdate],
                shown: str) -> str:
    """The corpus text with every update's registration keys set; refuses a result with a
    problem the corpus did not have."""
    nodes = _study_nodes(root)
    blocks: list[tuple[int, yaml.Node, RegistryUpdate]] = []
    for update in updates:
        block = yamledit.value_of(nodes.get(update.study), "registration")
        if block is None:
            raise OutputError(f"cannot write to {shown}: {update.study} has no registration "
                              "block", hint="nothing was written")
        blocks.append((block.start_mark.index, block, update))
    new_text = text
    for _, block, update in sorted(blocks, key=lambda item: item[0], reverse=True):
        new_text = yamledit.set_keys(new_text, block, update.values)
    before, after = _errors(text, shown), _errors(new_text, shown)
    if len(after) > len(before):
        new = [message for message in after if message not in before] or after
        raise OutputError(f"refusing to write to {shown}: the result would have a new "
                          f"problem: {new[0]}", hint="nothing was written; report this")
    return new_text


@dataclass(frozen=True)
class Written:
    diff: str
    written: bool


def write_back(path: str, updates: list[RegistryUpdate], *, dry_run: bool) -> Written:
    """Write `updates` into the corpus file (or only compute them, with `dry_run`); returns
    the unified diff of the change."""
    texts: list[tuple[str, str]] = []

    def change(text: str, root: yaml.Node | None) -> str:
        new_text = edited_text(text, root, updates, path)
        texts.append((text, new_text))
        return new_text

    yamledit.edit_file(Path(path), change, verb="write to", dry_run=dry_run)
    old, new = texts[0]
    diff = "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))
    return Written(diff, not dry_run and old != new)
