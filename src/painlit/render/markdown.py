"""The report as GitHub-flavoured markdown that also reads cleanly through pandoc.

Every string from the corpus passes through `escape`, which makes it literal text wherever it
lands (a table cell, a list item, a heading): no markup, no links, no HTML, no broken table.
Corpus text never starts a line, so block syntax (`#`, `>`, `-`, `1.`) cannot be triggered.
"""

from __future__ import annotations

import re

from painlit.console import clean
from painlit.model import Certainty, Study
from painlit.report import (
    DESIGN_LABELS,
    DIRECTION_LABELS,
    NOT_MEDICAL_ADVICE,
    POPULATION_LABELS,
    VERDICT_MEANING,
    ClaimGroup,
    Reference,
    Report,
    certainty_text,
    column_label,
    dose_text,
    n_text,
    registration_enrolment,
    step_text,
)
from painlit.summary import CERTAINTY_MEANING, GapMap

_LINE_BREAK = re.compile(r"\r\n|[\r\n\t]")
#: ASCII punctuation that means something to GFM or pandoc inline syntax. CommonMark lets any
#: ASCII punctuation be backslash-escaped, so this is safe to extend.
_SPECIAL = re.compile(r"([\\`*_\[\]{}|~^$#])")


def escape(text: str) -> str:
    """`text` as literal markdown: safe in a table cell, a list item or a heading.

    Line breaks and tabs become spaces; control and bidirectional-override characters become
    visible escapes (as on the terminal); `&`, `<`, `>` become HTML entities; markdown
    punctuation (including the table pipe) is backslash-escaped.
    """
    text = clean(_LINE_BREAK.sub(" ", text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], align: str, rows: list[list[str]]) -> list[str]:
    """A pipe table; `align` has one letter per column: l(eft), r(ight) or c(entre)."""
    rule = {"l": "---", "r": "---:", "c": ":---:"}
    return [_row(header), _row([rule[a] for a in align]), *(_row(r) for r in rows), ""]


def _studies(report: Report) -> list[str]:
    rows = []
    for study in report.studies:
        place = report.places.get(study.id)
        cited = "<br>".join(f"{escape(claim)}: {stance}" for claim, stance in place.cited
                            ) if place and place.cited else "–"
        rows.append([
            f"**{escape(study.id)}**", str(study.year), DESIGN_LABELS[study.design],
            POPULATION_LABELS[study.population], n_text(study),
            escape(report.substance_names(study)) or "none recorded",
            escape(dose_text(study)), DIRECTION_LABELS[study.direction],
            escape(study.finding or "not recorded"), cited,
        ])
    header = ["Study", "Year", "Design", "Population", "n", "Substance",
              "Dose (category: as reported)", "Direction", "Finding", "Cited by (stance)"]
    lines = _table(header, "lrllrlllll", rows)
    elsewhere = [(study.id, report.places[study.id].why) for study in report.studies
                 if study.id in report.places and report.places[study.id].why]
    if elsewhere:
        lines.extend(["Why studies of other conditions appear:", ""])
        lines.extend(f"- **{escape(study)}**: {escape(why or '')}" for study, why in elsewhere)
        lines.append("")
    return lines


def _registrations(studies: tuple[Study, ...]) -> list[str]:
    rows = []
    for study in studies:
        reg = study.registration
        rows.append([
            f"**{escape(study.registry or study.id)}** ({escape(study.id)})",
            escape(study.title),
            escape(reg.status_as_read if reg else study.status.value),
            escape((reg.completion if reg else None) or "not recorded"),
            escape(registration_enrolment(study)),
        ])
    return _table(["Trial", "Title", "Registry status", "Completion", "Enrolment"], "lllll",
                  rows)


def _claims(report: Report, group: ClaimGroup, notes: dict[str, int]) -> list[str]:
    if not group.claims:
        return ["No claim in the corpus is about this yet.", ""]
    rows = []
    for item in group.claims:
        claim, grade = item.claim, item.grade
        counted = (f"{len(grade.counted)}: " + ", ".join(escape(s) for s in grade.counted)
                   if grade.counted else "none")
        rows.append([
            f"“{escape(claim.statement)}” ({escape(claim.id)})", counted,
            report.participants(grade),
            f"{certainty_text(grade.certainty)}[^{notes[claim.id]}]", grade.verdict.value,
            escape(grade.statement),
        ])
    header = ["Claim", "Studies counted", "Participants", "Certainty", "Verdict",
              "What the evidence says"]
    claim_notes = [f"- **{escape(item.claim.id)}**: {escape(note)}" for item in group.claims
                   for note in item.claim.notes]
    return (_table(header, "llrlll", rows) + _findings(group)
            + (["Notes (what the sources got wrong, and context):", "", *claim_notes, ""]
               if claim_notes else []))


def _findings(group: ClaimGroup) -> list[str]:
    """The summary of findings: a row per outcome of each claim, with its effects as
    reported and the domains that moved its certainty."""
    rows = []
    for item in group.claims:
        for row in item.grade.outcomes:
            certainty = certainty_text(row.certainty) + (
                f" ({escape(row.downgrades)})" if row.downgrades else "")
            rows.append([escape(item.claim.id), escape(row.heading),
                         escape(row.participants_text),
                         "<br>".join(escape(effect) for effect in row.effects) or "none",
                         certainty, escape(row.statement)])
    if not rows:
        return []
    header = ["Claim", "Outcome", "Participants (studies)", "Effect as reported", "Certainty",
              "What happens"]
    return ["Summary of findings by outcome:", "", *_table(header, "llllll", rows)]


def _cell(gaps: GapMap, condition: str, column: str) -> str:
    cell = gaps.cells.get((condition, column))
    return "·" if cell is None else f"{cell.studies} {cell.best.symbols}"


