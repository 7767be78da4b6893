"""`painlit diff`: what changed between two corpus versions (files or git revisions)."""


from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from painlit.commands.shared import EXIT_PROBLEMS, JsonOption, command, emit, out, state
from painlit.console import clean
from painlit.errors import ChangesFound

if TYPE_CHECKING:
    from painlit.diff import CorpusDiff, FieldChange, GradeChange, JSONValue
    from painlit.grading import Grade, Step
    from painlit.model import Corpus


@command
def diff(
    old: Annotated[str, typer.Argument(
        metavar="OLD", help="The earlier version: a corpus file, git:REV or git:REV:PATH.")],
    new: Annotated[str | None, typer.Argument(
        metavar="NEW", help="The later version, written as OLD is (default: the current "
        "corpus: --data, PAINLIT_DATA or the shipped one).", show_default=False)] = None,
    exit_code: Annotated[bool, typer.Option(
        "--exit-code", help="Exit 1 when anything changed, 0 when nothing did.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print nothing, not even the summary; implies --exit-code.")] = False,
    json_output: JsonOption = False,
) -> None:
    """What changed between two corpus versions, and which certainty labels moved and why.

    Lists studies and claims (and conditions, mechanisms, substances, sources) added, removed
    or changed, field by field, and every claim whose certainty or verdict changed, with the
    grading steps that differ.

    OLD and NEW are corpus files or git revisions of one. git:REV is the same file as NEW (by
    default the current corpus) as it was at revision REV, e.g. git:HEAD~1 or git:main;
    git:REV:PATH is PATH at REV, as `git show REV:PATH` reads it from the working directory.
    Anything not starting with git: is a file path. The repository is only read.

    Exit status: 0 (also when something changed); with --exit-code or --quiet, 1 when
    something changed and 0 when nothing did, as with git diff --exit-code.

    Example: painlit diff git:HEAD~1 --exit-code
    """
    from painlit.diff import CorpusVersion, diff_corpora, load_version, parse_version
    from painlit.paths import default_corpus_path

    current = Path(state.data) if state.data is not None else default_corpus_path()
    try:
        old_version = parse_version(old)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="OLD") from None
    try:
        new_version = (parse_version(new) if new is not None
                       else CorpusVersion(str(current), path=current))
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="NEW") from None
    base = new_version.path if new_version.path is not None else current
    before = load_version(old_version, base)
    after = load_version(new_version, base)
    result = diff_corpora(before, after)
    old_label, new_label = _label(old_version.path, before), _label(new_version.path, after)
    if quiet:
        pass
    elif json_output or state.json:
        emit(True, lambda: diff_document(result, before, after, old_label, new_label),
             lambda: Text())
    else:  # one change per line, never wrapped, so that the output can be grepped
        out.print(render_diff(result, before, after, old_label, new_label), soft_wrap=True)
    if quiet and result.changed:
        raise typer.Exit(EXIT_PROBLEMS)
    if exit_code and result.changed:
        raise ChangesFound(f"painlit diff: {result.summary()}")


def _label(path: Path | None, corpus: "Corpus") -> str:
    return str(path) if path is not None else corpus.path


# --- JSON -----------------------------------------------------------------------------------

def _field(change: "FieldChange") -> dict[str, Any]:
    return {"field": change.field, "old": change.old, "new": change.new}


def _grade(grade: "Grade | None") -> dict[str, Any] | None:
    if grade is None:
        return None
    return {"certainty": grade.certainty.slug, "certainty_label": grade.certainty.label,
            "symbols": grade.certainty.symbols, "level": int(grade.certainty),
            "verdict": grade.verdict.value, "statement": grade.statement}


def _step(step: "Step | None") -> dict[str, Any] | None:
    if step is None:
        return None
    return {"domain": step.domain.value if step.domain else "start", "change": step.change,
            "level": step.level.slug, "reason": step.reason, "curated": step.curated}


