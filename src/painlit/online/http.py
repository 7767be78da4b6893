"""The shared HTTP layer of the online commands.

Every request goes through `Http.get_json`, which

- always sets a timeout and caps redirects and the size of the body it reads;
- gives each request a deadline, headers and body together and redirects included
  (`REQUEST_DEADLINE`, 60 s; `--deadline` or PAINLIT_DEADLINE): the read timeout starts again
  with every byte, so a service sending one byte a second could otherwise hold a request for
  ever. The body is checked after every piece that arrives; on the clients `make_client` builds,
  every socket operation also waits at most until the deadline, so a drip in the headers is cut
  off too. A request that runs out of its deadline is not asked again;
- keeps the whole command within a time budget (`COMMAND_BUDGET`, 600 s; `--budget` or
  PAINLIT_BUDGET, 0 for none): requests and waits together; a wait that would outlast it is
  refused at once, with a message, rather than slept through;
- keeps each service's request rate (NCBI: 3 per second, 10 with an API key; Crossref: the
  rate it advertises, at most 5 per second; ClinicalTrials.gov: 1 per second);
- retries timeouts, connection errors, 429 and 5xx with exponential backoff (1, 2, 4 s),
  honouring Retry-After (seconds or an HTTP date); a host name that does not resolve (offline)
  fails at once, since asking again seconds later gives the same;
- caps every wait a service asks for (Retry-After, Crossref's X-Rate-Limit-* headers) at
  `MAX_WAIT` (two minutes): a service asking for longer is reported, not waited for; a wait
  longer than `NOTICE_AFTER` (5 s) is announced on stderr;
- follows redirects itself: on the service's host as they are; to another host without the
  contact details (the e-mail address in the User-Agent and the `email`, `mailto`, `tool` and
  `api_key` parameters are left out); never to anything but http or https;
- accepts only a well-formed JSON answer: an HTML page, invalid or truncated JSON, an error
  inside a 200 or missing keys become a `ServiceError` with a hint, never a traceback;
- makes the text of every answer safe (`service_text`) before anything looks at it: a lone
  surrogate (a JSON escape such as `\\ud800`, which cannot be written as UTF-8) becomes
  U+FFFD, and every run of control characters (tab, line breaks, NUL, escape, U+2028, U+2029)
  one space, since every value painlit takes from a service is one line;
- caches successful, well-formed answers (never an error, nor an answer that says nothing, such
  as a `null` summary) for a day in `$XDG_CACHE_HOME/painlit/http/<service>/` (default
  `~/.cache/...`), written atomically; a cached answer is made safe again each time it is read.

Time is injectable (`sleep`, `clock`, `now`; module defaults `default_sleep` and friends) so
that tests never really wait; the deadline of a request in flight is measured on the real
monotonic clock. The commands build their client with `make_client`, which tests replace with
one on an `httpx.MockTransport`.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import hashlib
import json
import math
import os
import re
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from painlit import __version__
from painlit.atomic import write_atomic
from painlit.console import clean
from painlit.errors import OutputError, ServiceError

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_REDIRECTS = 5
#: Answers larger than this are refused (a page of 100 trials is well under 10 MB).
MAX_BODY = 32 * 1024 * 1024
#: Tries per request: the first and three retries.
ATTEMPTS = 4
BACKOFF = 1.0
MAX_BACKOFF = 30.0
#: Seconds one request may take, headers and body together, redirects included
#: (`--deadline`, PAINLIT_DEADLINE).
REQUEST_DEADLINE = 60.0
#: Seconds an online command may spend asking, requests and waits together (`--budget`,
#: PAINLIT_BUDGET; 0 means no budget).
COMMAND_BUDGET = 600.0
#: A service asking to wait longer than this (Retry-After, a rate limit) is reported instead
#: of waited for.
MAX_WAIT = 120.0
MAX_RETRY_AFTER = MAX_WAIT
#: Waits longer than this are announced on stderr.
NOTICE_AFTER = 5.0
CACHE_TTL = 24 * 60 * 60

PUBMED_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
CROSSREF_URL = "https://api.crossref.org"
CTGOV_URL = "https://clinicaltrials.gov/api/v2"

#: Parameters that identify the caller; never part of a cache key, never shown in a message.
PRIVATE_PARAMS = frozenset({"api_key", "email", "tool", "mailto"})

default_sleep: Callable[[float], None] = time.sleep
default_clock: Callable[[], float] = time.monotonic
default_now: Callable[[], float] = time.time
#: Where the deadline of a request in flight is measured (always the real clock).
deadline_clock: Callable[[], float] = time.monotonic

DEADLINE_HINT = "that is the deadline per request: --deadline or PAINLIT_DEADLINE allows more"
BUDGET_HINT = ("that is the time budget of an online command: --budget or PAINLIT_BUDGET "
               "allows more (0: no limit)")


class Malformed(Exception):
    """An answer that parsed as JSON but does not have the documented shape."""


# --- text from a service ---------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
#: Control characters (tab, line breaks, NUL, escape, DEL, C1) and the Unicode line and
#: paragraph separators: none belongs in the one-line values painlit takes from a service.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def service_text(text: str) -> str:
    """Text from a service made safe to cache, print and write: each lone surrogate becomes
    U+FFFD and each run of control characters and line breaks one space."""
    if text.isprintable():  # the usual case: no control character, no surrogate
        return text
    return _CONTROL.sub(" ", _SURROGATE.sub("\ufffd", text))


def tidy(value: Any) -> Any:
    """`value` (decoded JSON) with every string in it made safe by `service_text`, in place
    for lists and dicts (keys are left as they are: painlit only looks them up)."""
    if isinstance(value, str):
        return service_text(value)
    pending = [value]
    while pending:  # not recursive: JSON may nest as deep as its parser allows
        item = pending.pop()
        if isinstance(item, dict):
            pairs: Iterable[tuple[Any, Any]] = list(item.items())
        elif isinstance(item, list):
            pairs = enumerate(item)
        else:
            continue
        for key, element in pairs:
            if isinstance(element, str):
                if not element.isprintable():
                    item[key] = service_text(element)
            elif isinstance(element, dict | list):
                pending.append(element)
    return value


@dataclass
class Service:
    """One online service: where it is, how fast it may be asked, what every request carries."""

    name: str
    key: str
    base_url: str
    interval: float
    params: dict[str, str] = field(default_factory=dict)
    hint: str = ""
    rate_hint: str = ""
    #: What the service is asked for; a web page is asked for as HTML or text.
    accept: str = "application/json"
    #: Whether requests carry the contact e-mail (PAINLIT_EMAIL): the research APIs ask for
    #: it; an arbitrary web site is never sent it.
    contact: bool = True
    #: Why requests are spaced as they are, once the service has said (rate-limit headers).
    limit_note: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.rpartition("@")[2]  # never a user or password

    @property
    def hostname(self) -> str:
        """The host name alone (no port), lowercase: where redirects may keep the contact."""
        return (urlsplit(self.base_url).hostname or "").lower()


def _base_url(env: Mapping[str, str], variable: str, default: str) -> str:
    value = env.get(variable, "").strip() or default
    if not value.startswith(("https://", "http://")):
        raise ServiceError(f"{variable} must be a web address starting with https://",
                           hint=f"unset it to use {default}")
    return value.rstrip("/")


def _email(env: Mapping[str, str]) -> str | None:
    value = env.get("PAINLIT_EMAIL", "").strip()
    return value or None


def pubmed_service(env: Mapping[str, str] | None = None) -> Service:
    """NCBI E-utilities; sends tool, email (PAINLIT_EMAIL) and api_key (NCBI_API_KEY)."""
    env = os.environ if env is None else env
    params = {"tool": "painlit"}
    email_address = _email(env)
    if email_address:
        params["email"] = email_address
    api_key = env.get("NCBI_API_KEY", "").strip()
    if api_key:
        params["api_key"] = api_key
    return Service(
        "PubMed", "pubmed", _base_url(env, "PAINLIT_PUBMED_URL", PUBMED_URL),
        interval=0.1 if api_key else 0.34, params=params,
        hint="check the connection; PAINLIT_PUBMED_URL overrides the E-utilities address",
        rate_hint="NCBI allows 3 requests a second, 10 with an API key: set NCBI_API_KEY",
    )


def crossref_service(env: Mapping[str, str] | None = None) -> Service:
    """Crossref REST; sends mailto (PAINLIT_EMAIL) for the polite pool."""
    env = os.environ if env is None else env
    email_address = _email(env)
    return Service(
        "Crossref", "crossref", _base_url(env, "PAINLIT_CROSSREF_URL", CROSSREF_URL),
        interval=0.2, params={"mailto": email_address} if email_address else {},
        hint="check the connection; PAINLIT_CROSSREF_URL overrides the Crossref address",
        rate_hint="set PAINLIT_EMAIL to use Crossref's polite pool",
    )


def ctgov_service(env: Mapping[str, str] | None = None) -> Service:
    """ClinicalTrials.gov API v2 (no key; paced at one request a second)."""
    env = os.environ if env is None else env
    return Service(
        "ClinicalTrials.gov", "clinicaltrials",
        _base_url(env, "PAINLIT_CTGOV_URL", CTGOV_URL), interval=1.0,
        hint="check the connection; PAINLIT_CTGOV_URL overrides the API v2 address",
        rate_hint="wait a few minutes before trying again",
    )


def user_agent(env: Mapping[str, str] | None = None, *, contact: bool = True) -> str:
    """painlit's User-Agent; with the contact address (PAINLIT_EMAIL) unless `contact` is
    False (a request redirected to another host)."""
    env = os.environ if env is None else env
    email_address = _email(env) if contact else None
    shown = f" (mailto:{email_address})" if email_address else ""
    return f"painlit/{__version__}{shown} httpx/{httpx.__version__}"


def make_client() -> httpx.Client:
    """The client every online command uses (tests replace this function): every socket
    operation of its own transports waits at most until the deadline of the request."""
    client = httpx.Client(timeout=TIMEOUT, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                          headers={"User-Agent": user_agent(contact=False)})
    bound_to_deadlines(client)
    return client


# --- the deadline of a request, down to each socket operation --------------------------------

#: When (on `deadline_clock`) the request in flight must be done; None outside a request.
_request_end: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "painlit_request_end", default=None)


def _within_deadline(timeout: float | None, error: type[Exception]) -> float | None:
    """`timeout`, shortened to what is left of the request's deadline (raising `error` when
    nothing is left)."""
    end = _request_end.get()
    if end is None:
        return timeout
    left = end - deadline_clock()
    if left <= 0:
        raise error("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the request's deadline: a service
    dripping one byte at a time restarts the read timeout, not the deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, _within_deadline(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(
            host, port, _within_deadline(timeout, httpcore.ConnectTimeout), local_address,
            socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(
            path, _within_deadline(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound_to_deadlines(client: httpx.Client) -> None:
    """Make the connection pools of `client`'s own transports (the default one and any proxy
    mounted from the environment) use connections that end by the request's deadline.

    httpx has no public setting for this; where its transports are not laid out as expected,
    the body is still checked against the deadline after every piece (`Http._send`)."""
    transports = [getattr(client, "_transport", None),
                  *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend) and not isinstance(
                backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


class _Overrun(Exception):
    """The request in flight ran past its deadline."""


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/painlit/http`, or `~/.cache/painlit/http`."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "painlit" / "http"


class Cache:
    """Well-formed answers on disk, one file per request, kept for `ttl` seconds.

    Layout: `<root>/<service>/<first two hex digits>/<sha256 of method, URL and public
    parameters>.json`, holding the answer's bytes exactly as received.
    """

    def __init__(self, root: Path, *, read: bool = True, write: bool = True,
                 ttl: float = CACHE_TTL, now: Callable[[], float] | None = None) -> None:
        self.root, self.read, self.write, self.ttl = root, read, write, ttl
        self._now = now or default_now

    @staticmethod
    def key(method: str, url: str, params: Mapping[str, str]) -> str:
        public = sorted((k, v) for k, v in params.items() if k not in PRIVATE_PARAMS)
        text = json.dumps([method, url, public], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, service: str, key: str) -> Path:
        return self.root / service / key[:2] / f"{key}.json"

    def get(self, service: str, key: str) -> bytes | None:
        if not self.read:
            return None
        path = self.path(service, key)
        try:
            info = path.stat()
            age = self._now() - info.st_mtime
            # An entry dated in the future (a clock set back, a copied folder) is stale too.
            if age > self.ttl or age < -60 or info.st_size > MAX_BODY:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put(self, service: str, key: str, body: bytes) -> None:
        if not self.write:
            return
        path = self.path(service, key)
        # The cache only saves time: a cache that cannot be written is not an error.
        with contextlib.suppress(OSError, OutputError):
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, body, force=True, mode=0o600)


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now)


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")


def _snippet(headers: httpx.Headers, body: bytes) -> str:
    kind = headers.get("content-type", "").lower()
    if "html" in kind or body.lstrip()[:1] == b"<":
        return " (an HTML page)"
    text = " ".join(body[:400].decode("utf-8", "replace").split())
    return f": {clean(text[:200])}" if text else ""


class Http:
    """Requests to the online services, with the guarantees listed in the module docstring.

    `deadline` is the seconds each request may take (default `REQUEST_DEADLINE`); `budget`
    the seconds everything asked through this object may take, from its creation (default
    `COMMAND_BUDGET`; 0 for none).
    """

    def __init__(self, client: httpx.Client, *, cache: Cache | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] | None = None,
                 now: Callable[[], float] | None = None,
                 notify: Callable[[str], None] | None = None,
                 max_body: int = MAX_BODY, attempts: int = ATTEMPTS,
                 deadline: float | None = None, budget: float | None = None) -> None:
        self.client = client
        client.max_redirects = min(client.max_redirects, MAX_REDIRECTS)
        self.cache = cache
        self._sleep = sleep or default_sleep
        self._clock = clock or default_clock
        self._now = now or default_now
        self._notify = notify or (lambda message: None)
        self.max_body = max_body
        self.attempts = attempts
        self.deadline = REQUEST_DEADLINE if deadline is None else deadline
        self.budget = COMMAND_BUDGET if budget is None else budget
        if not (self.deadline > 0 and math.isfinite(self.deadline)):
            raise ValueError(f"a deadline must be a number of seconds above 0: {deadline}")
        if not (self.budget >= 0 and math.isfinite(self.budget)):
            raise ValueError(f"a budget must be a number of seconds, or 0: {budget}")
        self._started = self._clock()
        self._last: dict[str, float] = {}
        self.requests = 0

    def get_json(self, service: Service, path: str, params: Mapping[str, str] | None = None,
                 *, post: bool = False, check: Callable[[Any], None] | None = None,
                 keep: Callable[[Any], bool] | None = None, missing_ok: bool = False) -> Any:
        """The JSON answer to one request; None for a 404 when `missing_ok`.

        `check` raises `Malformed` (or `ServiceError`) when the answer lacks what the caller
        needs; only answers that pass it, and that `keep` (when given) finds worth keeping,
        are cached: an answer that says nothing is asked for again next time.
        """
        method = "POST" if post else "GET"
        url = service.base_url + path
        public = dict(params or {})
        key = Cache.key(method, url, public)
        if self.cache is not None:
            cached = self.cache.get(service.key, key)
            if cached is not None:
                with contextlib.suppress(ServiceError):
                    return self._accept(service, url, httpx.Headers(), cached, check)
        sent = {**public, **service.params}
        answer = self._fetch(service, method, url, sent, missing_ok)
        if answer is None:
            return None
        headers, body = answer
        payload = self._accept(service, url, headers, body, check)
        if self.cache is not None and (keep is None or keep(payload)):
            self.cache.put(service.key, key, body)
        return payload

    def get_xml(self, service: Service, path: str, params: Mapping[str, str], *,
                post: bool = False, check: Callable[[Any], None] | None = None) -> Any:
        """The XML answer to one request as an ElementTree element, with the same pacing,
        retries, limits and cache as `get_json`. A document declaring entities or an internal
        DTD subset is refused before parsing (no entity expansion, no external fetch)."""
        method = "POST" if post else "GET"
        url = service.base_url + path
        public = dict(params)
        key = Cache.key(method, url, public)
        if self.cache is not None:
            cached = self.cache.get(service.key, key)
            if cached is not None:
                with contextlib.suppress(ServiceError):
                    return _xml(service, url, cached, check)
        answer = self._fetch(service, method, url, {**public, **service.params}, False)
        assert answer is not None  # missing_ok=False: a 404 raised
        root = _xml(service, url, answer[1], check)
        if self.cache is not None:
            self.cache.put(service.key, key, answer[1])
        return root

    def get_bytes(self, service: Service, path: str) -> tuple[str, bytes]:
        """The content type and body of one GET, with the same pacing, retries, limits and
        cache as `get_json`; the caller checks what it got (only then call `keep`)."""
        url = service.base_url + path
        key = Cache.key("GET", url, {})
        if self.cache is not None:
            cached = self.cache.get(service.key, key)
            if cached is not None:
                kind, _, body = cached.partition(b"\n")
                return kind.decode("ascii", "replace"), body
        answer = self._fetch(service, "GET", url, {}, missing_ok=False)
        assert answer is not None  # missing_ok=False: a 404 raised
        headers, body = answer
        return headers.get("content-type", ""), body

    def keep(self, service: Service, path: str, kind: str, body: bytes) -> None:
        """Cache a `get_bytes` answer the caller accepted."""
        if self.cache is not None:
            key = Cache.key("GET", service.base_url + path, {})
            self.cache.put(service.key, key, kind.encode("ascii", "replace")[:200] + b"\n" + body)

    def _accept(self, service: Service, url: str, headers: httpx.Headers, body: bytes,
                check: Callable[[Any], None] | None) -> Any:
        kind = headers.get("content-type", "").lower()
        if "html" in kind or body.lstrip()[:1] == b"<":
            raise ServiceError(f"{service.name} answered with an HTML page instead of JSON "
                               f"({_shown(url)})",
                               hint="the service may be down, or a proxy or captive portal is "
                               "in the way; try again later")
        try:
            payload = tidy(json.loads(body))
        except (ValueError, RecursionError):
            raise ServiceError(f"{service.name} answered with invalid or truncated JSON "
                               f"({_shown(url)})",
                               hint="the answer was cut off or is not JSON; try again later"
                               ) from None
        if check is not None:
            try:
                check(payload)
            except Malformed as problem:
                raise ServiceError(
                    f"{service.name} answered with something unexpected ({_shown(url)}): "
                    f"{problem}",
                    hint="the service may have changed its format; try again later or "
                    "report this") from None
        return payload

    # --- time: the budget, waits, pacing ------------------------------------------------------

    def _left(self) -> float:
        """Seconds left of the command's budget (infinite without one)."""
        if not self.budget:
            return math.inf
        return self._started + self.budget - self._clock()

    def _wait(self, wait: float, why: str, notice: str | None) -> None:
        """Sleep `wait` seconds (a wait `why` explains), unless that would outlast the
        budget; announce `notice` (when there is one to make)."""
        if wait >= self._left():
            raise ServiceError(f"{why}; waiting {wait:.0f} s would run past the time budget "
                               f"of {seconds(self.budget)} s for this command",
                               hint=BUDGET_HINT)
        if notice is not None:
            self._notify(notice)
        self._sleep(wait)

    def _pace(self, service: Service) -> None:
        last = self._last.get(service.key)
        if last is not None:
            wait = last + service.interval - self._clock()
            if wait > 0:
                why = service.limit_note or (f"{service.name} is asked at most once every "
                                             f"{seconds(service.interval)} s")
                if wait > MAX_WAIT:
                    raise ServiceError(f"{why}; painlit waits at most {MAX_WAIT:.0f} s between "
                                       "requests", hint="try again later")
                self._wait(wait, why, f"waiting {wait:.0f} s before asking {service.name} "
                           f"again ({why})" if wait > NOTICE_AFTER else None)
        self._last[service.key] = self._clock()

    def _fetch(self, service: Service, method: str, url: str, params: dict[str, str],
               missing_ok: bool) -> tuple[httpx.Headers, bytes] | None:
        for attempt in range(1, self.attempts + 1):
            wait: float | None = None
            self._pace(service)
            left = self._left()
            if left <= 0:
                raise ServiceError(f"the time budget of {seconds(self.budget)} s for this "
                                   f"command ran out before painlit could ask {service.name}",
                                   hint=BUDGET_HINT)
            limit = min(self.deadline, left)
            try:
                status, headers, body = self._send(service, method, url, params, limit)
            except _Overrun:
                if limit < self.deadline:
                    raise ServiceError(
                        f"the time budget of {seconds(self.budget)} s for this command ran out "
                        f"while {service.name} was answering ({_shown(url)})", hint=BUDGET_HINT
                    ) from None
                raise ServiceError(f"{service.name} did not finish answering within "
                                   f"{seconds(self.deadline)} s ({_shown(url)})",
                                   hint=DEADLINE_HINT) from None
            except httpx.TimeoutException:
                problem = f"{service.name} did not answer in time"
            except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as error:
                if _name_unresolved(error):  # offline: asking again in seconds gives the same
                    raise ServiceError(
                        f"cannot reach {service.name}: the name {service.host} does not "
                        "resolve", hint="are you online? " + service.hint) from None
                problem = f"cannot reach {service.name} ({service.host}): {_reason(error)}"
            except httpx.HTTPError as error:
                raise ServiceError(f"cannot ask {service.name} ({service.host}): "
                                   f"{_reason(error)}", hint=service.hint) from None
            else:
                if status == 200:
                    self._adapt(service, headers)
                    return headers, body
                if status == 404 and missing_ok:
                    return None
                if status != 429 and status < 500:
                    raise ServiceError(
                        f"{service.name} answered HTTP {status}{_snippet(headers, body)} "
                        f"({_shown(url)})", hint=service.hint)
                problem = (f"{service.name} is limiting requests (HTTP 429)" if status == 429
                           else f"{service.name} had a server error (HTTP {status})")
                wait = retry_after(headers.get("retry-after"), self._now())
            hint = service.rate_hint if "429" in problem else service.hint
            if problem.startswith("cannot reach"):
                hint = "are you online? " + hint
            if attempt == self.attempts:
                raise ServiceError(f"{problem}; gave up after {self.attempts} attempts",
                                   hint=hint)
            if wait is None:
                wait = min(BACKOFF * 2 ** (attempt - 1), MAX_BACKOFF)
            if wait > MAX_WAIT:
                raise ServiceError(f"{problem}; it asks to wait {wait:.0f} s",
                                   hint="try again later")
            self._wait(wait, problem, f"{problem}; retrying in {wait:g} s")
        raise AssertionError("unreachable")  # pragma: no cover

    # --- one request, redirects followed here ---------------------------------------------------

    def _send(self, service: Service, method: str, url: str, params: dict[str, str],
              limit: float) -> tuple[int, httpx.Headers, bytes]:
        """Status, headers and body of one request, given `limit` seconds in all."""
        end = deadline_clock() + limit
        token = _request_end.set(end)
        try:
            return self._exchange(service, method, url, params, end)
        except httpx.TimeoutException:
            if deadline_clock() >= end - 0.01:  # the deadline, not a silent service, ended it
                raise _Overrun from None
            raise
        finally:
            _request_end.reset(token)

    def _exchange(self, service: Service, method: str, url: str, params: dict[str, str],
                  end: float) -> tuple[int, httpx.Headers, bytes]:
        target = httpx.URL(url)
        # No parameters: None, so that a query string in the address itself is kept.
        query: dict[str, str] | None = None if method == "POST" or not params else params
        form: dict[str, str] | None = params if method == "POST" else None
        contact = service.contact  # a web site is never sent the contact e-mail
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"User-Agent": user_agent(contact=contact), "Accept": service.accept}
            self.requests += 1
            with self.client.stream(method, target, params=query, data=form, headers=headers,
                                    timeout=TIMEOUT, follow_redirects=False) as response:
                if response.is_redirect:
                    target, method, form, contact = self._redirect(
                        service, response, method, form, contact)
                    query = None  # the new address carries its own query
                    continue
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_body:
                    raise self._too_big(service)
                chunks: list[bytes] = []
                size = 0
                if deadline_clock() >= end:
                    raise _Overrun
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_body:
                        raise self._too_big(service)
                    chunks.append(chunk)
                    if deadline_clock() >= end:
                        raise _Overrun
                return response.status_code, response.headers, b"".join(chunks)
        raise ServiceError(f"{service.name} redirected more than {MAX_REDIRECTS} times "
                           f"({_shown(url)})", hint=service.hint)

    @staticmethod
    def _redirect(service: Service, response: httpx.Response, method: str,
                  form: dict[str, str] | None, contact: bool
                  ) -> tuple[httpx.URL, str, dict[str, str] | None, bool]:
        """Where a redirect leads, with which method, body and contact details: on the
        service's host as asked; elsewhere without the e-mail address, tool name or API key."""
        try:
            target = response.url.join(response.headers["location"])
        except (httpx.InvalidURL, ValueError, TypeError):
            raise ServiceError(f"{service.name} redirected to an address that is not valid "
                               f"({_shown(str(response.url))})", hint=service.hint) from None
        if target.scheme not in ("http", "https") or not target.host:
            raise ServiceError(f"{service.name} redirected to something other than a web "
                               f"address ({_shown(str(response.url))})", hint=service.hint)
        status = response.status_code
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, form = "GET", None  # as browsers (and httpx) do
        if target.host.lower() != service.hostname:
            contact = False
        if not contact:
            for name in PRIVATE_PARAMS:
                target = target.copy_remove_param(name)
            if form is not None:
                form = {key: value for key, value in form.items() if key not in PRIVATE_PARAMS}
        return target, method, form, contact

    def _too_big(self, service: Service) -> ServiceError:
        return ServiceError(
            f"{service.name} answered with more than {self.max_body // (1024 * 1024)} MB; "
            "refusing to read it", hint="narrow the request, or try again later")

    @staticmethod
    def _adapt(service: Service, headers: httpx.Headers) -> None:
        """Slow down to the rate a service advertises (Crossref's X-Rate-Limit-* headers)."""
        limit = headers.get("x-rate-limit-limit", "")
        interval = _INTERVAL.match(headers.get("x-rate-limit-interval", ""))
        if limit.isdigit() and int(limit) > 0 and interval:
            count, span = int(limit), float(interval.group(1))
            if span / count > service.interval:
                service.interval = span / count
                service.limit_note = (f"{service.name} asks for at most {count} "
                                      f"request{'s' if count != 1 else ''} every "
                                      f"{seconds(span)} s")


