"""Citations for corpus studies in BibTeX, RIS and CSL-JSON, each valid by its own rules.

Only what a record holds is written: no author, volume, issue or page is ever guessed, and a
field the record lacks is left out. Each study first becomes a format-neutral `Citation`;
one writer per format turns citations into text.

* Kind: a record with a journal is a journal article (BibTeX `@article`, RIS `JOUR`, CSL
  `article-journal`); a trial registration without one is a registry page (`@misc`, `ELEC`,
  `webpage`); a preprint is `@misc`, `UNPB`, `article`; anything else `@misc`, `GEN`,
  `document`. The key (BibTeX key, RIS `ID`, CSL `id`) is the study id.
* Names: authors recorded in Vancouver form (`Aday JS`, `Pope HG Jr`) are split into family
  name, initials and suffix; any other name (`Example University`) is kept whole as a literal.
* Notes: the trial registry id (with the registry status for a registration) and one line
  per claim citing the study, with that claim's certainty and verdict and the study's stance:
  BibTeX `note` (registry) and `annote` (claims), RIS one `N1` per line, CSL `note` (lines).
* Text: BibTeX and RIS values cannot hold line breaks, so every run of whitespace (line
  breaks included) becomes one space and other control and direction-override characters
  are dropped. BibTeX values are LaTeX-escaped (`\\ { } % & $ # _ ~ ^ < > |` and the
  certainty symbols); braces become `\textbraceleft{}` and `\textbraceright{}`, because
  BibTeX counts `\\{` and `\\}` as group braces too. Titles are braced so that styles keep
  their capitalisation.
  CSL-JSON keeps every string exactly; characters a terminal could misread are written as
  `\\uXXXX` JSON escapes.
* Web addresses and DOIs: characters that can never appear in a URL (whitespace, controls,
  quotes, braces, backslash, `<>|^` and backtick) are percent-encoded, in every format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from painlit.export import CiteFormat
from painlit.frozen import frozen
from painlit.model import PublicationStatus, StudyDesign

if TYPE_CHECKING:
    from painlit.grading import Grade, Verdict
    from painlit.model import Certainty, Corpus, Stance, Study


class Kind(StrEnum):
    ARTICLE = "article"
    REGISTRATION = "registration"
    PREPRINT = "preprint"
    OTHER = "other"


_BIBTEX_TYPE = {Kind.ARTICLE: "article", Kind.REGISTRATION: "misc", Kind.PREPRINT: "misc",
                Kind.OTHER: "misc"}
_RIS_TYPE = {Kind.ARTICLE: "JOUR", Kind.REGISTRATION: "ELEC", Kind.PREPRINT: "UNPB",
             Kind.OTHER: "GEN"}
_CSL_TYPE = {Kind.ARTICLE: "article-journal", Kind.REGISTRATION: "webpage",
             Kind.PREPRINT: "article", Kind.OTHER: "document"}

# --- text rules -----------------------------------------------------------------------------

_WHITESPACE = re.compile("[ \t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
                          "\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_URL_UNSAFE = re.compile('[\x00-\x20\x7f-\x9f"<>\\\\^`{|}\u00a0\u2028\u2029'
                         "\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_LATEX = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", "⊕": r"\ensuremath{\oplus}", "◯": r"\ensuremath{\bigcirc}",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX)) + "]")


def one_line(text: str) -> str:
    """`text` as one line: control characters dropped, whitespace runs made one space."""
    return _WHITESPACE.sub(" ", _UNPRINTABLE.sub("", text)).strip()


def latex(text: str) -> str:
    """One-line `text` with every character special to BibTeX or LaTeX escaped."""
    return _LATEX_SPECIAL.sub(lambda match: _LATEX[match.group()], one_line(text))


def url_text(url: str) -> str:
    """A web address (or DOI), trimmed, with characters never valid in a URL percent-encoded."""
    return _URL_UNSAFE.sub(
        lambda match: "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8")),
        url.strip())


# --- names ----------------------------------------------------------------------------------

_SUFFIXES = frozenset({"Jr", "Sr", "II", "III", "IV"})
_NAME_TOKEN = re.compile(r"^[^\s,]+$")


@frozen
class Name:
    """An author: family name, initials and suffix, or (for anything else) a literal."""

    family: str | None = None
    initials: str = ""
    suffix: str | None = None
    literal: str | None = None

    @property
    def given(self) -> str:
        """'JS' -> 'J. S.'"""
        return " ".join(f"{letter}." for letter in self.initials)


def parse_name(text: str) -> Name:
    """'Aday JS' -> Aday, J. S.; 'Pope HG Jr' -> Pope, H. G., Jr; anything else a literal.

    Vancouver form is a family name of one or more words, one space, one to four capital
    initials and an optional suffix, each separated by single spaces.
    """
    words = text.split(" ")
    suffix = words.pop() if len(words) > 2 and words[-1] in _SUFFIXES else None
    if len(words) < 2 or not all(_NAME_TOKEN.match(word) for word in words):
        return Name(literal=text)
    initials = words[-1]
    if not (1 <= len(initials) <= 4 and initials.isalpha() and initials.isupper()):
        return Name(literal=text)
    return Name(" ".join(words[:-1]), initials, suffix)


# --- the format-neutral record --------------------------------------------------------------

@frozen
class ClaimLink:
    """A claim that cites the study, with the claim's grade and the study's place in it."""

    claim: str
    certainty: Certainty
    verdict: Verdict
    stance: Stance
    counted: bool

    def describe(self) -> str:
        counted = "counted" if self.counted else "not counted"
        return (f"painlit: cited by claim {self.claim} ({self.certainty.label} "
                f"{self.certainty.symbols}, verdict {self.verdict.value}; "
                f"stance {self.stance.value}, {counted})")


@frozen
class Citation:
    key: str
    kind: Kind
    title: str
    year: int
    authors: tuple[Name, ...] = ()
    journal: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    record_notes: tuple[str, ...] = ()
    claims: tuple[ClaimLink, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        return self.record_notes + tuple(link.describe() for link in self.claims)


def _kind(study: Study) -> Kind:
    if study.journal:
        return Kind.ARTICLE
    if study.design is StudyDesign.TRIAL_REGISTRATION:
        return Kind.REGISTRATION
    if study.status is PublicationStatus.PREPRINT:
        return Kind.PREPRINT
    return Kind.OTHER


def _record_notes(study: Study) -> tuple[str, ...]:
    if study.registry is None:
        return ()
    note = f"Trial registration {study.registry}"
    if study.registration is not None:
        note += f" (registry status: {study.registration.status})"
    return (note,)


def citation(study: Study, links: Iterable[ClaimLink] = ()) -> Citation:
    return Citation(
        key=study.id, kind=_kind(study), title=study.title, year=study.year,
        authors=tuple(parse_name(author) for author in study.authors), journal=study.journal,
        doi=study.doi, pmid=study.pmid, url=study.link, record_notes=_record_notes(study),
        claims=tuple(links),
    )


def claim_links(corpus: Corpus, grades: Mapping[str, Grade]) -> dict[str, list[ClaimLink]]:
    """For each study id, the claims that link it (in corpus order) with their grades."""
    links: dict[str, list[ClaimLink]] = {}
    for claim in corpus.claims:
        grade = grades[claim.id]
        for evidence in claim.evidence:
            links.setdefault(evidence.study, []).append(ClaimLink(
                claim.id, grade.certainty, grade.verdict, evidence.stance,
                evidence.study in grade.counted))
    return links


def citations(studies: Sequence[Study], corpus: Corpus, grades: Mapping[str, Grade]
              ) -> list[Citation]:
    links = claim_links(corpus, grades)
    return [citation(study, links.get(study.id, ())) for study in studies]


# --- BibTeX ---------------------------------------------------------------------------------

_BIBTEX_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:.\-]")


def _bibtex_name(name: Name) -> str:
    if name.family is None:
        return "{" + latex(name.literal or "") + "}"
    family = latex(name.family)
    if re.search(r"\band\b", family, flags=re.IGNORECASE):
        family = "{" + family + "}"
    parts = [family] + ([latex(name.suffix)] if name.suffix else []) + [name.given]
    return ", ".join(parts)


def _bibtex_title(title: str) -> str:
    escaped = latex(title)
    if not escaped:
        return ""
    # The inner group keeps the capitalisation. BibTeX treats a group that opens with a
    # backslash as one "special character" whose letters styles may still re-case, so such
    # a title starts with an empty group instead.
    return "{" + ("{}" if escaped.startswith("\\") else "") + escaped + "}"


def bibtex_entry(item: Citation) -> str:
    fields: list[tuple[str, str]] = []
    if item.authors:
        fields.append(("author", " and ".join(_bibtex_name(name) for name in item.authors)))
    fields.append(("title", _bibtex_title(item.title)))
    if item.journal:
        fields.append(("journal", latex(item.journal)))
    fields.append(("year", str(item.year)))
    if item.doi:
        fields.append(("doi", url_text(item.doi)))
    if item.pmid:
        fields.append(("pmid", url_text(item.pmid)))
    if item.url:
        fields.append(("url", url_text(item.url)))
    if item.record_notes:
        fields.append(("note", latex("; ".join(item.record_notes))))
    if item.claims:
        fields.append(("annote", latex("; ".join(link.describe() for link in item.claims))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    key = _BIBTEX_KEY_UNSAFE.sub("-", item.key)
    return f"@{_BIBTEX_TYPE[item.kind]}{{{key},\n{body}\n}}\n"


def to_bibtex(items: Sequence[Citation]) -> str:
    return "\n".join(bibtex_entry(item) for item in items)


# --- RIS ------------------------------------------------------------------------------------

RIS_EOL = "\r\n"


def _ris_name(name: Name) -> str:
    if name.family is None:
        return one_line(name.literal or "")
    initials = "".join(f"{letter}." for letter in name.initials)
    return ", ".join([one_line(name.family), initials]
                     + ([one_line(name.suffix)] if name.suffix else []))


def ris_record(item: Citation) -> str:
    tags: list[tuple[str, str]] = [("TY", _RIS_TYPE[item.kind]), ("ID", one_line(item.key))]
    tags.extend(("AU", _ris_name(name)) for name in item.authors)
    tags.append(("TI", one_line(item.title)))
    if item.journal:
        tags.extend([("T2", one_line(item.journal)), ("JO", one_line(item.journal))])
    tags.append(("PY", str(item.year)))
    if item.doi:
        tags.append(("DO", url_text(item.doi)))
    if item.pmid:
        tags.append(("AN", url_text(item.pmid)))
    if item.url:
        tags.append(("UR", url_text(item.url)))
    tags.extend(("N1", one_line(note)) for note in item.notes)
    lines = [f"{tag}  - {value}" for tag, value in tags if value]
    lines.append("ER  - ")
    return "".join(line + RIS_EOL for line in lines)


def to_ris(items: Sequence[Citation]) -> str:
    return RIS_EOL.join(ris_record(item) for item in items)


# --- CSL-JSON -------------------------------------------------------------------------------

def _csl_name(name: Name) -> dict[str, str]:
    if name.family is None:
        return {"literal": name.literal or ""}
    result = {"family": name.family, "given": name.given}
    if name.suffix:
        result["suffix"] = name.suffix
    return result


def csl_item(item: Citation) -> dict[str, object]:
    data: dict[str, object] = {
        "id": item.key, "citation-key": item.key, "type": _CSL_TYPE[item.kind],
        "title": item.title,
    }
    if item.authors:
        data["author"] = [_csl_name(name) for name in item.authors]
    if item.journal:
        data["container-title"] = item.journal
    data["issued"] = {"date-parts": [[item.year]]}
    if item.doi:
        data["DOI"] = url_text(item.doi)
    if item.pmid:
        data["PMID"] = item.pmid
    if item.url:
        data["URL"] = url_text(item.url)
    if item.notes:
        data["note"] = "\n".join(item.notes)
    return data


def to_csl_json(items: Sequence[Citation]) -> str:
    text = json.dumps([csl_item(item) for item in items], ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"


_WRITERS: dict[CiteFormat, Callable[[Sequence[Citation]], str]] = {
    CiteFormat.BIBTEX: to_bibtex, CiteFormat.RIS: to_ris, CiteFormat.CSL_JSON: to_csl_json,
}


def render(items: Sequence[Citation], output_format: CiteFormat) -> str:
    return _WRITERS[output_format](items)


def cite(studies: Sequence[Study], corpus: Corpus, grades: Mapping[str, Grade],
         output_format: CiteFormat) -> str:
    """The citations of `studies` in `output_format`, with the certainty of citing claims."""
    return render(citations(studies, corpus, grades), output_format)
