"""Rich renderables for the terminal: pure functions from library data to something printable.

Every corpus string goes through `safe_text`, so nothing in the corpus is read as markup;
one-line fields (ids, titles, names, authors, identifiers) through `line_text`, which also
shows tabs and line breaks as escapes: a value never adds a line of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from painlit.console import line_text, safe_text
from painlit.errors import Problem, Severity
from painlit.grading import Grade, Verdict
from painlit.model import Certainty, Claim, Corpus, Study
from painlit.query import SearchHits
from painlit.summary import GapMap, GradedClaim, Summary

if TYPE_CHECKING:
    from painlit.factcheck import CheckResult, ClaimMatch, Finding

NOT_ADVICE = ("Not medical advice: a summary of published research, "
              "not a recommendation to take or avoid any substance.")

_CERTAINTY_STYLE = {
    Certainty.HIGH: "bold green",
    Certainty.MODERATE: "green",
    Certainty.LOW: "yellow",
    Certainty.VERY_LOW: "red",
    Certainty.NO_EVIDENCE: "dim",
}


def certainty_text(certainty: Certainty) -> Text:
    return Text(f"{certainty.symbols} {certainty.label}", style=_CERTAINTY_STYLE[certainty])


def grade_text(grade: Grade) -> Text:
    """The claim's certainty, or "not graded" for a good practice statement."""
    if grade.verdict is Verdict.NOT_GRADED:
        return Text("good practice statement", style="dim")
    return certainty_text(grade.certainty)


def _label(grade: Grade) -> Text:
    text = grade_text(grade)
    text.append(f" · {grade.verdict.value}", style="bold" if grade.verdict
                is not Verdict.INSUFFICIENT else "")
    return text


def _heading(title: str) -> Text:
    return line_text(title, "bold underline")  # titles may hold corpus names


def _n(study: Study) -> str:
    return str(study.n) if study.n is not None else "?"


#: Dose text longer than this is shortened in tables; `painlit study ID` shows all of it.
DOSE_IN_TABLE = 48


def _dose(study: Study) -> Text:
    text = Text(study.dose.category.value, style="bold")
    reported = study.dose.reported
    if reported:
        if len(reported) > DOSE_IN_TABLE:
            reported = reported[: DOSE_IN_TABLE - 1].rstrip() + "…"
        text.append(": ")
        text.append_text(line_text(reported))
    return text


T = TypeVar("T")


def capped(items: Sequence[T], limit: int) -> Sequence[T]:
    """The first `limit` items (all of them when `limit` is 0): `painlit --limit`, which keeps
    a summary of a 100,000-study corpus readable, and quick. JSON output is never cut."""
    return items if limit <= 0 else items[:limit]


def more_line(items: Sequence[object], limit: int, what: str) -> list[RenderableType]:
    """A note saying how many items a capped list left out, if any."""
    hidden = len(items) - len(capped(items, limit))
    if hidden <= 0:
        return []
    return [Text(f"  … and {hidden:,} more {what} (--limit 0 shows all; --json gives every one)",
                 style="dim")]


