"""`painlit check`: an article's claim sentences, matched to the graded corpus.

The article reader, the matcher and the renderers are imported inside the command body, so
other commands start without them.
"""


import os
import stat
import sys
from typing import Annotated

import typer

from painlit.commands.session import (
    BudgetOption,
    DeadlineOption,
    NoCacheOption,
    RefreshOption,
    online_session,
)
from painlit.commands.shared import (
    JsonOption,
    LimitOption,
    command,
    current_corpus,
    rows,
    show,
    state,
    write_document,
)
from painlit.errors import ArticleError, ChangesFound
from painlit.grading import grade_all

FORMATS = ("terminal", "markdown", "html", "json")


#: `--fail-on` values. A plain string option, not an Enum: Typer builds Enum options through
#: pydantic, whose import alone costs about 0.1 s of start-up.
FAIL_ON = ("never", "overstated", "unmatched")


def _read(path: str) -> tuple[bytes, str]:
    """The article's bytes and the name to show, from a file or stdin ('-')."""
    from painlit.article import MAX_ARTICLE_BYTES

    if path == "-":
        data = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
        return data, "standard input"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ArticleError(f"no such file: {path}",
                           hint="give the path of a saved article, '-' for standard input, "
                           "or an https:// address") from None
    except OSError as error:
        raise ArticleError(f"cannot read {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ArticleError(f"{path} is a directory", hint="give one article file")
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_ARTICLE_BYTES:
        raise ArticleError(
            f"{path} is larger than {MAX_ARTICLE_BYTES // (1024 * 1024)} MB; "
            "that is not one article", hint="save just the article (its text or its page)")
    try:
        with open(path, "rb") as stream:
            return stream.read(MAX_ARTICLE_BYTES + 1), path
    except OSError as error:
        raise ArticleError(f"cannot read {path}: {error.strerror}") from None


@command
def check(
    article: Annotated[str, typer.Argument(
        help="Article to check: a text, Markdown or HTML file, '-' for standard input, or an "
        "https:// address (fetched through the online layer).", metavar="PATH|URL")],
    output_format: Annotated[str, typer.Option(
        "--format", help="terminal, markdown, html (one self-contained page) or json.")
    ] = "terminal",
    kind: Annotated[str | None, typer.Option(
        "--as", help="Read the article as text, markdown or html (default: guessed from the "
        "name and content).", show_default=False)] = None,
    fail_on: Annotated[str, typer.Option(
        "--fail-on", help="never; overstated: exit 1 when a claim sentence overstates the "
        "evidence; unmatched: exit 1 when one matches no corpus claim.")] = "never",
    output: Annotated[str, typer.Option(
        "-o", "--output", help="File to write; '-' for stdout.")] = "-",
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the output file if it exists.")] = False,
    no_cache: NoCacheOption = False,
    refresh: RefreshOption = False,
    deadline: DeadlineOption = None,
    budget: BudgetOption = None,
    limit: LimitOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check an article's health claims against the graded evidence.

    Finds the sentences that make a health claim (a condition or outcome, a psychedelic or
    microdosing, an effect or a study), matches each to the corpus claims it corresponds to,
    shows their certainty and hedged statement, says why each matched, and what the wording
    overstates: an assertion above the certainty, microdosing where the evidence used larger
    doses, patients where it used healthy volunteers, a participant count that disagrees with
    the study, a claim without evidence. A file is checked offline; only an https:// address
    is fetched (same timeouts, retries, cache and errors as the other online commands).

    Example: painlit check article.html --format html -o checked.html
    """
    from painlit.article import ArticleKind, read_article
    from painlit.factcheck import check_article

    chosen = output_format.lower()
    if chosen == "md":
        chosen = "markdown"
    if json_output or state.json:
        chosen = "json"
    if chosen not in FORMATS:
        raise typer.BadParameter("expected terminal, markdown, html or json",
                                 param_hint="--format")
    if fail_on.lower() not in FAIL_ON:
        raise typer.BadParameter("expected never, overstated or unmatched",
                                 param_hint="--fail-on")
    if chosen == "terminal" and output != "-":
        raise typer.BadParameter("-o needs --format markdown, html or json",
                                 param_hint="--output")
    forced_kind = None
    if kind is not None:
        try:
            forced_kind = ArticleKind(kind.lower())
        except ValueError:
            raise typer.BadParameter("expected text, markdown or html",
                                     param_hint="--as") from None
    if article.lower().startswith(("http://", "https://")):
        from painlit.online.article import fetch_article

        with online_session(no_cache, refresh, deadline, budget) as session:
            data, media = fetch_article(session, article)
        name = article
        if forced_kind is None:
            forced_kind = {"text/plain": ArticleKind.TEXT,
                           "text/markdown": ArticleKind.MARKDOWN}.get(media, ArticleKind.HTML)
    else:
        data, name = _read(article)
    parsed = read_article(data, name=name, kind=forced_kind)
    corpus = current_corpus()
    result = check_article(parsed, corpus, grade_all(corpus))

    if chosen == "terminal":
        from painlit.render.terminal import render_check

        show(render_check(result, rows(limit)))
    else:
        if chosen == "markdown":
            from painlit.render.checked import render_check_markdown

            text = render_check_markdown(result)
        elif chosen == "html":
            from painlit.render.checked import render_check_html

            text = render_check_html(result)
        else:
            from painlit.render.jsondata import check_document, dumps

            text = dumps(check_document(result)) + "\n"
        write_document(text, output, force)
    if fail_on.lower() == "overstated" and result.overstated:
        raise ChangesFound(f"painlit: {result.overstated} claim sentence(s) overstate the "
                           "evidence")
    if fail_on.lower() == "unmatched" and result.unmatched:
        raise ChangesFound(f"painlit: {result.unmatched} claim sentence(s) match no corpus "
                           "claim")
