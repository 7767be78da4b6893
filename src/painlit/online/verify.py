"""Check corpus records against the services their identifiers point to.

For each study: its DOI must resolve at Crossref, its PMID at PubMed and an NCT id at
ClinicalTrials.gov, and the title, year and first author must agree with what they hold.
Comparisons are tolerant: case, punctuation, accents, whitespace, HTML tags and entities
(`<i>`), a translated title in square brackets and PubMed's closing period do not count.
A year agrees when it is any of the service's dates (Crossref: issued, print, online;
PubMed: publication and electronic publication; a registry: first posted or start). The
registry id of a publication is only checked to resolve (a registry title is not a paper's);
a trial-registration record is compared with the registry's brief and official titles.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from painlit.model import Study, StudyDesign
from painlit.online.clinicaltrials import NCT_PATTERN, ClinicalTrials, Trial
from painlit.online.crossref import Crossref, Work
from painlit.online.pubmed import PubMed, Summary

_TAGS = re.compile(r"<[^<>]{1,200}>")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                         "Ü": "Ue"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normal_title(text: str) -> str:
    """A title reduced to lowercase words: no markup, punctuation, accents or brackets."""
    text = html.unescape(_TAGS.sub(" ", text)).strip()
    text = text.rstrip(".").strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    words = re.sub(r"[\W_]+", " ", _fold(text))
    return " ".join(words.split())


def titles_agree(record: str, candidates: Iterable[str]) -> bool:
    wanted = normal_title(record)
    for candidate in candidates:
        found = normal_title(candidate)
        if found and (found == wanted or found.replace(" ", "") == wanted.replace(" ", "")):
            return True
    return False


def _surname_forms(name: str) -> set[str]:
    parts = name.split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}\.?", parts[-1]):
        parts = parts[:-1]
    whole = " ".join(parts)
    return {re.sub(r"[\W_]+", "", _fold(form)) for form in (whole, whole.translate(_GERMAN))}


def authors_agree(record: str, service: str) -> bool:
    """Surnames equal, ignoring case, accents, spaces, hyphens and initials."""
    return bool(_surname_forms(record) & _surname_forms(service))


@dataclass(frozen=True)
class Finding:
    study: str
    path: str
    line: int
    source: str
    identifier: str
    field: str
    message: str
    record: str | None = None
    service: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.study}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"study": self.study, "path": self.path, "line": self.line,
                "source": self.source, "identifier": self.identifier, "field": self.field,
                "message": self.message, "record": self.record, "service": self.service}


@dataclass
class Report:
    studies: int = 0
    identifiers: int = 0
    mismatches: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    #: Every registry record read, by NCT id (None: the registry does not know it).
    trials: dict[str, Trial | None] = field(default_factory=dict)


class _Checker:
    def __init__(self, study: Study, path: str, report: Report) -> None:
        self.study, self.path, self.report = study, path, report

    def add(self, source: str, identifier: str, field_name: str, message: str,
            record: str | None = None, service: str | None = None, *, note: bool = False
            ) -> None:
        finding = Finding(self.study.id, self.path, self.study.line, source, identifier,
                          field_name, message, record, service)
        (self.report.notes if note else self.report.mismatches).append(finding)

    def compare(self, source: str, identifier: str, titles: Sequence[str],
                years: Sequence[int], first_author: str | None) -> None:
        study = self.study
        if titles and not titles_agree(study.title, titles):
            self.add(source, identifier, "title",
                     f"title differs from {source} ({identifier}): record '{study.title}', "
                     f"{source} '{titles[0]}'", study.title, titles[0])
        if years and study.year not in years:
            shown = " or ".join(str(year) for year in years)
            self.add(source, identifier, "year",
                     f"year {study.year} differs from {source} ({identifier}): {shown}",
                     str(study.year), shown)
        mine = study.first_author
        if mine and first_author and not authors_agree(mine, first_author):
            self.add(source, identifier, "first author",
                     f"first author '{mine}' differs from {source} ({identifier}): "
                     f"'{first_author}'", mine, first_author)

    def missing(self, source: str, identifier: str) -> None:
        self.add(source, identifier, identifier.split()[0],
                 f"{identifier} does not resolve at {source}")


def _work_titles(work: Work) -> list[str]:
    titles = list(work.titles)
    if work.subtitles:
        titles += [f"{title} {subtitle}" for title in work.titles for subtitle in work.subtitles]
    return titles


def check_work(checker: _Checker, doi: str, work: Work | None) -> None:
    identifier = f"doi {doi}"
    if work is None:
        checker.missing("Crossref", identifier)
        return
    checker.compare("Crossref", identifier, _work_titles(work), work.years,
                    work.authors[0] if work.authors else None)


def check_summary(checker: _Checker, pmid: str, summary: Summary | None) -> None:
    identifier = f"pmid {pmid}"
    if summary is None:
        checker.missing("PubMed", identifier)
        return
    titles = [t for t in (summary.title, summary.vernacular_title) if t]
    years = [y for y in (summary.year, summary.epub_year) if y is not None]
    checker.compare("PubMed", identifier, titles, list(dict.fromkeys(years)),
                    summary.authors[0] if summary.authors else None)
    doi = checker.study.doi
    if doi and summary.doi and summary.doi.lower() != doi.lower():
        checker.add("PubMed", identifier, "doi",
                    f"doi {doi} differs from PubMed ({identifier}): {summary.doi}",
                    doi, summary.doi)


def check_trial(checker: _Checker, nct: str, trial: Trial | None) -> None:
    identifier = f"registry {nct}"
    if trial is None:
        checker.missing("ClinicalTrials.gov", identifier)
        return
    study = checker.study
    if study.design is not StudyDesign.TRIAL_REGISTRATION:
        return  # a paper's title is not its registration's title
    titles = [t for t in (trial.brief_title, trial.official_title) if t]
    years = [y for y in (trial.first_posted_year, trial.start_year) if y is not None]
    checker.compare("ClinicalTrials.gov", identifier, titles, list(dict.fromkeys(years)), None)
    recorded = study.registration.status if study.registration else None
    if recorded and recorded.casefold() != trial.status_words.casefold():
        checker.add("ClinicalTrials.gov", identifier, "registration.status",
                    f"the registry now says '{trial.status_words}' (record: '{recorded}')",
                    recorded, trial.status_words, note=True)


def verify_studies(studies: Sequence[Study], path: str, *, pubmed: PubMed,
                   crossref: Crossref, trials: ClinicalTrials,
                   advance: Callable[[int], None] = lambda step: None) -> Report:
    report = Report(studies=len(studies))
    checkers = {study.id: _Checker(study, path, report) for study in studies}
    pmids = [study.pmid for study in studies if study.pmid]
    summaries = pubmed.summaries(pmids, on_batch=advance) if pmids else {}
    registered = report.trials
    for study in studies:
        checker = checkers[study.id]
        if study.doi:
            report.identifiers += 1
            check_work(checker, study.doi, crossref.work(study.doi))
            advance(1)
        if study.pmid:
            report.identifiers += 1
            check_summary(checker, study.pmid, summaries.get(study.pmid))
        if study.registry:
            report.identifiers += 1
            if NCT_PATTERN.match(study.registry):
                key = study.registry.upper()
                if key not in registered:
                    registered[key] = trials.study(key)
                check_trial(checker, study.registry, registered[key])
                advance(1)
            else:
                checker.add("registry", study.registry, "registry",
                            f"{study.registry} is not a ClinicalTrials.gov id; not checked",
                            note=True)
    return report


def steps(studies: Sequence[Study]) -> int:
    """Steps for a progress bar: one per DOI, PMID and NCT id."""
    return sum(bool(s.doi) + bool(s.pmid) + bool(s.registry and NCT_PATTERN.match(s.registry))
               for s in studies)
