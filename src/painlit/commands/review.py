"""The screening log's offline commands: `screen` (decide on records) and `prisma` (the flow).

`painlit update` (online) adds records to the log; these two never touch the network.
"""


import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painlit.commands.shared import (
    JsonOption,
    LogOption,
    command,
    current_corpus,
    emit,
    err,
    out,
    state,
    write_document,
)
from painlit.console import line_text, one_line
from painlit.model import Decision, Reason

if TYPE_CHECKING:
    from rich.console import RenderableType

    from painlit.model import Corpus
    from painlit.screening import Screened, ScreeningLog


def today() -> date:
    return date.today()


def _message(text: str) -> None:
    err.print(one_line(text), markup=False, highlight=False, soft_wrap=True)


@command
def screen(
    record: Annotated[str | None, typer.Argument(
        metavar="[PMID|DOI|NCT|REF]", help="The logged record to decide on.",
        show_default=False)] = None,
    include: Annotated[bool, typer.Option(
        "--include", help="Include the record (with --study once it is in the corpus).")
    ] = False,
    study: Annotated[str | None, typer.Option(
        "--study", metavar="ID", help="The corpus study an included record became.",
        show_default=False)] = None,
    exclude: Annotated[Reason | None, typer.Option(
        "--exclude", metavar="REASON", show_default=False,
        help="Exclude the record: " + ", ".join(Reason) + ".")] = None,
    pending: Annotated[bool, typer.Option(
        "--pending", help="Put the record back to pending.")] = False,
    note: Annotated[str | None, typer.Option(
        "--note", help="Why (required with --exclude other).", show_default=False)] = None,
    list_pending: Annotated[bool, typer.Option(
        "--list", help="List the pending records and stop.")] = False,
    log: LogOption = None,
    json_output: JsonOption = False,
) -> None:
    """Screen the records `painlit update` logged: include, exclude with a reason, or skip.

    On a terminal, with no record named, walks the pending records one by one, showing
    title, year, journal and abstract, and writes each decision as it is made. For scripts,
    name the record and the decision; with no terminal and no record, lists what is pending.
    Only the screening log changes (one record's lines each time), never the corpus.

    Example: painlit screen 41234567 --exclude not-pain --note "migraine aura only"
    """
    from painlit import screening

    corpus = current_corpus()
    path = screening.log_path(corpus.path, log)
    chosen = [name for name, given in (("--include", include), ("--exclude", exclude),
                                       ("--pending", pending)) if given]
    if len(chosen) > 1:
        raise typer.BadParameter("give one decision", param_hint=" / ".join(chosen))
    if study is not None and not include:
        raise typer.BadParameter("--study goes with --include", param_hint="--study")
    if record is not None and not chosen:
        raise typer.BadParameter("say what to decide: --include, --exclude REASON or "
                                 "--pending", param_hint="RECORD")
    if record is None and chosen:
        raise typer.BadParameter("name the record to decide on (PMID, DOI, NCT id or ref)",
                                 param_hint="RECORD")
    if record is not None:
        decision = (Decision.INCLUDED if include else Decision.EXCLUDED if exclude
                    else Decision.PENDING)
        decided = screening.decide(path, record, decision, today=today(), study=study,
                                   reason=exclude, note=note, corpus=corpus)
        _message(f"{path}: {decided.key}: {_decision_words(decided)}")
        return
    log_file = screening.read_log(path, corpus) if path.exists() else None
    if log_file is None:
        raise screening.LogError(f"there is no screening log at {path}",
                                 hint="`painlit update` starts one; or give another with --log")
    waiting = log_file.pending
    interactive = not list_pending and not json_output and not state.json \
        and sys.stdin.isatty() and out.is_terminal
    if not interactive or not waiting:
        emit(json_output, lambda: _pending_document(log_file),
             lambda: _pending_listing(waiting))
        _message(f"{path}: {len(waiting)} record(s) pending" + (
            "; decide with `painlit screen ID --include` or `--exclude REASON`"
            if waiting else ""))
        return
    _walk(path, waiting, corpus)


def _decision_words(record: "Screened") -> str:
    if record.decision is Decision.EXCLUDED and record.reason is not None:
        return f"excluded ({record.reason.label})"
    if record.decision is Decision.INCLUDED:
        return "included" + (f" as {record.study}" if record.study else
                             " (no corpus study yet: draft it with `painlit draft ID --append`,"
                             " then `painlit screen ID --include --study STUDY`)")
    return str(record.decision)


def _pending_document(log_file: "ScreeningLog") -> dict[str, Any]:
    from painlit.commands.shared import jsondata

    document: dict[str, Any] = jsondata.document("screen", {
        "log": log_file.path, "pending": [_record_dict(r) for r in log_file.pending]})
    return document


def _record_dict(record: "Screened") -> dict[str, Any]:
    return {"key": record.key, "pmid": record.pmid, "doi": record.doi, "nct": record.nct,
            "ref": record.ref, "title": record.title, "year": record.year,
            "journal": record.journal, "abstract": record.abstract,
            "searches": list(record.searches), "decision": str(record.decision),
            "study": record.study, "reason": None if record.reason is None
            else str(record.reason), "note": record.note,
            "decided": None if record.decided is None else record.decided.isoformat()}


def _pending_listing(waiting: "list[Screened]") -> "RenderableType":
    from rich.console import Group
    from rich.text import Text

    lines: list[RenderableType] = []
    for record in waiting:
        head = line_text(record.key, "bold")
        head.append("  " + one_line(f"{record.year or '?'} · {record.journal or '?'}"))
        lines.append(head)
        lines.append(Text("    ") + line_text(record.title or "(no title)"))
    if not waiting:
        lines.append(Text("nothing pending"))
    return Group(*lines)


