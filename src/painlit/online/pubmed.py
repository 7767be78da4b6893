"""PubMed through NCBI E-utilities: ESearch (with Entrez-date ranges) and JSON ESummary.

Limits handled here: ESearch returns at most 10,000 records per query, so a date range with
more is split in halves until every slice fits (a single day with more is an error); JSON
ESummary takes at most 500 ids per request, so ids go in batches of 500, by POST when a batch
is longer than 200 ids. Numbers in NCBI JSON are strings; errors can arrive inside a 200.

ESearch's `count` is not trusted to decide how many requests to make: a server that lists
fewer ids than it counts is asked for the rest page by page, but only while each page brings
new ids and is as long as the first, and for at most `SEARCH_PAGES` pages per date slice;
what is still missing then is reported as a warning. A summary that is `null` (or absent)
says nothing: it is read as unknown, and its answer is not cached.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from painlit.errors import ServiceError
from painlit.online.http import Http, Malformed, Service, service_text

#: ESearch cannot return records beyond the first 10,000 of a query.
SEARCH_LIMIT = 10_000
#: JSON ESummary refuses more than 500 ids per request.
SUMMARY_BATCH = 500
#: EFetch articles per request (whole records: far larger than summaries).
ABSTRACT_BATCH = 200
#: Longer id lists and query terms go in a POST body.
POST_IDS = 200
POST_TERM = 300
#: ESearch requests per date slice at most, the first included (a server that pages below
#: `retmax` is followed this far; NCBI itself answers a slice in one).
SEARCH_PAGES = 10
_PMID = re.compile(r"[1-9]\d{0,8}")


@dataclass(frozen=True)
class Summary:
    """The fields of a PubMed DocSum that painlit uses."""

    pmid: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    epub_year: int | None
    journal: str
    doi: str | None
    pubtypes: tuple[str, ...] = ()
    vernacular_title: str = ""


@dataclass
class SearchResult:
    ids: list[str]
    count: int
    warnings: list[str] = field(default_factory=list)
    requests: int = 0


def _year(text: object) -> int | None:
    match = re.match(r"\s*(\d{4})", text) if isinstance(text, str) else None
    return int(match.group(1)) if match else None


def _number(value: object, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise Malformed(f"{where} is not a number")


def _check_search(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise Malformed("expected a JSON object")
    result = payload.get("esearchresult")
    if isinstance(payload.get("error"), str):
        raise ServiceError(f"PubMed reported an error: {payload['error']}",
                           hint="check the query in the corpus's search_query")
    if not isinstance(result, dict):
        raise Malformed("no 'esearchresult' in the answer")
    if isinstance(result.get("ERROR"), str):
        raise ServiceError(f"PubMed reported an error: {result['ERROR']}",
                           hint="check the query in the corpus's search_query")
    _number(result.get("count"), "esearchresult.count")
    ids = result.get("idlist")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise Malformed("esearchresult.idlist is not a list of ids")
    for pmid in ids:
        if not _PMID.fullmatch(pmid):
            raise Malformed(f"esearchresult.idlist holds {pmid[:40]!r}, which is not a PMID")


def _search_warnings(result: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for block, labels in (("errorlist", ("phrasesnotfound", "fieldsnotfound")),
                          ("warninglist", ("phrasesignored", "quotedphrasesnotfound",
                                           "outputmessages"))):
        section = result.get(block)
        if not isinstance(section, dict):
            continue
        for label in labels:
            values = section.get(label)
            if isinstance(values, list) and values:
                found.append(f"{label}: " + ", ".join(str(v) for v in values))
    return found


def _entrez_date(day: date) -> str:
    return day.strftime("%Y/%m/%d")


class PubMed:
    def __init__(self, http: Http, service: Service) -> None:
        self.http = http
        self.service = service

    def _search_page(self, term: str, start: date, end: date, retstart: int, retmax: int
                     ) -> dict[str, Any]:
        params = {
            "db": "pubmed", "term": term, "retmode": "json", "retstart": str(retstart),
            "retmax": str(retmax), "datetype": "edat", "mindate": _entrez_date(start),
            "maxdate": _entrez_date(end),
        }
        payload = self.http.get_json(self.service, "/esearch.fcgi", params,
                                     post=len(term) > POST_TERM, check=_check_search)
        result: dict[str, Any] = payload["esearchresult"]
        return result

    def search(self, term: str, start: date, end: date, *,
               on_slice: Callable[[date, date, int], None] | None = None) -> SearchResult:
        """Every PMID matching `term` with an Entrez date from `start` to `end` (inclusive)."""
        outcome = SearchResult(ids=[], count=0)
        seen: set[str] = set()
        pending = [(start, end)]
        while pending:
            low, high = pending.pop(0)
            result = self._search_page(term, low, high, 0, SEARCH_LIMIT)
            outcome.requests += 1
            count = _number(result.get("count"), "esearchresult.count")
            for warning in _search_warnings(result):
                if warning not in outcome.warnings:
                    outcome.warnings.append(warning)
            if count > SEARCH_LIMIT:
                if low >= high:
                    raise ServiceError(
                        f"PubMed has {count:,} records entered on {low.isoformat()} for this "
                        f"query; ESearch returns at most {SEARCH_LIMIT:,}",
                        hint="narrow the corpus's search_query")
                middle = low + (high - low) // 2
                pending[:0] = [(low, middle), (middle + timedelta(days=1), high)]
                continue
            ids: list[str] = list(dict.fromkeys(result["idlist"]))
            ids += self._more_pages(term, low, high, count, ids, outcome)
            if len(ids) < count:
                outcome.warnings.append(
                    f"PubMed counted {count} records from {low.isoformat()} to "
                    f"{high.isoformat()} but listed {len(ids)}")
            if on_slice is not None:
                on_slice(low, high, count)
            outcome.count += count
            for pmid in ids:
                if pmid not in seen:
                    seen.add(pmid)
                    outcome.ids.append(pmid)
        return outcome

    def _more_pages(self, term: str, low: date, high: date, count: int, ids: list[str],
                    outcome: SearchResult) -> list[str]:
        """The ids of a slice beyond its first page, for a server that pages below retmax:
        asked for while each page is as long as the first and brings new ids, and for at most
        SEARCH_PAGES requests in all (what the pages return bounds the paging, not `count`)."""
        found: list[str] = []
        known = set(ids)
        page_size = len(ids)
        retstart = len(ids)
        pages = 1
        while retstart < count and page_size and pages < SEARCH_PAGES:
            more = self._search_page(term, low, high, retstart, SEARCH_LIMIT)
            outcome.requests += 1
            pages += 1
            page: list[str] = list(more["idlist"])
            fresh = [pmid for pmid in dict.fromkeys(page) if pmid not in known]
            known.update(fresh)
            found.extend(fresh)
            retstart += len(page)
            if not fresh or len(page) < page_size:  # nothing new, or the last page
                break
        return found

    def summaries(self, pmids: Sequence[str], *,
                  on_batch: Callable[[int], None] | None = None) -> dict[str, Summary | None]:
        """DocSums by PMID; None for an id PubMed does not know."""
        found: dict[str, Summary | None] = {}
        for batch in _batches(pmids, SUMMARY_BATCH):
            payload = self.http.get_json(
                self.service, "/esummary.fcgi",
                {"db": "pubmed", "id": ",".join(batch), "retmode": "json"},
                post=len(batch) > POST_IDS, check=_check_summary,
                keep=functools.partial(_says_something, pmids=batch))
            result = payload["result"]
            for pmid in batch:
                found[pmid] = _summary(pmid, result.get(pmid))
            if on_batch is not None:
                on_batch(len(batch))
        return found

    def abstracts(self, pmids: Sequence[str], *,
                  on_batch: Callable[[int], None] | None = None) -> dict[str, str]:
        """Abstracts by PMID from EFetch (PubMed XML); a record without one is left out."""
        found: dict[str, str] = {}
        for batch in _batches(pmids, ABSTRACT_BATCH):
            root = self.http.get_xml(
                self.service, "/efetch.fcgi",
                {"db": "pubmed", "id": ",".join(batch), "retmode": "xml"},
                post=len(batch) > POST_IDS, check=_check_articles)
            wanted = set(batch)
            for article in root.iterfind("PubmedArticle"):
                pmid, abstract = _abstract(article)
                if pmid in wanted and abstract:
                    found[pmid] = abstract
            if on_batch is not None:
                on_batch(len(batch))
        return found


def _batches(pmids: Sequence[str], size: int) -> Iterator[list[str]]:
    """The ids, each once, in order, `size` at a time."""
    unique = list(dict.fromkeys(pmids))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def _check_articles(root: Any) -> None:
    if getattr(root, "tag", None) != "PubmedArticleSet":
        raise Malformed("expected a PubmedArticleSet")


def _abstract(article: Any) -> tuple[str | None, str | None]:
    """An EFetch article's PMID and abstract (labelled sections on lines of their own), with
    nested markup (`<i>`, MathML) read as its text."""
    pmid = article.findtext("MedlineCitation/PMID")
    parts = []
    for section in article.iterfind("MedlineCitation/Article/Abstract/AbstractText"):
        text = " ".join(service_text("".join(section.itertext())).split())
        label = section.get("Label")
        if text:
            parts.append(f"{service_text(label).strip()}: {text}" if label else text)
    return (pmid.strip() if isinstance(pmid, str) else None), ("\n".join(parts) or None)


def _check_summary(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise Malformed("expected a JSON object")
    if isinstance(payload.get("error"), str):
        raise ServiceError(f"PubMed reported an error: {payload['error']}",
                           hint="this is a bug in painlit's batching; please report it")
    result = payload.get("result")
    if not isinstance(result, dict):
        raise Malformed("no 'result' in the answer")
    uids = result.get("uids")
    if not isinstance(uids, list):
        raise Malformed("result.uids is missing")
    for uid in uids:
        record = result.get(uid)
        if isinstance(record, dict) and "error" not in record:
            if not isinstance(record.get("title"), str):
                raise Malformed(f"record {uid} has no title")
            if not isinstance(record.get("authors", []), list):
                raise Malformed(f"record {uid} has no author list")


def _says_something(payload: Any, pmids: Sequence[str]) -> bool:
    """Whether an ESummary answer has a record, or an error, for every id asked for: a `null`
    or missing record says nothing, and such an answer is not kept in the cache."""
    result = payload.get("result") if isinstance(payload, dict) else None
    return isinstance(result, dict) and all(isinstance(result.get(p), dict) for p in pmids)


def _summary(pmid: str, record: object) -> Summary | None:
    if not isinstance(record, dict) or "error" in record:
        return None
    authors = tuple(
        str(author["name"]).strip() for author in _dicts(record.get("authors"))
        if isinstance(author.get("name"), str) and author["name"].strip()
    )
    doi = None
    for article_id in _dicts(record.get("articleids")):
        if article_id.get("idtype") == "doi" and isinstance(article_id.get("value"), str):
            doi = article_id["value"].strip() or None
            break
    journal = record.get("fulljournalname") or record.get("source") or ""
    year = _year(record.get("pubdate")) or _year(record.get("sortpubdate"))
    pubtypes = tuple(str(t) for t in record.get("pubtype", []) if isinstance(t, str)) \
        if isinstance(record.get("pubtype"), list) else ()
    vernacular = record.get("vernaculartitle")
    return Summary(
        pmid=pmid, title=str(record.get("title", "")), authors=authors, year=year,
        epub_year=_year(record.get("epubdate")), journal=str(journal), doi=doi,
        pubtypes=pubtypes, vernacular_title=vernacular if isinstance(vernacular, str) else "",
    )


def _dicts(value: object) -> Iterable[dict[str, Any]]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []
