"""`painlit cite`: citations of corpus studies as BibTeX, RIS or CSL-JSON."""


from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from painlit.commands.shared import (
    ConditionOption,
    DesignOption,
    DoseOption,
    FromOption,
    MechanismOption,
    PopulationOption,
    SubstanceOption,
    TextOption,
    ToOption,
    command,
    completions,
    current_corpus,
    err,
    parse_design,
    select_studies,
    state,
    write_output,
)
from painlit.console import clean
from painlit.export import CiteFormat

if TYPE_CHECKING:
    from painlit.model import Corpus, Study


@command
def cite(
    ids: Annotated[list[str] | None, typer.Argument(
        metavar="ID", help="Study ids, DOIs, PMIDs or registry ids, cited in this order.",
        show_default=False, autocompletion=completions("studies"))] = None,
    all_studies: Annotated[bool, typer.Option(
        "--all", help="Cite every study (narrowed by any filter).")] = False,
    claim: Annotated[str | None, typer.Option(
        help="The studies linked to this claim.", autocompletion=completions("claims"))] = None,
    design: DesignOption = None,
    dose: DoseOption = None,
    population: PopulationOption = None,
    substance: SubstanceOption = None,
    condition: ConditionOption = None,
    mechanism: MechanismOption = None,
    year_from: FromOption = None,
    year_to: ToOption = None,
    text: TextOption = None,
    output_format: Annotated[CiteFormat | None, typer.Option(
        "--format", "-f", help="Citation format [default: bibtex].", show_default=False)
    ] = None,
    output: Annotated[str, typer.Option(
        "--output", "-o", metavar="PATH",
        help="File to write ('-' for stdout); never the corpus file.")] = "-",
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an existing output file.")] = False,
    json_output: Annotated[bool, typer.Option(
        "--json", help="CSL-JSON (the same as --format csl-json).")] = False,
) -> None:
    """Cite studies as BibTeX, RIS or CSL-JSON, noting the certainty of the claims citing them.

    Give study ids, or select studies with filters (--condition, --design, --substance, ...)
    or --all. Only what a record holds is written: nothing is guessed. The certainty, verdict
    and stance of every claim that cites a study go into its annote (BibTeX), N1 (RIS) or
    note (CSL-JSON). -o writes the file in one step; an existing file is replaced only with
    --force.

    Example: painlit cite bonnelle-2022 --format ris -o evidence.ris
    """
    from painlit.export.cite import cite as render_citations
    from painlit.grading import grade_all
    from painlit.query import resolve_claim, resolve_study

    parse_design(design)  # a bad --design is a usage error before the corpus is read
    if json_output or state.json:  # JSON asked for: the JSON citation format
        if output_format not in (None, CiteFormat.CSL_JSON):
            raise typer.BadParameter(f"--json means CSL-JSON, not {output_format.value}",
                                     param_hint="--format")
        output_format = CiteFormat.CSL_JSON
    chosen_format = output_format or CiteFormat.BIBTEX
    filtered = any(value is not None for value in (
        claim, design, dose, population, substance, condition, mechanism, year_from, year_to,
        text))
    if ids and (filtered or all_studies):
        raise typer.BadParameter("give study ids, or filters/--all, not both")
    if not ids and not (filtered or all_studies):
        raise typer.BadParameter("give study ids, a filter (e.g. --condition) or --all")

    corpus = current_corpus()
    chosen: Sequence[Study]
    if ids:
        chosen = list({study.id: study for study in
                       (resolve_study(corpus, name) for name in ids)}.values())
    else:
        chosen = select_studies(
            corpus, design=design, dose=dose, population=population, substance=substance,
            condition=condition, mechanism=mechanism, year_from=year_from, year_to=year_to,
            text=text)
        if claim is not None:
            chosen = _linked(corpus, resolve_claim(corpus, claim).id, chosen)
    data = render_citations(chosen, corpus, grade_all(corpus), chosen_format).encode("utf-8")
    if not chosen:
        err.print("painlit: no studies matched", markup=False, highlight=False)
    write_output(data, output, force)
    if output != "-":
        err.print(clean(f"painlit: wrote {len(chosen)} citation(s) ({chosen_format.value}) "
                        f"to {output}"), markup=False, highlight=False)


def _linked(corpus: "Corpus", claim_id: str, studies: "Sequence[Study]") -> "list[Study]":
    """The studies in `studies` that the claim links, in the claim's order."""
    allowed = {study.id: study for study in studies}
    linked = [link.study for link in corpus.claim_by_id[claim_id].evidence]
    return [allowed[study_id] for study_id in dict.fromkeys(linked) if study_id in allowed]