def _show(record: "Screened", position: int, total: int) -> None:
    from rich.panel import Panel
    from rich.text import Text

    body = line_text(record.title or "(no title)", "bold")
    body.append("\n" + one_line(f"{record.year or '?'} · {record.journal or '?'} · "
                                f"{record.key}"))
    if record.doi and record.doi != record.key:
        body.append("\n" + one_line(f"doi: {record.doi}"))
    body.append("\n\n")
    for paragraph in (record.abstract or "(no abstract)").split("\n"):
        body.append_text(line_text(paragraph))
        body.append("\n")
    out.print(Panel(body, title=Text(f"{position} of {total} pending"), title_align="left"))


def _walk(path: Path, waiting: "list[Screened]", corpus: "Corpus") -> None:
    """Ask about each pending record on the terminal; each answer is written at once."""
    done = 0
    try:
        done = _ask_each(path, waiting, corpus)
    except typer.Abort:  # Ctrl-C or end of input at a prompt: what was decided is written
        _message(f"{path}: stopped; the decisions made so far are written")
        raise KeyboardInterrupt from None
    _message(f"{path}: {done} decision(s) written; "
             f"{len(waiting) - done} record(s) still pending")


def _ask_each(path: Path, waiting: "list[Screened]", corpus: "Corpus") -> int:
    from painlit import screening

    reasons = list(Reason)
    done = 0
    for position, record in enumerate(waiting, 1):
        _show(record, position, len(waiting))
        answer = typer.prompt("[i]nclude, [e]xclude, [s]kip, [q]uit", default="s",
                              err=True).strip().lower()[:1]
        if answer == "q":
            break
        if answer not in ("i", "e"):
            continue
        study: str | None = None
        reason: Reason | None = None
        note: str | None = None
        if answer == "i":
            study = _ask_study(record, corpus)
        else:
            reason = _ask_reason(reasons)
            note = typer.prompt("note (optional)" if reason is not Reason.OTHER else "note",
                                default="" if reason is not Reason.OTHER else None,
                                show_default=False, err=True).strip() or None
        decided = screening.decide(
            path, record.key, Decision.INCLUDED if answer == "i" else Decision.EXCLUDED,
            today=today(), study=study, reason=reason, note=note, corpus=corpus)
        done += 1
        _message(f"{decided.key}: {_decision_words(decided)}")
    return done


def _ask_reason(reasons: list[Reason]) -> Reason:
    menu = "  ".join(f"{n}) {r}" for n, r in enumerate(reasons, 1))
    while True:
        answer = str(typer.prompt(f"reason: {menu}", err=True)).strip()
        if answer.isdigit() and 1 <= int(answer) <= len(reasons):
            return reasons[int(answer) - 1]
        if answer in {str(r) for r in reasons}:
            return Reason(answer)
        _message(f"'{answer}' is not one of the numbers or reasons")


def _ask_study(record: "Screened", corpus: "Corpus") -> str | None:
    """The corpus study an included record is (blank: not drafted yet)."""
    known = next((s.id for s in corpus.studies
                  if (record.pmid and s.pmid == record.pmid)
                  or (record.doi and s.doi and s.doi.lower() == record.doi.lower())
                  or (record.nct and s.registry and s.registry.upper() == record.nct)), "")
    while True:
        answer = typer.prompt("corpus study id (blank: not drafted yet)", default=known,
                              show_default=bool(known), err=True).strip()
        if not answer or answer in corpus.study_by_id:
            return answer or None
        _message(f"'{answer}' is not a study in the corpus")


@command
def prisma(
    log: LogOption = None,
    output_format: Annotated[str, typer.Option(
        "--format", help="text, markdown or svg.")] = "text",
    output: Annotated[str, typer.Option(
        "-o", "--output", help="File to write; '-' for stdout.")] = "-",
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the output file if it exists.")] = False,
    json_output: JsonOption = False,
) -> None:
    """The PRISMA 2020 flow diagram of the screening log: identified, duplicates removed,
    screened, excluded with reasons, awaiting screening, included.

    Counts come from the log alone; a test checks that they add up. painlit records one
    screening decision per record, so PRISMA's two screening stages are shown as one.
    Studies in the corpus that no log record names are listed after the diagram.

    Example: painlit prisma --format svg -o prisma.svg
    """
    from painlit import screening
    from painlit.render import prisma as drawing

    chosen = "json" if json_output or state.json else output_format.lower()
    if chosen not in ("text", "markdown", "svg", "json"):
        raise typer.BadParameter("expected text, markdown or svg", param_hint="--format")
    corpus = current_corpus()
    path = screening.log_path(corpus.path, log)
    log_file = screening.read_log(path, corpus)
    flow = screening.flow(log_file)
    missing = screening.not_logged(log_file, corpus)
    if chosen == "json":
        from painlit.commands.shared import jsondata

        text = jsondata.dumps(jsondata.document("prisma", {
            "log": str(path), **flow.as_dict(), "corpus_studies_not_in_log": missing,
            "notes": drawing.notes(flow)})) + "\n"
    elif chosen == "svg":
        text = drawing.svg(flow) + "\n"
    elif chosen == "markdown":
        text = "\n".join(["## PRISMA 2020 flow", "", *drawing.markdown_lines(flow)]) + "\n"
    else:
        lines = [f"PRISMA 2020 flow of {path} ({flow.searches} search(es))", "",
                 *drawing.text_lines(flow), "", *drawing.notes(flow)]
        if missing:
            lines += ["", f"{len(missing)} corpus stud{'y' if len(missing) == 1 else 'ies'} "
                      "named by no log record: " + ", ".join(missing)]
        text = "\n".join(one_line(line) for line in lines) + "\n"
    write_document(text, output, force)