def _gap_map(report: Report) -> list[str]:
    gaps = report.gap_map
    rows = []
    for condition in gaps.rows:
        depth = gaps.depth[condition.id]
        indent = "&emsp;" * (depth - 1) + "↳ " if depth else ""
        rows.append([indent + escape(condition.name),
                     *(_cell(gaps, condition.id, column) for column in gaps.columns)])
    header = ["Condition", *(column_label(c) for c in gaps.columns)]
    lines = [
        "Each cell: the number of studies, and the best certainty of any claim that counts "
        "them (◯◯◯◯: no graded claim counts them). · marks a gap: no study at all. "
        "A parent condition includes its sub-conditions (↳).",
        "",
    ]
    if not rows:
        return [*lines, "No condition in this report has a study.", ""]
    lines.extend(_table(header, "l" + "c" * len(gaps.columns), rows))
    if report.unmapped:
        lines.extend([
            f"Not in the map: {_count(len(report.unmapped))} of other conditions (see why "
            "they appear, under Studies): "
            + ", ".join(escape(s) for s in report.unmapped) + ".", ""])
    return lines


def _count(studies: int) -> str:
    return "1 study" if studies == 1 else f"{studies} studies"


def _reference(ref: Reference) -> str:
    study = ref.study
    parts = [f"- **{escape(study.id)}**:"]
    if ref.authors:
        parts.append(escape(ref.authors))
    parts.append(escape(study.title.rstrip(".")) + ".")
    if study.journal:
        parts.append(f"*{escape(study.journal.strip())}*.")
    parts.append(f"{study.year}.")
    labels = {"doi": "DOI", "pubmed": "PubMed", "registry": "Registry"}
    links = [f"{labels[link.kind]} [{escape(link.label)}]({link.url})" for link in ref.links]
    if study.registry and not any(link.kind == "registry" for link in ref.links):
        links.append(f"Registry {escape(study.registry)}")
    if links:
        parts.append(" · ".join(links))
    return " ".join(parts)


def render_markdown(report: Report) -> str:
    """The whole report as one markdown document (ends with a newline)."""
    info = report.info
    date = info.last_search.isoformat()
    lines = [
        f"# {escape(info.title)}",
        "",
        f"**{escape(report.heading)}** · corpus version {escape(info.version)} · "
        f"literature searched up to {date}",
        "",
        f"> **Not medical advice.** {NOT_MEDICAL_ADVICE}",
        "",
    ]
    if report.description:
        lines.extend([f"**About:** {escape(report.description)}", ""])
    if report.includes:
        lines.extend(["**Includes:** " + ", ".join(escape(n) for n in report.includes), ""])

    notes = {item.claim.id: number for number, item in enumerate(report.claims, 1)}
    count = len(report.claims)
    lines.extend([f"## Summary of findings ({count} claim{'' if count == 1 else 's'})", "",
                  f"**At a glance:** {report.at_a_glance()}", "",
                  "Certainty (GRADE) says how sure one can be that the studies show the true "
                  "effect, from High ⊕⊕⊕⊕ to Very low ⊕◯◯◯; the legend follows the tables.",
                  ""])
    for group in report.groups:
        lines.extend([f"### {escape(group.title)} ({len(group.claims)})", ""])
        lines.extend(_claims(report, group, notes))
    lines.extend(["### How to read the certainty", ""])
    lines.extend(_table(["Certainty", "What it means"], "ll", [
        [certainty_text(level), CERTAINTY_MEANING[level]] for level in reversed(Certainty)]))
    lines.extend(["Verdicts:", ""])
    lines.extend(f"- **{verdict.value}**: {meaning}." for verdict, meaning in
                 VERDICT_MEANING.items())
    lines.extend(["", "The footnote on each certainty lists every grading step and its reason.",
                  ""])

    lines.extend([f"## Studies ({len(report.studies)})", ""])
    lines.extend(_studies(report) if report.studies else ["None.", ""])
    if report.registrations:
        lines.extend([f"## Registered trials ({len(report.registrations)})", ""])
        lines.extend(_registrations(report.registrations))
    if report.reviews:
        lines.extend([f"## Reviews: context, not counted as evidence ({len(report.reviews)})",
                      ""])
        lines.extend(f"- **{escape(s.id)}** ({s.year}, {DESIGN_LABELS[s.design]}): "
                     f"{escape(s.title)}" for s in report.reviews)
        lines.append("")

    lines.extend(["## Evidence gap map: conditions × study design", ""])
    lines.extend(_gap_map(report))
    if report.gaps:
        lines.extend(["## Gaps", ""])
        lines.extend(f"- {escape(gap)}" for gap in report.gaps)
        lines.append("")

    if report.screening is not None:
        from painlit.render.prisma import markdown_lines

        lines.extend(["## How the studies were found (PRISMA 2020 flow, whole corpus)", ""])
        lines.extend(markdown_lines(report.screening))
    lines.extend([f"## References ({len(report.references)})", ""])
    lines.extend(_reference(ref) for ref in report.references)
    lines.extend([
        "",
        "---",
        "",
        f"Corpus: {escape(info.title)}, version {escape(info.version)}; literature searched "
        f"up to {date} with the query: {escape(info.search_query)}. Certainty is GRADE, "
        "computed by painlit from the reviewed corpus.",
        "",
    ])
    for item in report.claims:
        steps = " ".join(escape(step_text(step).rstrip(".")) + "." for step in item.grade.steps)
        lines.append(f"[^{notes[item.claim.id]}]: **{escape(item.claim.id)}**: {steps}")
    return "\n".join(lines).rstrip("\n") + "\n"