def diff_document(result: "CorpusDiff", old: "Corpus", new: "Corpus", old_label: str,
                  new_label: str) -> dict[str, Any]:
    from painlit.render.jsondata import document

    body: dict[str, Any] = {
        "old": {"source": old_label, "version": old.info.version},
        "new": {"source": new_label, "version": new.info.version},
        "changed": result.changed,
        "summary": result.summary(),
        "info": [_field(change) for change in result.info],
    }
    for section in result.sections:
        body[section.name] = {
            "added": list(section.added), "removed": list(section.removed),
            "changed": [{"id": record.id, "fields": [_field(f) for f in record.fields]}
                        for record in section.changed],
        }
    body["grades"] = [
        {"claim": change.claim, "change": change.change, "old": _grade(change.old),
         "new": _grade(change.new),
         "steps": [{"domain": step.domain.value if step.domain else "start",
                    "old": _step(step.old), "new": _step(step.new)} for step in change.steps]}
        for change in result.grades
    ]
    return document("diff", body)


# --- terminal -------------------------------------------------------------------------------

def _show(value: "JSONValue") -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        import json  # here: every other command starts without it

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_show(item)}" for key, item in value.items()) + "}"
    return str(value)


def _title(corpus: "Corpus", section: str, record_id: str) -> str:
    record = next((r for r in getattr(corpus, section) if r.id == record_id), None)
    for attribute in ("title", "statement", "name"):
        value = getattr(record, attribute, None)
        if isinstance(value, str):
            return value
    return ""


def _certainty(grade: "Grade") -> str:
    return f"{grade.certainty.label} {grade.certainty.symbols}, {grade.verdict.value}"


def _grade_lines(change: "GradeChange") -> list[tuple[str, str]]:
    if change.old is None and change.new is not None:
        return [(f"  + {change.claim}: {_certainty(change.new)} (new claim)", "green")]
    if change.new is None and change.old is not None:
        return [(f"  - {change.claim}: was {_certainty(change.old)} (claim removed)", "red")]
    assert change.old is not None
    assert change.new is not None
    lines = [(f"  ~ {change.claim}: {_certainty(change.old)} → {_certainty(change.new)}",
              "yellow")]
    for step in change.steps:
        if step.old is not None:
            lines.append((f"      - {step.old.describe()}", "red"))
        if step.new is not None:
            lines.append((f"      + {step.new.describe()}", "green"))
    return lines


def render_diff(result: "CorpusDiff", old: "Corpus", new: "Corpus", old_label: str,
                new_label: str) -> Text:
    lines: list[tuple[str, str]] = [(f"painlit diff: {old_label} → {new_label}", "bold")]
    if not result.changed:
        lines.append(("no changes", ""))
    if result.info:
        lines.append(("corpus:", "bold"))
        lines.extend((f"  ~ {c.field}: {_show(c.old)} → {_show(c.new)}", "yellow")
                     for c in result.info)
    for section in result.sections:
        if section.empty:
            continue
        counts = ", ".join(f"{len(items)} {label}" for items, label in (
            (section.added, "added"), (section.removed, "removed"),
            (section.changed, "changed")) if items)
        lines.append((f"{section.name}: {counts}", "bold"))
        lines.extend((f"  + {record_id}: {_title(new, section.name, record_id)}", "green")
                     for record_id in section.added)
        lines.extend((f"  - {record_id}: {_title(old, section.name, record_id)}", "red")
                     for record_id in section.removed)
        for record in section.changed:
            lines.append((f"  ~ {record.id}", "yellow"))
            lines.extend((f"      {c.field}: {_show(c.old)} → {_show(c.new)}", "")
                         for c in record.fields)
    if result.grades:
        lines.append(("claim grades:", "bold"))
        for change in result.grades:
            lines.extend(_grade_lines(change))
    text = Text()
    for line, style in lines:
        text.append(clean(line) + "\n", style=style)
    text.rstrip()
    return text
