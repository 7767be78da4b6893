"""`painlit report`: the whole corpus, or one condition, mechanism or source, as a document.

The report library and its renderers are imported inside the command body, so other commands
start without them.
"""


from typing import TYPE_CHECKING, Annotated

import typer

from painlit.commands.shared import (
    ConditionOption,
    JsonOption,
    LogOption,
    MechanismOption,
    command,
    completions,
    current_corpus,
    state,
    write_document,
)
from painlit.grading import grade_all

if TYPE_CHECKING:
    from painlit.screening import Flow

FORMATS = ("markdown", "html", "json")


@command
def report(
    condition: ConditionOption = None,
    mechanism: MechanismOption = None,
    source: Annotated[str | None, typer.Option(
        help="Report on the claims this source makes.", autocompletion=completions("sources"))
    ] = None,
    output_format: Annotated[str, typer.Option(
        "--format", help="markdown (GitHub/pandoc), html (one self-contained page) or json.")
    ] = "markdown",
    output: Annotated[str, typer.Option(
        "-o", "--output", help="File to write; '-' for stdout.")] = "-",
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the output file if it exists.")] = False,
    log: LogOption = None,
    json_output: JsonOption = False,
) -> None:
    """A report of the whole corpus (or one --condition, --mechanism or --source).

    Summary of findings with GRADE certainty and every reason, the studies, the evidence gap
    map and references with DOI, PubMed and registry links; with a screening log (--log, or
    screening.yaml beside the corpus), the PRISMA 2020 flow of how the studies were found.
    The file is written in one step; an existing file is replaced only with --force, and
    never the corpus itself.

    Example: painlit report --condition fibromyalgia --format html -o fibromyalgia.html
    """
    chosen = output_format.lower()
    if chosen == "md":
        chosen = "markdown"
    if json_output or state.json:
        chosen = "json"
    if chosen not in FORMATS:
        raise typer.BadParameter("expected markdown, html or json", param_hint="--format")
    named = [(kind, value) for kind, value in (("condition", condition),
                                               ("mechanism", mechanism), ("source", source))
             if value is not None]
    if len(named) > 1:
        raise typer.BadParameter("give at most one of --condition, --mechanism, --source",
                                 param_hint="--" + named[1][0])

    from painlit.query import resolve_condition, resolve_mechanism, resolve_source
    from painlit.report import Scope, ScopeKind, build_report

    corpus = current_corpus()
    scope = Scope()
    if named:
        kind, value = named[0]
        if kind == "condition":
            found = resolve_condition(corpus, value).id
        elif kind == "mechanism":
            found = resolve_mechanism(corpus, value).id
        else:
            found = resolve_source(corpus, value).id
        scope = Scope(ScopeKind(kind), found)
    built = build_report(corpus, grade_all(corpus), scope, _flow(corpus.path, log))
    if chosen == "markdown":
        from painlit.render.markdown import render_markdown

        text = render_markdown(built)
    elif chosen == "html":
        from painlit.render.html import render_html

        text = render_html(built)
    else:
        from painlit.render.jsondata import dumps, report_document

        text = dumps(report_document(built)) + "\n"
    write_document(text, output, force)


def _flow(corpus_path: str, log: str | None) -> "Flow | None":
    """The screening log's flow, when there is a log (an invalid one is an error)."""
    from painlit import screening

    path = screening.log_path(corpus_path, log)
    if not path.exists():  # no log (yet): a report without the flow
        return None
    return screening.flow(screening.read_log(path))