def _xml(service: Service, url: str, body: bytes, check: Callable[[Any], None] | None) -> Any:
    from xml.etree import ElementTree

    head = body[:4096]
    if b"<!ENTITY" in body or re.search(rb"<!DOCTYPE[^>]*\[", head):
        raise ServiceError(f"{service.name} answered with XML that declares entities "
                           f"({_shown(url)})", hint="painlit does not expand XML entities; "
                           "try again later or report this")
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, RecursionError):
        raise ServiceError(f"{service.name} answered with invalid or truncated XML "
                           f"({_shown(url)})",
                           hint="the answer was cut off or is not XML; try again later"
                           ) from None
    if check is not None:
        try:
            check(root)
        except Malformed as problem:
            raise ServiceError(
                f"{service.name} answered with something unexpected ({_shown(url)}): "
                f"{problem}", hint="the service may have changed its format; try again "
                "later or report this") from None
    return root


def seconds(value: float) -> str:
    """A number of seconds as written: 600, 0.3, 100000."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _shown(url: str) -> str:
    """A URL as shown in messages: no query string (it may carry an API key), no user name or
    password."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return clean(f"{parts.scheme}://{host}{parts.path}")


def _name_unresolved(error: BaseException) -> bool:
    """Whether a connection failed because the host name could not be looked up."""
    import socket

    seen: BaseException | None = error
    for _ in range(8):  # httpx's error wraps httpcore's, which wraps the socket's
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reason(error: Exception) -> str:
    text = str(error).strip()
    if isinstance(error, httpx.ConnectError):
        return "connection failed" + (f" ({clean(text[:120])})" if text else "")
    return clean(text[:160]) or type(error).__name__
