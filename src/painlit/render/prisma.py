"""The PRISMA 2020 flow diagram of a screening log: as text rows (terminal, markdown) and SVG.

Every number comes from `painlit.screening.Flow`; every label is painlit's own text or a count,
and the SVG escapes all of it anyway.
"""

from __future__ import annotations

from html import escape

from painlit.screening import ONE_STAGE_NOTE, Flow

#: (stage, label, count, depth): the diagram read top to bottom.
Row = tuple[str, str, int, int]


def rows(flow: Flow) -> list[Row]:
    """The diagram as rows: stage, label, number, indent level."""
    found: list[Row] = [("Identification", "Records identified", flow.total_identified, 0)]
    found += [("Identification", label, count, 1) for label, count in flow.identified.items()]
    found.append(("Identification", "Duplicates removed before screening", flow.duplicates, 0))
    found.append(("Screening", "Records screened", flow.screened, 0))
    found.append(("Screening", "Records excluded", sum(flow.excluded.values()), 0))
    found += [("Screening", label, count, 1) for label, count in flow.excluded.items()]
    found.append(("Screening", "Awaiting screening (pending)", flow.pending, 0))
    found.append(("Included", "Reports included", flow.included, 0))
    found.append(("Included", "Studies in the corpus they became", flow.studies, 0))
    return found


def text_lines(flow: Flow, width: int = 60) -> list[str]:
    """The diagram as plain lines no wider than `width` (dotted leaders to each number)."""
    lines: list[str] = []
    stage = ""
    for row_stage, label, count, depth in rows(flow):
        if row_stage != stage:
            stage = row_stage
            lines.append(stage)
        left = "  " * (depth + 1) + label + " "
        number = f" {count}"
        dots = max(1, width - len(left) - len(number))
        lines.append(left + "." * dots + number)
    return lines


def notes(flow: Flow) -> list[str]:
    """What a reader must know about the numbers."""
    found = [ONE_STAGE_NOTE]
    if flow.incomplete:
        found.append("Searches whose hits are not all in the log (fewer came back than were "
                     "counted, or they were not kept): " + ", ".join(flow.incomplete) + ".")
    return found


def markdown_lines(flow: Flow) -> list[str]:
    """The diagram as a markdown table (a row per box), then its notes."""
    lines = ["| Stage | Records | n |", "|---|---|--:|"]
    for stage, label, count, depth in rows(flow):
        shown = ("&nbsp;&nbsp;" * 2 * depth) + (label if depth else f"**{label}**")
        lines.append(f"| {stage} | {shown} | {count} |")
    lines.append("")
    lines.extend(f"- {note}" for note in notes(flow))
    lines.append("")
    return lines


_BOX_W, _SIDE_W, _GAP, _LINE, _PAD = 250, 250, 40, 18, 10


def _box(x: int, y: int, width: int, lines: list[str], css: str) -> tuple[str, int]:
    height = _PAD * 2 + _LINE * len(lines)
    strong = ' class="strong"'
    text = "".join(
        f'<text x="{x + _PAD}" y="{y + _PAD + _LINE * (i + 1) - 5}"'
        f'{strong if i == 0 else ""}>{escape(line)}</text>'
        for i, line in enumerate(lines))
    return (f'<rect class="{css}" x="{x}" y="{y}" width="{width}" height="{height}" rx="4"/>'
            + text), height


def svg(flow: Flow) -> str:
    """The PRISMA 2020 flow as an SVG figure: the main boxes down the left, what leaves the
    flow at each step on the right, with arrows."""
    main_x, side_x = 10, 10 + _BOX_W + _GAP
    parts: list[str] = []
    y = 10
    identified = [f"Records identified: {flow.total_identified}"] + [
        f"  {label}: {count}" for label, count in flow.identified.items()]
    excluded = [f"Records excluded: {sum(flow.excluded.values())}"] + [
        f"  {label}: {count}" for label, count in flow.excluded.items()]
    steps: list[tuple[list[str], list[list[str]]]] = [
        (identified, [[f"Duplicates removed: {flow.duplicates}"]]),
        ([f"Records screened: {flow.screened}"],
         [excluded, [f"Awaiting screening: {flow.pending}"]]),
        ([f"Reports included: {flow.included}", f"Studies in the corpus: {flow.studies}"], []),
    ]
    for index, (main, sides) in enumerate(steps):
        box, height = _box(main_x, y, _BOX_W, main, "main")
        parts.append(box)
        side_y = y
        for number, side in enumerate(sides):
            side_box, side_height = _box(side_x, side_y, _SIDE_W, side, "side")
            parts.append(side_box)
            if number == 0:
                middle = y + min(height, side_height) // 2
                parts.append(f'<line x1="{main_x + _BOX_W}" y1="{middle}" x2="{side_x - 4}" '
                             f'y2="{middle}" marker-end="url(#arrow)"/>')
            side_y += side_height + _GAP // 4
        bottom = max(y + height, side_y - _GAP // 4)
        if index < len(steps) - 1:
            parts.append(f'<line x1="{main_x + _BOX_W // 2}" y1="{y + height}" '
                         f'x2="{main_x + _BOX_W // 2}" y2="{bottom + _GAP - 4}" '
                         'marker-end="url(#arrow)"/>')
        y = bottom + _GAP
    total_w, total_h = side_x + _SIDE_W + 10, y - _GAP + 10
    summary = (f"PRISMA 2020 flow: {flow.total_identified} records identified, "
               f"{flow.duplicates} duplicates removed, {flow.screened} screened, "
               f"{sum(flow.excluded.values())} excluded, {flow.pending} awaiting screening, "
               f"{flow.included} reports included ({flow.studies} studies).")
    return (
        f'<svg class="prisma" viewBox="0 0 {total_w} {total_h}" role="img" '
        f'aria-label="{escape(summary)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(summary)}</title>"
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/>'
        "</marker></defs>" + "".join(parts) + "</svg>")
