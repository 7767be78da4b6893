"""ClinicalTrials.gov API v2: one study by NCT id, and searches paged with pageToken.

`GET /studies/{nctId}` answers one unwrapped Study (404 as plain text when unknown);
`GET /studies` answers `{"studies": [...], "nextPageToken"?: str, "totalCount"?: int}`; the
last page has no `nextPageToken`, a page may be empty, and every later page repeats the first
page's parameters with `pageToken` added. Dates are partial (`YYYY-MM` or `YYYY-MM-DD`) and
`phases` may be missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from painlit.errors import ServiceError
from painlit.online.http import Http, Malformed, Service

NCT_PATTERN = re.compile(r"^NCT\d{8}$", re.IGNORECASE)
PAGE_SIZE = 100
#: A runaway pager (a token that never ends) stops here.
MAX_PAGES = 200
#: Classic (serotonergic) psychedelics only: no MDMA (an entactogen), no ketamine.
PSYCHEDELIC_TERMS = (
    "psilocybin", "LSD", '"lysergic acid diethylamide"', "mescaline", "DMT",
    "dimethyltryptamine", "ayahuasca",
)
FIELDS = "ProtocolSection,HasResults"
#: Status enum -> the wording the registry's web pages use (and the corpus records).
STATUS_WORDS = {
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "COMPLETED": "Completed",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "RECRUITING": "Recruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status",
}
ENDED = ("COMPLETED", "TERMINATED")


@dataclass(frozen=True)
class Trial:
    nct: str
    brief_title: str
    official_title: str | None
    status: str
    phases: tuple[str, ...]
    study_type: str | None
    enrolment: int | None
    enrolment_type: str | None
    start: str | None
    completion: str | None
    primary_completion: str | None
    first_posted: str | None
    has_results: bool | None
    conditions: tuple[str, ...]
    interventions: tuple[str, ...]
    organisation: str | None
    #: The registry's "last update posted" date.
    last_update: str | None = None

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status.replace("_", " ").capitalize())

    @property
    def ended_without_results(self) -> bool:
        return self.status in ENDED and self.has_results is not True

    @property
    def first_posted_year(self) -> int | None:
        return _year(self.first_posted)

    @property
    def start_year(self) -> int | None:
        return _year(self.start)


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value and value[:4].isdigit() else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _date(module: dict[str, Any], key: str) -> str | None:
    value = _dict(module.get(key)).get("date")
    return value if isinstance(value, str) and value.strip() else None


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _check_study(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise Malformed("expected a JSON object")
    protocol = payload.get("protocolSection")
    if not isinstance(protocol, dict):
        raise Malformed("no protocolSection in the study")
    ident = protocol.get("identificationModule")
    if not isinstance(ident, dict) or not isinstance(ident.get("nctId"), str):
        raise Malformed("protocolSection.identificationModule.nctId is missing")
    if not isinstance(ident.get("briefTitle"), str):
        raise Malformed(f"{ident['nctId']} has no briefTitle")
    status = _dict(protocol.get("statusModule")).get("overallStatus")
    if not isinstance(status, str):
        raise Malformed(f"{ident['nctId']} has no statusModule.overallStatus")


def _check_page(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise Malformed("expected a JSON object")
    studies = payload.get("studies")
    if not isinstance(studies, list):
        raise Malformed("no 'studies' list in the answer")
    token = payload.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise Malformed("nextPageToken is not text")
    for study in studies:
        _check_study(study)


def parse_trial(payload: dict[str, Any]) -> Trial:
    protocol = payload["protocolSection"]
    ident = protocol["identificationModule"]
    status = _dict(protocol.get("statusModule"))
    design = _dict(protocol.get("designModule"))
    enrolment = _dict(design.get("enrollmentInfo"))
    count = enrolment.get("count")
    count_type = enrolment.get("type")
    has_results = payload.get("hasResults")
    official = ident.get("officialTitle")
    organisation = _dict(ident.get("organization")).get("fullName")
    interventions = tuple(
        item["name"] for item in _dict(protocol.get("armsInterventionsModule")).get(
            "interventions", []) if isinstance(item, dict) and isinstance(item.get("name"), str)
    ) if isinstance(_dict(protocol.get("armsInterventionsModule")).get("interventions"),
                    list) else ()
    study_type = design.get("studyType")
    return Trial(
        nct=ident["nctId"].upper(), brief_title=ident["briefTitle"],
        official_title=official if isinstance(official, str) else None,
        status=status["overallStatus"], phases=_strings(design.get("phases")),
        study_type=study_type if isinstance(study_type, str) else None,
        enrolment=count if isinstance(count, int) and not isinstance(count, bool) else None,
        enrolment_type=count_type.lower() if isinstance(count_type, str) else None,
        start=_date(status, "startDateStruct"),
        completion=_date(status, "completionDateStruct"),
        primary_completion=_date(status, "primaryCompletionDateStruct"),
        first_posted=_date(status, "studyFirstPostDateStruct"),
        has_results=has_results if isinstance(has_results, bool) else None,
        conditions=_strings(_dict(protocol.get("conditionsModule")).get("conditions")),
        interventions=interventions,
        organisation=organisation if isinstance(organisation, str) else None,
        last_update=_date(status, "lastUpdatePostDateStruct"),
    )


def intervention_query(terms: tuple[str, ...] = PSYCHEDELIC_TERMS) -> str:
    return " OR ".join(terms)


class ClinicalTrials:
    def __init__(self, http: Http, service: Service) -> None:
        self.http = http
        self.service = service

    def study(self, nct: str) -> Trial | None:
        """One registered study, or None when the registry does not know the id."""
        payload = self.http.get_json(self.service, f"/studies/{nct.upper()}",
                                     check=_check_study, missing_ok=True)
        return None if payload is None else parse_trial(payload)

    def search(self, condition: str, intervention: str | None = None, *,
               on_page: Callable[[int, int | None], None] | None = None) -> Iterator[Trial]:
        """Every study for `condition` (query.cond), following nextPageToken to the end."""
        params = {"query.cond": condition, "pageSize": str(PAGE_SIZE), "countTotal": "true",
                  "fields": FIELDS, "format": "json"}
        if intervention:
            params["query.intr"] = intervention
        total: int | None = None
        seen_tokens: set[str] = set()
        for _ in range(MAX_PAGES):
            payload = self.http.get_json(self.service, "/studies", params, check=_check_page)
            if total is None and isinstance(payload.get("totalCount"), int):
                total = payload["totalCount"]
            studies = payload["studies"]
            for study in studies:
                yield parse_trial(study)
            if on_page is not None:
                on_page(len(studies), total)
            token = payload.get("nextPageToken")
            if not token or token in seen_tokens:
                return
            seen_tokens.add(token)
            params = {key: value for key, value in params.items() if key != "countTotal"}
            params["pageToken"] = token
        raise ServiceError(f"ClinicalTrials.gov returned more than {MAX_PAGES} pages",
                           hint="use a narrower condition")
