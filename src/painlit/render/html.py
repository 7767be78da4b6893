"""The report as one self-contained HTML page: inline CSS and JS, an inline SVG gap map.

The page makes no network request: no external stylesheet, script, font or image. Its
Content-Security-Policy allows nothing but the page's own <style> and <script>, named by their
SHA-256 hashes rather than 'unsafe-inline': if corpus text ever slipped past the escaping, an
injected script or style would still not run. Every string from the corpus passes through `_h`
(html.escape after making control and bidirectional-override characters visible); every
attribute value is double-quoted. The study tables sort when a heading is clicked (small inline
JS); without JS they are ordinary tables, newest study first.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import textwrap
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from painlit.screening import Flow

# Certainty colours: one blue hue, lighter for less certainty, so the order reads without
# colour vision too; the symbols and counts are always written beside the colour.
FILL = {
    Certainty.NO_EVIDENCE: "#eceef1",
    Certainty.VERY_LOW: "#c6dbef",
    Certainty.LOW: "#85bcdc",
    Certainty.MODERATE: "#3a87c0",
    Certainty.HIGH: "#17508f",
}
INK = {level: "#ffffff" if level >= Certainty.MODERATE else "#1f2328" for level in Certainty}
GAP_FILL = "#ffffff"

#: The rules every painlit page shares (the report, a checked article): colours, type, the
#: page frame, the not-medical-advice notice and the certainty badges.
BASE_CSS = """\
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--accent:#0550ae;\
--warn:#9a3412;--warnbg:#fff4e5}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",\
"DejaVu Sans",sans-serif;color:var(--ink);background:#fff;overflow-wrap:break-word}
header,main,footer{max-width:75rem;margin:0 auto;padding:0 1rem}
.kicker{margin:1rem 0 0;color:var(--muted);font-size:.85rem;text-transform:uppercase;\
letter-spacing:.06em}
.notice{border:2px solid var(--warn);background:var(--warnbg);border-radius:6px;\
padding:.6rem .9rem;margin:1rem 0}
.notice strong{color:var(--warn)}
a{color:var(--accent)}
.badge{display:inline-block;white-space:nowrap;border-radius:4px;padding:0 .4rem;font-weight:600}
.c0{background:#eceef1}.c1{background:#c6dbef}.c2{background:#85bcdc}
.c3{background:#3a87c0;color:#fff}.c4{background:#17508f;color:#fff}
footer{color:var(--muted);font-size:.9rem;border-top:1px solid var(--line);margin-top:2.5rem;\
padding-bottom:2rem}
"""

CSS = BASE_CSS + """\
h1{font-size:1.65rem;line-height:1.25;margin:.2rem 0 .4rem}
h2{font-size:1.35rem;line-height:1.3;margin:2.2rem 0 .6rem;padding-bottom:.25rem;\
border-bottom:1px solid var(--line)}
h3{font-size:1.1rem;margin:1.5rem 0 .5rem}
.meta{color:var(--muted);margin:.2rem 0}
nav ul{list-style:none;padding:0;margin:.6rem 0 0;display:flex;flex-wrap:wrap;gap:.2rem 1.2rem}
.scroll{overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.94rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .55rem;border-bottom:1px solid var(--line)}
thead th{background:var(--soft);font-weight:600;white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:600;white-space:nowrap}
.glance{font-size:1.05rem;border-left:4px solid var(--accent);padding:.2rem .8rem}
table.findings td:first-child{min-width:14rem}
table.findings td:last-child{min-width:14rem}
ol.notes li.zero{color:var(--muted)}
.sub{display:block;color:var(--muted);font-size:.86rem}
sup a{text-decoration:none;padding:0 .15rem}
.legend{display:grid;grid-template-columns:max-content 1fr;gap:.3rem .8rem;margin:.6rem 0 1rem}
.legend dt{margin:0}.legend dd{margin:0}
a.sid{display:inline-block;max-width:100%}
.narrow-only{display:none}
ol.notes li,ol.refs li{margin:.35rem 0}
ol.notes ul{margin:.2rem 0;padding-left:1.2rem}
button.sort{font:inherit;font-weight:600;color:inherit;background:none;border:0;padding:0;\
cursor:pointer;text-align:left}
button.sort::after{content:" \\2195";color:var(--muted)}
th[aria-sort=ascending] button.sort::after{content:" \\25B2"}
th[aria-sort=descending] button.sort::after{content:" \\25BC"}
button.sort:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
figure{margin:0}
figcaption{color:var(--muted);font-size:.9rem}
.prisma{max-width:34rem;width:100%;height:auto}
.prisma rect{fill:#fff;stroke:var(--line)}.prisma rect.main{stroke:var(--accent)}
.prisma text{font-size:13px;fill:var(--ink)}.prisma text.strong{font-weight:600}
.prisma line{stroke:var(--muted)}.prisma marker path{fill:var(--muted)}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",\
sans-serif}
details{margin:.5rem 0 1rem}
summary{cursor:pointer;color:var(--accent)}
@media (max-width:44rem){
h1{font-size:1.4rem}
.legend{grid-template-columns:1fr;gap:.1rem}.legend dd{margin-bottom:.5rem}
.narrow-only{display:block}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards thead{display:block}
table.cards thead tr{display:flex;flex-wrap:wrap;gap:.3rem}
table.cards thead th{border:1px solid var(--line);border-radius:4px;padding:.15rem .5rem}
table.cards:not(.sortable) thead{position:absolute;width:1px;height:1px;overflow:hidden;\
clip-path:inset(50%)}
table.cards tr{border:1px solid var(--line);border-radius:6px;margin:.6rem 0;padding:.3rem 0}
table.cards td{border:0;padding:.2rem .7rem}
table.cards td::before{content:attr(data-label);display:block;font-size:.78rem;\
color:var(--muted);font-weight:600}
table.cards td.num{text-align:left}
}
@media print{.scroll{overflow:visible}nav{display:none}}
"""

JS = """\
(function () {
  "use strict";
  function key(cell) {
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim().toLowerCase() : value;
  }
  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    if (String(x) === a && String(y) === b) { return x - y; }
    return a.localeCompare(b);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          var order = compare(key(r.cells[index]), key(s.cells[index]));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (element) {
    element.hidden = false;
  });
}());
"""


def style_hash(text: str) -> str:
    """A Content-Security-Policy source naming an inline style or script by its SHA-256."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


CSP = (f"default-src 'none'; style-src '{style_hash(CSS)}'; script-src '{style_hash(JS)}'; "
       "img-src 'none'; base-uri 'none'; form-action 'none'")


_LINE_BREAK = re.compile(r"\r\n|[\r\n\t]")


def escape_html(text: str) -> str:
    """Corpus or article text as HTML text or a double-quoted attribute value, on one line."""
    return html.escape(clean(_LINE_BREAK.sub(" ", text)), quote=True)


_h = escape_html


def _td(label: str, content: str, css: str = "", sort: str | None = None) -> str:
    attributes = f' data-label="{_h(label)}"'
    if css:
        attributes += f' class="{css}"'
    if sort is not None:
        attributes += f' data-sort="{_h(sort)}"'
    return f"<td{attributes}>{content}</td>"


def _badge(level: Certainty) -> str:
    return f'<span class="badge c{int(level)}">{_h(certainty_text(level))}</span>'


def _study_link(study_id: str) -> str:
    return f'<a class="sid" href="#study-{_h(study_id)}">{_h(study_id)}</a>'


def _table(css: str, headers: list[tuple[str, str]], rows: list[str], label: str) -> str:
    head = "".join(f'<th scope="col" class="{css_class}">{_h(text)}</th>' if css_class
                   else f'<th scope="col">{_h(text)}</th>' for text, css_class in headers)
    return (f'<div class="scroll"><table class="{css}" aria-label="{_h(label)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _claims(report: Report, group: ClaimGroup, notes: dict[str, int]) -> str:
    if not group.claims:
        return "<p>No claim in the corpus is about this yet.</p>"
    rows = []
    for item in group.claims:
        claim, grade = item.claim, item.grade
        number = notes[claim.id]
        counted = (f"{len(grade.counted)}: " + ", ".join(_study_link(s) for s in grade.counted)
                   if grade.counted else "none")
        rows.append("<tr>" + "".join([
            _td("Claim", f"“{_h(claim.statement)}”<span class=\"sub\">{_h(claim.id)}</span>"),
            _td("Studies counted", counted),
            _td("Participants", _h(report.participants(grade)), "num"),
            _td("Certainty", _badge(grade.certainty)
                + f'<sup><a href="#why-{number}" id="see-why-{number}" '
                  f'aria-label="why: note {number}">[{number}]</a></sup>'),
            _td("Verdict", f'<span class="verdict">{_h(grade.verdict.value)}</span>'),
            _td("What the evidence says", _h(grade.statement)),
        ]) + "</tr>")
    headers = [("Claim", ""), ("Studies counted", ""), ("Participants", "num"),
               ("Certainty", ""), ("Verdict", ""), ("What the evidence says", "")]
    claim_notes = "".join(f"<li><strong>{_h(item.claim.id)}</strong>: {_h(note)}</li>"
                          for item in group.claims for note in item.claim.notes)
    return (_table("cards findings", headers, rows, group.title) + _outcomes(group)
            + ('<p class="sub">Notes (what the sources got wrong, and context):</p>'
               f'<ul class="claim-notes">{claim_notes}</ul>' if claim_notes else ""))


def _outcomes(group: ClaimGroup) -> str:
    """The summary of findings: a row per outcome of each claim, with its effects as
    reported and the domains that moved its certainty."""
    rows = []
    for item in group.claims:
        for row in item.grade.outcomes:
            effects = "".join(f"<div>{_h(effect)}</div>" for effect in row.effects) or "none"
            why = f'<span class="sub">{_h(row.downgrades)}</span>' if row.downgrades else ""
            rows.append("<tr>" + "".join([
                _td("Claim", _h(item.claim.id)), _td("Outcome", _h(row.heading)),
                _td("Participants (studies)", _h(row.participants_text)),
                _td("Effect as reported", effects),
                _td("Certainty", _badge(row.certainty) + why),
                _td("What happens", _h(row.statement)),
            ]) + "</tr>")
    if not rows:
        return ""
    headers = [("Claim", ""), ("Outcome", ""), ("Participants (studies)", ""),
               ("Effect as reported", ""), ("Certainty", ""), ("What happens", "")]
    return ("<p><strong>Summary of findings by outcome</strong></p>"
            + _table("cards outcomes", headers, rows, f"{group.title}: by outcome"))


def _why(report: Report, notes: dict[str, int]) -> str:
    items = []
    for item in report.claims:
        number = notes[item.claim.id]
        steps = "".join(
            f'<li class="zero">{_h(step_text(step))}</li>' if step.domain and not step.change
            else f"<li>{_h(step_text(step))}</li>" for step in item.grade.steps)
        items.append(f'<li id="why-{number}"><strong>{_h(item.claim.id)}</strong>: '
                     f"{_badge(item.grade.certainty)} <ul>{steps}</ul>"
                     f'<a href="#see-why-{number}">back to the table</a></li>')
    return f'<ol class="notes">{"".join(items)}</ol>'


def _studies(report: Report) -> str:
    rows = []
    for study in report.studies:
        rows.append("<tr>" + "".join([
            _td("Study", f"<strong>{_study_link(study.id)}</strong>"
                f'<span class="sub">{_h(study.title)}</span>'
                f"<details><summary>Finding, and the claims citing it</summary>"
                f"<p>{_h(study.finding or 'Finding not recorded.')}</p>"
                f"{_cited(report, study.id)}</details>", sort=study.id),
            _td("Year", str(study.year), "num"),
            _td("Design", _h(DESIGN_LABELS[study.design])),
            _td("Population", _h(POPULATION_LABELS[study.population])),
            _td("n", _h(n_text(study)), "num",
                sort=str(study.n) if study.n is not None else "-1"),
            _td("Substance", _h(report.substance_names(study)) or "none recorded"),
            _td("Dose", _h(dose_text(study))),
            _td("Direction", _h(DIRECTION_LABELS[study.direction])),
        ]) + "</tr>")
    headers = [("Study", ""), ("Year", "num"), ("Design", ""), ("Population", ""),
               ("n", "num"), ("Substance", ""), ("Dose (category: as reported)", ""),
               ("Direction", "")]
    elsewhere = "".join(
        f"<li>{_study_link(study.id)}: {_h(report.places[study.id].why or '')}</li>"
        for study in report.studies
        if study.id in report.places and report.places[study.id].why)
    return (_table("sortable cards studies", headers, rows, "Studies")
            + (f"<h3>Why studies of other conditions appear</h3><ul>{elsewhere}</ul>"
               if elsewhere else ""))


def _cited(report: Report, study_id: str) -> str:
    place = report.places.get(study_id)
    if place is None or not place.cited:
        return "<p>No claim of this report cites it.</p>"
    items = "".join(f"<li>{_h(claim)}: {_h(stance)}</li>" for claim, stance in place.cited)
    return f'<ul class="cited">{items}</ul>'



def _registrations(studies: tuple[Study, ...]) -> str:
    rows = []
    for study in studies:
        reg = study.registration
        rows.append("<tr>" + "".join([
            _td("Trial", f"<strong>{_study_link(study.id)}</strong>"
                f'<span class="sub">{_h(study.registry or "")}</span>', sort=study.id),
            _td("Title", _h(study.title)),
            _td("Registry status", _h(reg.status_as_read if reg else study.status.value)),
            _td("Completion", _h((reg.completion if reg else None) or "not recorded")),
            _td("Enrolment", _h(registration_enrolment(study)), "num",
                sort=str(reg.enrolment) if reg and reg.enrolment is not None else "-1"),
        ]) + "</tr>")
    headers = [("Trial", ""), ("Title", ""), ("Registry status", ""), ("Completion", ""),
               ("Enrolment", "num")]
    return _table("sortable cards", headers, rows, "Registered trials")


# --- the gap map as an SVG picture ----------------------------------------------------------

CELL_W, CELL_H, HEADER_H, LABEL_LINE = 48, 36, 118, 20


def _label_lines(text: str) -> list[str]:
    """A condition name in at most two lines of about LABEL_LINE characters."""
    lines = textwrap.wrap(text, LABEL_LINE, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: LABEL_LINE - 1].rstrip() + "…"]
    return lines


def _cell_words(gaps: GapMap, condition: str, name: str, column: str) -> str:
    cell = gaps.cells.get((condition, column))
    where = f"{name} × {column_label(column)}"
    if cell is None:
        return f"{where}: no study (a gap)"
    studies = "1 study" if cell.studies == 1 else f"{cell.studies} studies"
    if cell.best is Certainty.NO_EVIDENCE:
        return f"{where}: {studies}; no graded claim counts them"
    return f"{where}: {studies}; best certainty {cell.best.label} ({cell.best.symbols})"


def gap_map_svg(gaps: GapMap) -> str:
    """Conditions × design as an accessible SVG picture: colour, count and symbols per cell."""
    depth = gaps.depth
    label_w = max([120] + [int(7.4 * (max(map(len, _label_lines(r.name))) + 2))
                           + 14 * depth[r.id] + 8 for r in gaps.rows])
    width = label_w + CELL_W * len(gaps.columns) + 96
    top = HEADER_H
    legend_y = top + CELL_H * len(gaps.rows) + 26
    keys = [(GAP_FILL, "·", "No study (a gap)"),
            (FILL[Certainty.NO_EVIDENCE], "", "Studies, but no graded claim counts them")]
    keys += [(FILL[level], "", f"Best certainty {level.label} {level.symbols}")
             for level in (Certainty.VERY_LOW, Certainty.LOW, Certainty.MODERATE,
                           Certainty.HIGH)]
    per_row = max(1, (width - 16) // 300)
    height = legend_y + 26 * ((len(keys) + per_row - 1) // per_row) + 8
    with_studies = len(gaps.cells)
    parts = [
        f'<svg role="img" aria-labelledby="map-title map-desc" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" class="gap-map">',
        '<title id="map-title">Evidence gap map: conditions by study design</title>',
        f'<desc id="map-desc">{len(gaps.rows)} conditions by {len(gaps.columns)} study '
        f"designs; {with_studies} cells hold studies, the rest are gaps. Each cell shows the "
        "number of studies and is shaded by the best certainty of any claim that counts them; "
        "the same map follows as a table.</desc>",
    ]
    for index, column in enumerate(gaps.columns):
        x = label_w + CELL_W * index + CELL_W // 2
        parts.append(f'<text x="{x}" y="{top - 8}" font-size="12" fill="#1f2328" '
                     f'transform="rotate(-40 {x} {top - 8})">{_h(column_label(column))}</text>')
    for row_index, condition in enumerate(gaps.rows):
        y = top + CELL_H * row_index
        level = depth[condition.id]
        lines = _label_lines(condition.name)
        lines[0] = ("↳ " if level else "") + lines[0]
        weight = ' font-weight="600"' if level == 0 else ""
        first = y + CELL_H // 2 + 5 - (7 if len(lines) > 1 else 0)
        spans = "".join(
            f'<tspan x="{6 + 14 * level + (14 if level and number else 0)}" '
            f'y="{first + 14 * number}">{_h(line)}</tspan>' for number, line in enumerate(lines))
        stripe = "#f6f8fa" if row_index % 2 == 0 else "#ffffff"
        parts.append(f'<rect x="0" y="{y}" width="{label_w}" height="{CELL_H}" '
                     f'fill="{stripe}"/>')
        parts.append(f'<text font-size="13" fill="#1f2328"{weight}>'
                     f"<title>{_h(condition.name)}</title>{spans}</text>")
        for index, column in enumerate(gaps.columns):
            x = label_w + CELL_W * index
            cell = gaps.cells.get((condition.id, column))
            words = _h(_cell_words(gaps, condition.id, condition.name, column))
            parts.append(f"<g><title>{words}</title>")
            fill = GAP_FILL if cell is None else FILL[cell.best]
            parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{CELL_W - 2}" '
                         f'height="{CELL_H - 2}" rx="3" fill="{fill}" stroke="#d0d7de"/>')
            middle = x + CELL_W // 2
            if cell is None:
                parts.append(f'<text x="{middle}" y="{y + CELL_H // 2 + 5}" font-size="14" '
                             'text-anchor="middle" fill="#8c959f">·</text>')
            else:
                ink = INK[cell.best]
                parts.append(f'<text x="{middle}" y="{y + 16}" font-size="13" font-weight="700"'
                             f' text-anchor="middle" fill="{ink}">{cell.studies}</text>')
                parts.append(f'<text x="{middle}" y="{y + 29}" font-size="9" '
                             f'text-anchor="middle" fill="{ink}">{cell.best.symbols}</text>')
            parts.append("</g>")
    for index, (fill, mark, words) in enumerate(keys):
        x = 8 + 300 * (index % per_row)
        y = legend_y + 26 * (index // per_row)
        parts.append(f'<rect x="{x}" y="{y - 13}" width="18" height="18" rx="3" fill="{fill}" '
                     'stroke="#d0d7de"/>')
        if mark:
            parts.append(f'<text x="{x + 9}" y="{y + 1}" font-size="13" text-anchor="middle" '
                         f'fill="#8c959f">{mark}</text>')
        parts.append(f'<text x="{x + 26}" y="{y + 1}" font-size="12" fill="#1f2328">'
                     f"{_h(words)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _gap_table(gaps: GapMap) -> str:
    rows = []
    for condition in gaps.rows:
        level = gaps.depth[condition.id]
        cells = []
        for column in gaps.columns:
            cell = gaps.cells.get((condition.id, column))
            text = "·" if cell is None else f"{cell.studies} {cell.best.symbols}"
            cells.append(f'<td class="num">{_h(text)}</td>')
        name = ("↳ " * min(level, 1)) + condition.name
        rows.append(f'<tr><th scope="row">{"&emsp;" * max(level - 1, 0)}{_h(name)}</th>'
                    f"{''.join(cells)}</tr>")
    headers = [("Condition", ""), *((column_label(c), "num") for c in gaps.columns)]
    return _table("gap-table", headers, rows, "Evidence gap map as a table")


def _gap_section(report: Report) -> str:
    gaps = report.gap_map
    parts = ['<section id="map"><h2>Evidence gap map: conditions × study design</h2>',
             "<p>Each cell shows the number of studies and is shaded by the best certainty of "
             "any claim that counts them. A white cell with a dot is a gap: no study at all. "
             "A parent condition includes its sub-conditions (↳).</p>"]
    if gaps.rows:
        parts.append('<p class="narrow-only"><strong>Swipe sideways</strong> to see every '
                     "design, or open the table below the map.</p>")
        parts.append(f'<figure><div class="scroll">{gap_map_svg(gaps)}</div>'
                     "<figcaption>Point at a cell to see its description.</figcaption>"
                     "</figure>")
        parts.append(f"<details><summary>The map as a table</summary>{_gap_table(gaps)}"
                     "</details>")
    else:
        parts.append("<p>No condition in this report has a study.</p>")
    if report.unmapped:
        count = len(report.unmapped)
        parts.append(f"<p>Not in the map: {count} stud{'y' if count == 1 else 'ies'} of "
                     "other conditions (see why they appear, under Studies): "
                     + ", ".join(_study_link(s) for s in report.unmapped) + ".</p>")
    parts.append("</section>")
    return "".join(parts)


# --- references and the page ----------------------------------------------------------------

_LINK_LABELS = {"doi": "DOI", "pubmed": "PubMed", "registry": "Registry"}


def _reference(ref: Reference) -> str:
    study = ref.study
    parts = [f'<li id="study-{_h(study.id)}"><strong>{_h(study.id)}</strong>: ']
    if ref.authors:
        parts.append(_h(ref.authors) + " ")
    parts.append(_h(study.title.rstrip(".")) + ". ")
    if study.journal:
        parts.append(f"<i>{_h(study.journal.strip())}</i>. ")
    parts.append(f"{study.year}.")
    links = [f'{_LINK_LABELS[link.kind]} <a href="{_h(link.url)}" rel="noreferrer">'
             f"{_h(link.label)}</a>" for link in ref.links]
    if study.registry and not any(link.kind == "registry" for link in ref.links):
        links.append(f"Registry {_h(study.registry)}")
    if links:
        parts.append(" " + " · ".join(links))
    parts.append("</li>")
    return "".join(parts)


def _screening_section(flow: Flow) -> str:
    """The PRISMA 2020 flow of the screening log, as a figure and its notes."""
    from painlit.render.prisma import notes, svg

    items = "".join(f"<li>{_h(note)}</li>" for note in notes(flow))
    return ('<section id="screening"><h2>How the studies were found (PRISMA 2020 flow, whole '
            f'corpus)</h2><figure><div class="scroll">{svg(flow)}</div></figure>'
            f"<ul>{items}</ul></section>")


def _legend() -> str:
    rows = "".join(f"<dt>{_badge(level)}</dt><dd>{_h(CERTAINTY_MEANING[level])}</dd>"
                   for level in reversed(Certainty))
    verdicts = "".join(f"<li><strong>{_h(verdict.value)}</strong>: {_h(meaning)}</li>"
                       for verdict, meaning in VERDICT_MEANING.items())
    return (f'<h3 id="legend">How to read the certainty</h3><dl class="legend">{rows}</dl>'
            f"<p>Verdicts:</p><ul>{verdicts}</ul>"
            "<p>The note beside each certainty lists every grading step and its reason.</p>")


def render_html(report: Report) -> str:
    """The whole report as one HTML page (ends with a newline)."""
    info = report.info
    date = info.last_search.isoformat()
    notes = {item.claim.id: number for number, item in enumerate(report.claims, 1)}
    sections = [("findings", "Summary of findings"), ("studies", "Studies")]
    if report.registrations:
        sections.append(("registrations", "Registered trials"))
    if report.reviews:
        sections.append(("reviews", "Reviews"))
    sections.append(("map", "Gap map"))
    if report.gaps:
        sections.append(("gaps", "Gaps"))
    if report.screening is not None:
        sections.append(("screening", "How studies were found"))
    sections.append(("references", "References"))
    nav = "".join(f'<li><a href="#{key}">{_h(name)}</a></li>' for key, name in sections)

    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="generator" content="painlit">',
        f"<title>{_h(report.heading)} · {_h(info.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        '<p class="kicker">painlit evidence report</p>',
        f"<h1>{_h(info.title)}</h1>",
        f'<p class="meta"><strong>{_h(report.heading)}</strong> · corpus version '
        f"{_h(info.version)} · literature searched up to {date}</p>",
        f'<p class="notice" role="note"><strong>Not medical advice.</strong> '
        f"{_h(NOT_MEDICAL_ADVICE)}</p>",
        f'<nav aria-label="Contents"><ul>{nav}</ul></nav>',
        "</header>",
        "<main>",
    ]
    if report.description:
        out.append(f"<p><strong>About:</strong> {_h(report.description)}</p>")
    if report.includes:
        out.append("<p><strong>Includes:</strong> "
                   + ", ".join(_h(name) for name in report.includes) + "</p>")

    count = len(report.claims)
    out.append(f'<section id="findings"><h2>Summary of findings ({count} '
               f"claim{'' if count == 1 else 's'})</h2>")
    out.append(f'<p class="glance"><strong>At a glance:</strong> {_h(report.at_a_glance())}'
               "</p><p>Certainty (GRADE) says how sure one can be that the studies show the "
               "true effect, from High ⊕⊕⊕⊕ to Very low ⊕◯◯◯: see "
               '<a href="#legend">how to read the certainty</a>.</p>')
    for group in report.groups:
        out.append(f"<h3>{_h(group.title)} ({len(group.claims)})</h3>")
        out.append(_claims(report, group, notes))
    out.append(_legend())
    if report.claims:
        out.append('<h3 id="why">Why each certainty</h3>')
        out.append(_why(report, notes))
    out.append("</section>")

    out.append(f'<section id="studies"><h2>Studies ({len(report.studies)})</h2>')
    if report.studies:
        out.append('<p class="js-only" hidden>Select a column heading to sort the table.</p>')
        out.append(_studies(report))
    else:
        out.append("<p>None.</p>")
    out.append("</section>")
    if report.registrations:
        out.append(f'<section id="registrations"><h2>Registered trials '
                   f"({len(report.registrations)})</h2>{_registrations(report.registrations)}"
                   "</section>")
    if report.reviews:
        items = "".join(
            f"<li>{_study_link(s.id)} ({s.year}, {_h(DESIGN_LABELS[s.design])}): "
            f"{_h(s.title)}</li>" for s in report.reviews)
        out.append(f'<section id="reviews"><h2>Reviews: context, not counted as evidence '
                   f"({len(report.reviews)})</h2><ul>{items}</ul></section>")
    out.append(_gap_section(report))
    if report.gaps:
        items = "".join(f"<li>{_h(gap)}</li>" for gap in report.gaps)
        out.append(f'<section id="gaps"><h2>Gaps</h2><ul>{items}</ul></section>')
    if report.screening is not None:
        out.append(_screening_section(report.screening))
    refs = "".join(_reference(ref) for ref in report.references)
    out.append(f'<section id="references"><h2>References ({len(report.references)})</h2>'
               f'<ol class="refs">{refs}</ol></section>')
    out.extend([
        "</main>",
        f"<footer><p>Corpus: {_h(info.title)}, version {_h(info.version)}; literature "
        f"searched up to {date} with the query: {_h(info.search_query)}.</p>"
        "<p>Certainty is GRADE, computed by painlit from the reviewed corpus. "
        "Not medical advice.</p></footer>",
        f"<script>{JS}</script>",
        "</body>",
        "</html>",
        "",
    ])
    return "\n".join(out)
