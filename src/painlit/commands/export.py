"""`painlit export sqlite PATH`: the corpus as a documented SQLite database (docs/sqlite.md)."""


import tempfile
from pathlib import Path
from typing import Annotated

import typer

from painlit.commands.shared import app, current_corpus, err, run_safely, write_output
from painlit.console import clean
from painlit.grading import grade_all

export_app = typer.Typer(help="Export the corpus for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def sqlite(
    path: Annotated[str, typer.Argument(
        metavar="PATH", help="The database file to write (not `-`: a database is a file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Write the corpus as a SQLite database: studies, claims, evidence, grades (every step),
    conditions and the rest, with join tables for lists. Tables: docs/sqlite.md.

    Example: painlit export sqlite corpus.db && sqlite3 corpus.db "select id, certainty_label
    from claims"
    """
    from painlit.export.sqlite import write_database

    if path in ("-", "/dev/stdout"):
        raise typer.BadParameter("a database cannot go to standard output; give a file name",
                                 param_hint="PATH")
    corpus = current_corpus()
    with tempfile.TemporaryDirectory(prefix="painlit-export-") as folder:
        built = Path(folder) / "corpus.db"
        write_database(corpus, grade_all(corpus), built)
        write_output(built.read_bytes(), path, force)
    err.print(clean(f"painlit: wrote {path}"), markup=False, highlight=False)


export_app.command("sqlite")(run_safely(sqlite))
