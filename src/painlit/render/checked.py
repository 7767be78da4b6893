"""A checked article as a document: Markdown, or one self-contained HTML page.

Both show the article's readable text with its claim sentences marked and numbered, and each
claim sentence's finding (matched claims with certainty, verdict and hedged statement, why they
matched, what the wording overstates) beside the paragraph (HTML) or after the article
(Markdown). Every string from the article or the corpus is escaped for its format
(`painlit.render.markdown.escape`, `painlit.render.html.escape_html`); the HTML page makes no
network request and runs no script (its Content-Security-Policy allows only its own style).
"""

from __future__ import annotations

from collections.abc import Sequence

from painlit.article import Block
from painlit.factcheck import CheckResult, ClaimMatch, Finding
from painlit.grading import Verdict
from painlit.render.html import BASE_CSS, escape_html, style_hash
from painlit.render.markdown import escape
from painlit.report import certainty_text

NOTICE = ("painlit compares the article's sentences with published research, by written rules "
          "(docs/check.md). It does not recommend taking or avoiding any substance and does not "
          "replace the judgement of a clinician who knows the patient.")


def _summary(result: CheckResult) -> str:
    found = len(result.findings)
    return (f"{result.article.words} words, {len(result.article.sentences)} sentences, "
            f"{found} claim sentence{'' if found == 1 else 's'}: {result.overstated} "
            f"overstate the evidence, {result.unmatched} match no corpus claim.")


def _grade_words(match: ClaimMatch) -> str:
    if match.verdict is Verdict.NOT_GRADED:
        return "good practice statement (not graded)"
    return f"{certainty_text(match.certainty)} · {match.verdict.value}"


def _no_claim(finding: Finding) -> str:
    body = finding.body
    text = "No corpus claim covers this."
    if body is not None:
        described = body.describe()
        text += f" {described[0].upper()}{described[1:]}."
    return text


def _numbers(result: CheckResult) -> dict[int, int]:
    """Finding number (from 1) by sentence index."""
    return {finding.sentence.index: number
            for number, finding in enumerate(result.findings, 1)}


def _block_findings(result: CheckResult, block: Block) -> list[tuple[int, Finding]]:
    return [(number, finding) for number, finding in enumerate(result.findings, 1)
            if finding.sentence.block == block.index]


# -- Markdown ----------------------------------------------------------------------------------


def _marked_markdown(result: CheckResult, block: Block, numbers: dict[int, int]) -> str:
    pieces: list[str] = []
    at = 0
    for sentence in result.article.sentences:
        if sentence.block != block.index or sentence.index not in numbers:
            continue
        pieces.append(escape(block.text[at:sentence.start]))
        number = numbers[sentence.index]
        pieces.append(f"**{escape(sentence.text)}** [\\[{number}\\]](#finding-{number})")
        at = sentence.end
    pieces.append(escape(block.text[at:]))
    text = "".join(pieces)
    return f"**{text}**" if block.heading else text


def _finding_markdown(number: int, finding: Finding) -> list[str]:
    lines = [f'<a id="finding-{number}"></a>', "",
             f"### {number}. “{escape(finding.sentence.text)}”", "",
             f"- *Why a claim:* {escape(finding.why_claim)}"]
    for problem in finding.overstatements:
        lines.append(f"- **Overstates ({escape(problem.problem.value)}):** "
                     f"{escape(problem.message)}")
    for match in finding.matches:
        lines.append(f"- **{escape(match.claim)}**: {escape(_grade_words(match))}. "
                     f"{escape(match.hedged)} *Why matched:* {escape('; '.join(match.why))}")
    if not finding.matches:
        lines.append(f"- {escape(_no_claim(finding))}")
    lines.append("")
    return lines


def render_check_markdown(result: CheckResult) -> str:
    article = result.article
    numbers = _numbers(result)
    lines = [f"# painlit check: {escape(article.title or article.name)}", "",
             f"> **Not medical advice.** {escape(NOTICE)}", "",
             escape(_summary(result)), "",
             "## The article, its claim sentences marked", ""]
    for block in article.blocks:
        lines += [_marked_markdown(result, block, numbers), ""]
    lines += ["## Findings", ""]
    if not result.findings:
        lines += ["No sentence of this article makes a health claim painlit recognises.", ""]
    for number, finding in enumerate(result.findings, 1):
        lines += _finding_markdown(number, finding)
    lines += ["---", "",
              "Checked by painlit against its reviewed corpus: certainty is GRADE, computed "
              "from the corpus; the matching rules are in docs/check.md.", ""]
    return "\n".join(lines)


# -- HTML --------------------------------------------------------------------------------------