class Fitted:
    """A table where every word of every cell fits whole (ids and vocabulary included);
    where it does not (a narrow terminal), the same rows as records: a head line, then the
    fields indented below it, wrapped at spaces. No id or vocabulary word is ever cut."""

    def __init__(self, table: Table, records: Callable[[], RenderableType]) -> None:
        self.table = table
        self.records = records

    def _ranges(self, console: Console, options: ConsoleOptions) -> list[tuple[int, int]]:
        """Each column's (least, most) width with padding: the least keeps every word whole,
        and a column that must not wrap (ids, map cells) needs all of its width."""
        table = self.table
        # Rich's own measures (private, stable for years): width ranges with padding.
        found = []
        for column in table.columns:
            measured = table._measure_column(console, options, column)
            least = measured.maximum if column.no_wrap else measured.minimum
            found.append((least, max(least, measured.maximum)))
        return found

    def _fits(self, console: Console, options: ConsoleOptions) -> bool:
        least = sum(low for low, _ in self._ranges(console, options))
        return least + self.table._extra_width <= options.max_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self._fits(console, options):
            yield self.records()
            return
        self._widen_to_whole_words(console, options)
        yield self.table

    def _widen_to_whole_words(self, console: Console, options: ConsoleOptions) -> None:
        """Fix each column's width: at least its longest word (all of it, for a column that
        must not wrap), the rest of the line shared in proportion to what each column would
        like. (Rich alone narrows the widest columns first, cutting words, when a table is
        wider than the line.)"""
        table = self.table
        ranges = self._ranges(console, options)
        room = options.max_width - table._extra_width
        if sum(most for _, most in ranges) <= room:
            return
        spare = room - sum(low for low, _ in ranges)
        give = [most - low for low, most in ranges]
        total = sum(give) or 1
        widths = [low + spare * g // total for (low, _), g in zip(ranges, give, strict=True)]
        for index, (column, width) in enumerate(zip(table.columns, widths, strict=True)):
            column.width = max(1, width - table._get_padding_width(index))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        chosen = self.table if self._fits(console, options) else self.records()
        return Measurement.get(console, options, chosen)


def record(head: Text, *lines: Text | None) -> Group:
    """One row as a record: the head line (an id first), then each line indented by four
    (wrapped lines keep the indent)."""
    return Group(head, *(Padding(line, (0, 0, 0, 4), expand=False)
                         for line in lines if line is not None))


def _facts(*parts: str | Text) -> Text:
    text = Text()
    for index, part in enumerate(parts):
        if index:
            text.append(" · ", style="dim")
        text.append_text(part if isinstance(part, Text) else Text(part))
    return text


def study_records(studies: Sequence[Study], corpus: Corpus,
                  stance: dict[str, str] | None = None) -> Group:
    rows: list[RenderableType] = []
    for study in studies:
        last = stance.get(study.id, "") if stance is not None else study.direction.value
        rows.append(record(
            line_text(study.id, "bold"),
            _facts(study.design.value, study.population.value, f"n {_n(study)}",
                   line_text(_substances(study, corpus)), last),
            _dose(study)))
    return Group(*rows)


def _substances(study: Study, corpus: Corpus) -> str:
    return ", ".join(corpus.substance_by_id[s].name.split(" (")[0]
                     for s in study.substances) or "-"


def study_table(studies: Sequence[Study], corpus: Corpus,
                stance: dict[str, str] | None = None) -> Fitted:
    table = Table(box=box.SIMPLE_HEAD, expand=False, show_lines=False, pad_edge=False)
    # Ids (what `painlit study ID` takes) keep their width while anything else can wrap.
    table.add_column("study", overflow="fold", no_wrap=True)
    table.add_column("design", overflow="fold")
    table.add_column("population", overflow="fold")
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("substance", overflow="fold")
    table.add_column("dose", overflow="fold", ratio=2)
    table.add_column("stance" if stance is not None else "direction", overflow="fold")
    for study in studies:
        last = stance.get(study.id, "") if stance is not None else study.direction.value
        table.add_row(line_text(study.id), study.design.value, study.population.value,
                      _n(study), line_text(_substances(study, corpus)), _dose(study), last)
    return Fitted(table, lambda: study_records(studies, corpus, stance))


def _claim_block(graded: GradedClaim, *, with_steps: bool = False,
                 brief: bool = False) -> Group:
    # The head line, then one Text of several lines indented by two (Rich wraps each line on
    # its own, keeping the indent): far quicker to render than a Group of one Text per line,
    # which counts when a summary lists dozens of claims.
    claim, grade = graded.claim, graded.grade
    head = _label(grade)  # its colour spans the first line only
    head.append("  ")
    head.append_text(line_text(claim.id, "bold"))
    block = Text("“")
    block.append_text(safe_text(claim.statement, "italic"))
    block.append("”")
    if claim.sources:
        block.append(f"  ({', '.join(claim.sources)})", style="dim")
    block.append("\n→ ")
    block.append_text(safe_text(grade.statement, "bold"))
    if len(grade.outcomes) > 1:
        for row in grade.outcomes:
            block.append("\n· ")
            block.append_text(safe_text(row.heading + ": "))
            block.append_text(certainty_text(row.certainty))
    steps = grade.steps if with_steps else [s for s in grade.steps if s.change or s.domain is None]
    block.append("\nwhy: ", style="dim")
    if brief:  # the domains that moved the grade; `painlit claim ID` gives each reason
        start = steps[0].level.label if steps and steps[0].domain is None else "?"
        moves = [f"{step.change:+d} {step.domain.value}" for step in steps
                 if step.domain is not None]
        block.append_text(safe_text(f"started {start}" + "".join(f", {m}" for m in moves)
                                    + f" (`painlit claim {claim.id}` gives the reasons)", "dim"))
    else:
        block.append_text(safe_text("; ".join(step.describe() for step in steps), "dim"))
    for note in claim.notes:
        block.append("\nnote: ", style="dim")
        block.append_text(safe_text(note, "dim"))
    return Group(head, Padding(block, (0, 0, 0, 2), expand=False))


def _claims_section(title: str, claims: Sequence[GradedClaim], limit: int, *,
                    brief: bool = False) -> list[RenderableType]:
    if not claims:
        return []
    parts: list[RenderableType] = [Text(), _heading(f"{title} ({len(claims)})")]
    for graded in capped(claims, limit):
        parts.append(_claim_block(graded, brief=brief))
    return parts + more_line(claims, limit, "claims")


def render_summary(summary: Summary, corpus: Corpus, limit: int) -> Group:
    parts: list[RenderableType] = []
    title = line_text(summary.name, "bold")
    title.append(f"  [{summary.kind}: {summary.id}]", style="dim")
    parts.append(title)
    if summary.includes:
        names = ", ".join(corpus.condition_by_id[c].name for c in summary.includes)
        parts.append(Text("includes: ", style="dim") + line_text(names))
    parts.append(Text(NOT_ADVICE, style="dim italic"))
    parts.extend([Text(), _heading("Bottom line"), safe_text(summary.bottom_line())])
    if summary.description:
        parts.extend([Text(), safe_text(summary.description)])
    parts.extend(_claims_section(f"Claims about {summary.name.lower()}", summary.claims, limit))
    if not summary.claims:
        parts.extend([Text(), Text("No claim in the corpus is about this yet.", style="dim")])
    parts.extend(_claims_section("Broader claims (about a parent condition)",
                                 summary.broader_claims, limit, brief=True))
    parts.extend([Text(), _heading(f"Studies ({len(summary.studies)})")])
    if summary.studies:
        parts.append(study_table(capped(summary.studies, limit), corpus))
        parts.extend(more_line(summary.studies, limit, "studies"))
    else:
        parts.append(Text("none in the corpus", style="dim"))
    if summary.registrations:
        parts.extend([Text(), _heading(
            f"Registered trials without published results ({len(summary.registrations)})")])
        parts.append(registration_table(capped(summary.registrations, limit)))
        parts.extend(more_line(summary.registrations, limit, "registered trials"))
    if summary.reviews:
        parts.extend([Text(), _heading(f"Reviews (context, not counted) ({len(summary.reviews)})")])
        for review in capped(summary.reviews, limit):
            parts.append(Text("  ") + line_text(f"{review.id}: {review.title}"))
        parts.extend(more_line(summary.reviews, limit, "reviews"))
    parts.extend(_claims_section("Safety considerations", summary.safety, limit, brief=True))
    if summary.gaps:
        parts.extend([Text(), _heading("Gaps")])
        parts.extend(Text("  - ") + safe_text(gap) for gap in summary.gaps)
    parts.extend([Text(), Text("`painlit claim ID` shows every grading step; "
                               "`painlit study ID` shows a study.", style="dim")])
    return Group(*parts)


def _registration_cells(study: Study) -> tuple[Text, Text, Text, Text, str]:
    reg = study.registration
    enrolment = "?"
    if reg is not None and reg.enrolment is not None:
        enrolment = f"{reg.enrolment} ({reg.enrolment_type or 'type?'})"
    return (line_text(study.registry or study.id), line_text(study.title),
            line_text(reg.status_as_read if reg else study.status.value),
            line_text((reg.completion if reg else None) or "?"), enrolment)


def registration_table(studies: Iterable[Study]) -> Fitted:
    chosen = list(studies)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("registry", overflow="fold", no_wrap=True)  # an id, kept whole
    for name in ("title", "status", "completion", "enrolment"):
        table.add_column(name, overflow="fold")
    for study in chosen:
        table.add_row(*_registration_cells(study))
    return Fitted(table, lambda: Group(*(_registration_record(s) for s in chosen)))


def _registration_record(study: Study) -> Group:
    registry, title, status, completion, enrolment = _registration_cells(study)
    registry.stylize("bold")
    return record(registry, _facts(status, Text("completion ") + completion,
                                   f"enrolment {enrolment}"), title)


def render_claim(claim: Claim, grade: Grade, corpus: Corpus) -> Group:
    parts: list[RenderableType] = []
    head = safe_text(claim.id, "bold")
    head.append(f"  [{claim.topic.value}]", style="dim")
    parts.append(head)
    parts.append(Text("“") + safe_text(claim.statement, "italic") + Text("”"))
    if claim.quote:
        parts.append(Text("quoted: ", style="dim") + safe_text(claim.quote))
    if claim.sources:
        names = ", ".join(corpus.source_by_id[s].title for s in claim.sources)
        parts.append(Text("asserted by: ", style="dim") + safe_text(names))
    parts.append(Text(NOT_ADVICE, style="dim italic"))
    parts.append(Text())
    parts.append(Text("certainty: ") + grade_text(grade)
                 + Text(f"   verdict: {grade.verdict.value}", style="bold"))
    parts.append(Text("summary: ") + safe_text(grade.statement, "bold"))
    if grade.outcomes:
        parts.extend([Text(), _heading("Summary of findings"), findings_table(grade)])
    # A good practice statement has no outcome rows: its one step says why.
    for title, steps in ([(f"Grading steps: {row.heading}" if len(grade.outcomes) > 1
                           else "Grading steps", row.steps) for row in grade.outcomes]
                         or [("Grading steps", grade.steps)]):
        parts.extend([Text(), _heading(title)])
        for index, step in enumerate(steps, 1):
            line = Text(f"  {index}. ")
            line.append_text(safe_text(step.describe()))
            line.append(f"  → {step.level.label}", style="dim")
            parts.append(line)
    links = {link.study: link for link in reversed(claim.evidence)}
    counted = [corpus.study_by_id[s] for s in grade.counted]
    parts.extend([Text(), _heading(
        f"Evidence counted ({len(counted)} studies; for the deciding outcome "
        f"{grade.participants} participants, {grade.supporting} supporting, "
        f"{grade.refuting} refuting, {grade.inconclusive} inconclusive, "
        f"{grade.mixed} mixed)")])
    if counted:
        parts.append(study_table(counted, corpus, {s: links[s].stance.value for s in links}))
        for study in counted:
            parts.append(Text(f"  {study.id}: ", style="dim") + safe_text(links[study.id].note))
    else:
        parts.append(Text("  none", style="dim"))
    if grade.context:
        parts.extend([Text(), _heading("Linked but not counted")])
        for item in grade.context:
            note = links[item.study].note if item.study in links else ""
            line = Text("  ") + safe_text(f"{item.study}: {item.reason}")
            if note:
                line.append(" — ", style="dim")
                line.append_text(safe_text(note, "dim"))
            parts.append(line)
    if claim.notes:
        parts.extend([Text(), _heading("Notes")])
        parts.extend(Text("  - ") + safe_text(note) for note in claim.notes)
    return Group(*parts)


def findings_table(grade: Grade) -> Group:
    """The claim's summary of findings, a row per outcome, as GRADEpro lays it out, then the
    domains that moved each row's certainty (each step's reason is listed below it)."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("outcome", overflow="fold", ratio=2)
    table.add_column("n (studies)", overflow="fold", ratio=2)
    table.add_column("effect as reported", overflow="fold", ratio=3)
    table.add_column("certainty", overflow="fold", ratio=2)
    table.add_column("what it means", overflow="fold", ratio=4)
    for row in grade.outcomes:
        table.add_row(safe_text(row.heading), row.participants_text,
                      safe_text("\n".join(row.effects) or "-"), certainty_text(row.certainty),
                      safe_text(row.statement))
    records = Group(*(record(
        safe_text(row.heading, "bold"), _facts(certainty_text(row.certainty),
                                               row.participants_text),
        safe_text("\n".join(row.effects) or "-"), safe_text(row.statement))
        for row in grade.outcomes))
    moved = [Text("  ") + safe_text(f"{row.name}: rated {row.downgrades}", "dim")
             for row in grade.outcomes if row.downgrades]
    return Group(Fitted(table, lambda: records), *moved)


def claims_list(claims: Sequence[Claim], grades: Mapping[str, Grade],
                limit: int) -> Group:
    if not claims:
        return Group(Text("no claim matches (`painlit claims` lists them all)", style="dim"))
    return Group(claims_table(capped(claims, limit), grades),
                 *more_line(claims, limit, "claims"))


def studies_list(studies: Sequence[Study], corpus: Corpus, limit: int) -> Group:
    if not studies:
        return Group(Text("no study matches (`painlit studies` lists them all)", style="dim"))
    return Group(study_table(capped(studies, limit), corpus),
                 *more_line(studies, limit, "studies"))


def claims_table(claims: Sequence[Claim], grades: Mapping[str, Grade]) -> Fitted:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("claim", no_wrap=True)  # an id users type next: kept whole
    table.add_column("certainty", no_wrap=True)
    table.add_column("verdict")
    table.add_column("statement", overflow="fold", ratio=3)
    for claim in claims:
        grade = grades[claim.id]
        table.add_row(line_text(claim.id), grade_text(grade),
                      grade.verdict.value, safe_text(grade.statement))
    return Fitted(table, lambda: Group(*(record(
        line_text(claim.id, "bold"), _facts(grade_text(grades[claim.id]),
                                            grades[claim.id].verdict.value),
        safe_text(grades[claim.id].statement)) for claim in claims)))


def render_study(study: Study, corpus: Corpus, claims: Sequence[Claim]) -> Group:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")

    def row(name: str, value: str | None, *, prose: bool = False) -> None:
        """One field; all but prose (outcome, finding, notes) on one line."""
        if value:
            table.add_row(name, safe_text(value) if prose else line_text(value))

    row("id", study.id)
    row("title", study.title)
    row("authors", ", ".join(study.authors))
    row("year", str(study.year))
    row("journal", study.journal)
    row("doi", study.doi)
    row("pmid", study.pmid)
    row("registry", study.registry)
    row("verified at", study.url)
    row("design", study.design.value)
    row("population", study.population.value)
    row("n", _n(study))
    row("substances", ", ".join(corpus.substance_by_id[s].name for s in study.substances))
    row("dose", study.dose.category.value + (f": {study.dose.reported}"
                                             if study.dose.reported else ""))
    row("conditions", ", ".join(study.conditions))
    row("mechanisms", ", ".join(study.mechanisms))
    row("pain model", study.pain_model.value)
    row("outcome", study.outcome, prose=True)
    row("finding", study.finding, prose=True)
    row("direction", study.direction.value)
    row("risk of bias", study.risk_of_bias.value + (f": {study.bias_note}"
                                                    if study.bias_note else ""), prose=True)
    row("status", study.status.value)
    if study.registration is not None:
        reg = study.registration
        row("registry status", reg.status_as_read)
        if reg.last_update:
            row("registry updated", reg.last_update)
        row("start", reg.start)
        row("completion", reg.completion)
        if reg.enrolment is not None:
            row("enrolment", f"{reg.enrolment} ({reg.enrolment_type or 'type not recorded'})")
        if reg.results_posted is not None:
            row("results posted", "yes" if reg.results_posted else "no")
        row("sponsor", reg.sponsor)
    for item in study.unverified:
        row("unverified", item, prose=True)
    row("cited by claims", ", ".join(c.id for c in claims))
    return Group(table)


def render_search(hits: SearchHits, grades: Mapping[str, Grade], corpus: Corpus,
                  limit: int) -> Group:
    if not hits.claims and not hits.studies:
        return Group(Text("no claim or study contains every word searched for", style="dim"))
    parts: list[RenderableType] = [_heading(f"Claims ({len(hits.claims):,})")]
    if hits.claims:
        parts.append(claims_table(capped(hits.claims, limit), grades))
        parts.extend(more_line(hits.claims, limit, "claims"))
    parts.extend([Text(), _heading(f"Studies ({len(hits.studies):,})")])
    if hits.studies:
        parts.append(study_table(capped(hits.studies, limit), corpus))
        parts.extend(more_line(hits.studies, limit, "studies"))
    return Group(*parts)


def _gap_cell(gaps: GapMap, row: str, column: str) -> Text:
    cell = gaps.cells.get((row, column))
    if cell is None:
        return Text("·", style="dim")
    text = Text(f"{cell.studies} ")
    text.append(cell.best.symbols, style=_CERTAINTY_STYLE[cell.best])
    return text


def _gap_records(gaps: GapMap, used: Sequence[str]) -> Group:
    """The map turned on its side: a condition per head line, then its cells (each column
    with its studies and best certainty, kept on one line) and what it lacks."""
    from rich.columns import Columns

    rows: list[RenderableType] = []
    for condition in gaps.rows:
        indent = 2 * gaps.depth[condition.id]
        have = [column for column in used if (condition.id, column) in gaps.cells]
        cells = [Text(f"{column} ", no_wrap=True) + _gap_cell(gaps, condition.id, column)
                 for column in have]
        missing = [column for column in used if column not in have]
        body: list[RenderableType] = [
            Columns(cells, padding=(0, 3)) if cells else Text("no study", style="dim")]
        if missing:
            body.append(Text("gaps: " + ", ".join(missing), style="dim"))
        rows.append(Padding(Group(line_text(condition.name, "bold"),
                                  Padding(Group(*body), (0, 0, 0, 4), expand=False)),
                            (0, 0, 0, indent), expand=False))
    return Group(*rows)


def render_gap_map(gaps: GapMap, corpus: Corpus) -> Group:
    used = [c for c in gaps.columns if any((r.id, c) in gaps.cells for r in gaps.rows)]
    empty = [c for c in gaps.columns if c not in used]
    title = (f"conditions × {gaps.columns_by.value} (studies · best certainty; · = gap)")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=title)
    table.add_column("condition", no_wrap=True)
    for column in used:
        table.add_column(column, justify="center", no_wrap=True)
    for condition in gaps.rows:
        name = Text("  " * gaps.depth[condition.id]) + line_text(condition.name)
        table.add_row(name, *(_gap_cell(gaps, condition.id, column) for column in used))
    sideways = Group(Text(title, style="italic"), Text(), _gap_records(gaps, used))
    parts: list[RenderableType] = [Fitted(table, lambda: sideways)]
    if empty:
        parts.append(Text("no study at all: " + ", ".join(empty), style="dim"))
    parts.append(Text("best certainty ◯◯◯◯ = no graded claim counts these studies; "
                      "parent rows include their children; studies that name no condition "
                      "have a row per population.", style="dim"))
    return Group(*parts)


def render_problems(problems: Sequence[Problem]) -> Group:
    lines: list[RenderableType] = []
    for problem in problems:
        style = "red" if problem.severity is Severity.ERROR else "yellow"
        line = Text(f"{problem.severity.value}: ", style=style)
        line.append_text(line_text(str(problem)))  # one problem, one line
        lines.append(line)
    return Group(*lines)


def _check_header(result: CheckResult) -> Text:
    article = result.article
    text = Text("painlit check: ", style="bold")
    text.append_text(safe_text(article.title or article.name, "bold"))
    found = len(result.findings)
    text.append(f"\n{article.words} words, {len(article.sentences)} sentences, {found} "
                f"claim sentence{'' if found == 1 else 's'}: {result.overstated} overstate the "
                f"evidence, {result.unmatched} match no corpus claim.")
    return text


def _indented(renderable: RenderableType, left: int) -> Padding:
    """Indented, with wrapped lines hanging at the same indent."""
    return Padding(renderable, (0, 0, 0, left), expand=False)


def _match_parts(match: ClaimMatch) -> list[RenderableType]:
    head = Text("→ ")
    head.append_text(safe_text(match.claim, "bold"))
    head.append("  ")
    if match.verdict is Verdict.NOT_GRADED:
        head.append("good practice statement (not graded)", style="dim")
    else:
        head.append_text(certainty_text(match.certainty))
        head.append(f" · {match.verdict.value}")
    why = Text("why matched: ", style="dim")
    why.append_text(safe_text("; ".join(match.why), "dim"))
    return [_indented(head, 2), _indented(safe_text(match.hedged), 4), _indented(why, 4)]


def _finding_block(number: int, finding: Finding) -> Group:
    parts: list[RenderableType] = []
    head = Text(f"[{number}] ", style="bold")
    head.append_text(safe_text(f"“{finding.sentence.text}”", "italic"))
    parts.append(head)
    parts.append(_indented(safe_text(f"why a claim: {finding.why_claim}", "dim"), 2))
    for problem in finding.overstatements:
        warning = Text("! overstates ", style="bold yellow")
        warning.append(f"({problem.problem.value}): ", style="yellow")
        warning.append_text(safe_text(problem.message))
        parts.append(_indented(warning, 2))
    for match in finding.matches:
        parts += _match_parts(match)
    if not finding.matches:
        body = finding.body
        line = "→ no corpus claim covers this"
        if body is not None:
            line += "; " + body.describe()
        parts.append(_indented(safe_text(line), 2))
    parts.append(Text(""))
    return Group(*parts)


def render_check(result: CheckResult, limit: int) -> Group:
    """`painlit check`: the article's claim sentences in order, each with its finding."""
    parts: list[RenderableType] = [_check_header(result), Text("")]
    shown = capped(result.findings, limit)
    for number, finding in enumerate(shown, 1):
        parts.append(_finding_block(number, finding))
    parts += more_line(result.findings, limit, "claim sentences")
    if not result.findings:
        parts.append(Text("No sentence of this article makes a health claim painlit "
                          "recognises.\n"))
    parts.append(Text(NOT_ADVICE, style="dim"))
    return Group(*parts)
