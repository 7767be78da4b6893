"""Crossref REST: one work by DOI (`GET /works/{doi}`).

An unknown DOI is a plain-text 404 (also for DOIs registered elsewhere, e.g. DataCite), read
here as None. The DOI goes into the path percent-encoded (`/` kept), so `;`, `#`, `?`, `<`
and `>` survive. Titles may carry markup; dates are nested `[[year, month, day]]` lists with
only the year required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from painlit.online.http import Http, Malformed, Service
from painlit.text import clean


@dataclass(frozen=True)
class Work:
    doi: str
    titles: tuple[str, ...]
    subtitles: tuple[str, ...]
    authors: tuple[str, ...]
    years: tuple[int, ...]  # issued first, then print and online publication years
    journal: str | None
    kind: str
    url: str | None

    @property
    def year(self) -> int | None:
        return self.years[0] if self.years else None

    @property
    def title(self) -> str:
        return self.titles[0] if self.titles else ""


def bare_doi(text: str) -> str:
    """A DOI without `https://doi.org/` or `doi:` in front."""
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", text.strip(), flags=re.IGNORECASE)


def _check(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise Malformed("expected a JSON object")
    if payload.get("status") != "ok":
        raise Malformed(f"status is {payload.get('status')!r}, not 'ok'")
    message = payload.get("message")
    if not isinstance(message, dict):
        raise Malformed("no 'message' in the answer")
    if not isinstance(message.get("DOI"), str):
        raise Malformed("message.DOI is missing")
    if not isinstance(message.get("title", []), list):
        raise Malformed("message.title is not a list")


def initials(given: str) -> str:
    """'Joshua S.' -> 'JS'; 'Jean-Pierre' -> 'JP' (PubMed's style)."""
    return "".join(part[0].upper() for part in re.split(r"[\s.\-]+", given) if part)


def _author(item: dict[str, Any]) -> str | None:
    family = item.get("family")
    if isinstance(family, str) and family.strip():
        given = item.get("given")
        letters = initials(given) if isinstance(given, str) else ""
        return f"{family.strip()} {letters}".strip()
    name = item.get("name")  # an organisation, where Crossref gives one
    return name.strip() if isinstance(name, str) and name.strip() else None


def _date_year(value: object) -> int | None:
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if (isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]
            and isinstance(parts[0][0], int) and not isinstance(parts[0][0], bool)):
        return parts[0][0]
    return None


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str) and item.strip())


def parse_work(message: dict[str, Any]) -> Work:
    authors = tuple(
        name for item in message.get("author", []) if isinstance(item, dict)
        for name in [_author(item)] if name
    ) if isinstance(message.get("author"), list) else ()
    years = tuple(dict.fromkeys(
        year for key in ("issued", "published-print", "published-online")
        for year in [_date_year(message.get(key))] if year is not None))
    journals = _strings(message.get("container-title"))
    url = message.get("URL")
    kind = message.get("type")
    return Work(
        doi=str(message["DOI"]), titles=_strings(message.get("title")),
        subtitles=_strings(message.get("subtitle")), authors=authors, years=years,
        journal=journals[0] if journals else None, kind=kind if isinstance(kind, str) else "",
        url=url if isinstance(url, str) else None,
    )


class Crossref:
    def __init__(self, http: Http, service: Service) -> None:
        self.http = http
        self.service = service

    def work(self, doi: str) -> Work | None:
        """The work registered under `doi`, or None when Crossref does not know it."""
        asked = bare_doi(doi)
        path = "/works/" + quote(asked, safe="/")

        def check(payload: Any) -> None:
            _check(payload)
            said = str(payload["message"]["DOI"])
            if said.casefold() != asked.casefold():  # DOIs are case-insensitive
                raise Malformed(f"it answered for DOI {clean(said)!r}, not {clean(asked)!r}")

        payload = self.http.get_json(self.service, path, check=check, missing_ok=True)
        if payload is None:
            return None
        return parse_work(payload["message"])