CSS = BASE_CSS + """\
:root{--mark:#fff1a8}
h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0 .4rem}
.row{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:0 1.5rem;\
border-top:1px solid var(--line);padding:.6rem 0}
.row p{margin:0}
.row.heading p{font-weight:700;font-size:1.1rem}
mark{background:var(--mark);color:inherit;padding:0 .1rem}
mark.over{background:#ffd8a8}
sup a{text-decoration:none;font-weight:700;padding:0 .15rem}
aside{font-size:.92rem}
.finding{border-left:4px solid var(--line);padding:.2rem .7rem;margin:0 0 .8rem}
.finding.over{border-left-color:var(--warn)}
.finding h2{font-size:.95rem;margin:0 0 .3rem}
.finding p,.finding ul{margin:.2rem 0}
.finding ul{padding-left:1.1rem}
.why{color:var(--muted);font-size:.85rem}
.problem{color:var(--warn);font-weight:600}
code{font-size:.9em}
@media (max-width:44rem){.row{grid-template-columns:1fr}aside{margin-top:.6rem}\
h1{font-size:1.35rem}}
"""
CSP = (f"default-src 'none'; style-src '{style_hash(CSS)}'; img-src 'none'; "
       "base-uri 'none'; form-action 'none'")


def _marked_html(result: CheckResult, block: Block, numbers: dict[int, int],
                 overstated: set[int]) -> str:
    pieces: list[str] = []
    at = 0
    for sentence in result.article.sentences:
        if sentence.block != block.index or sentence.index not in numbers:
            continue
        pieces.append(escape_html(block.text[at:sentence.start]))
        number = numbers[sentence.index]
        css = ' class="over"' if number in overstated else ""
        pieces.append(f'<mark id="s-{number}"{css}>{escape_html(sentence.text)}</mark>'
                      f'<sup><a href="#f-{number}" aria-label="finding {number}">{number}</a>'
                      "</sup>")
        at = sentence.end
    pieces.append(escape_html(block.text[at:]))
    return "".join(pieces)


def _match_html(match: ClaimMatch) -> str:
    if match.verdict is Verdict.NOT_GRADED:
        grade = '<span class="badge c0">good practice statement (not graded)</span>'
    else:
        grade = (f'<span class="badge c{int(match.certainty)}">'
                 f"{escape_html(certainty_text(match.certainty))}</span> "
                 f"{escape_html(match.verdict.value)}")
    return (f"<li><code>{escape_html(match.claim)}</code> {grade}<br>"
            f"{escape_html(match.hedged)}<br><span class=\"why\">Why matched: "
            f"{escape_html('; '.join(match.why))}</span></li>")


def _finding_html(number: int, finding: Finding) -> str:
    css = "finding over" if finding.overstated else "finding"
    items = [f'<li class="problem">Overstates ({escape_html(problem.problem.value)}): '
             f"{escape_html(problem.message)}</li>" for problem in finding.overstatements]
    items += [_match_html(match) for match in finding.matches]
    if not finding.matches:
        items.append(f"<li>{escape_html(_no_claim(finding))}</li>")
    return (f'<section class="{css}" id="f-{number}"><h2><a href="#s-{number}">Claim sentence '
            f"{number}</a></h2><p class=\"why\">Why a claim: {escape_html(finding.why_claim)}</p>"
            f"<ul>{''.join(items)}</ul></section>")


def _rows(result: CheckResult, blocks: Sequence[Block]) -> list[str]:
    numbers = _numbers(result)
    overstated = {number for number, finding in enumerate(result.findings, 1)
                  if finding.overstated}
    rows = []
    for block in blocks:
        found = _block_findings(result, block)
        aside = "".join(_finding_html(number, finding) for number, finding in found)
        css = "row heading" if block.heading else "row"
        rows.append(f'<div class="{css}"><p>{_marked_html(result, block, numbers, overstated)}'
                    f"</p><aside>{aside}</aside></div>")
    return rows


def render_check_html(result: CheckResult) -> str:
    """The checked article as one HTML page (ends with a newline)."""
    article = result.article
    title = article.title or article.name
    out = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="generator" content="painlit">',
        f"<title>painlit check · {escape_html(title)}</title>",
        f"<style>{CSS}</style>", "</head>", "<body>", "<header>",
        '<p class="kicker">painlit check</p>',
        f"<h1>{escape_html(title)}</h1>",
        f"<p>{escape_html(_summary(result))} Marked sentences make a health claim; the "
        "finding beside each says which graded corpus claims it matches, why, and what its "
        "wording overstates.</p>",
        f'<p class="notice" role="note"><strong>Not medical advice.</strong> '
        f"{escape_html(NOTICE)}</p>",
        "</header>", "<main>",
    ]
    out += _rows(result, article.blocks)
    if not result.findings:
        out.append("<p>No sentence of this article makes a health claim painlit "
                   "recognises.</p>")
    out += ["</main>",
            "<footer><p>Checked by painlit against its reviewed corpus. Certainty is GRADE, "
            "computed from the corpus; the matching rules are in docs/check.md. Not medical "
            "advice.</p></footer>", "</body>", "</html>", ""]
    return "\n".join(out)
