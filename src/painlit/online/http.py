"""The shared HTTP layer of the online commands.

Every request goes through `Http.get_json`, which

- always sets a timeout and caps redirects and the size of the body it reads;
- keeps each service's request rate (NCBI: 3 per second, 10 with an API key; Crossref: the
  rate it advertises, at most 5 per second; ClinicalTrials.gov: 1 per second);
- retries timeouts, connection errors, 429 and 5xx with exponential backoff (1, 2, 4 s),
  honouring Retry-After (seconds or an HTTP date) up to two minutes; a host name that does
  not resolve (offline) fails at once, since asking again seconds later gives the same;
- accepts only a well-formed JSON answer: an HTML page, invalid or truncated JSON, an error
  inside a 200 or missing keys become a `ServiceError` with a hint, never a traceback;
- caches successful, well-formed answers (never an error) for a day in
  `$XDG_CACHE_HOME/painlit/http/<service>/` (default `~/.cache/...`), written atomically.

Time is injectable (`sleep`, `clock`, `now`; module defaults `default_sleep` and friends) so
that tests never really wait, and the commands build their client with `make_client`, which
tests replace with one on an `httpx.MockTransport`.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
#: A service asking to wait longer than this is reported instead of waited for.
MAX_RETRY_AFTER = 120.0
CACHE_TTL = 24 * 60 * 60

PUBMED_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
CROSSREF_URL = "https://api.crossref.org"
CTGOV_URL = "https://clinicaltrials.gov/api/v2"

#: Parameters that identify the caller; never part of a cache key, never shown in a message.
PRIVATE_PARAMS = frozenset({"api_key", "email", "tool", "mailto"})

default_sleep: Callable[[float], None] = time.sleep
default_clock: Callable[[], float] = time.monotonic
default_now: Callable[[], float] = time.time


class Malformed(Exception):
    """An answer that parsed as JSON but does not have the documented shape."""


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

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.rpartition("@")[2]  # never a user or password


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


def user_agent(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    email_address = _email(env)
    contact = f" (mailto:{email_address})" if email_address else ""
    return f"painlit/{__version__}{contact} httpx/{httpx.__version__}"


def make_client() -> httpx.Client:
    """The client every online command uses (tests replace this function)."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                        headers={"User-Agent": user_agent()})


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
    """Requests to the online services, with the guarantees listed in the module docstring."""

    def __init__(self, client: httpx.Client, *, cache: Cache | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] | None = None,
                 now: Callable[[], float] | None = None,
                 notify: Callable[[str], None] | None = None,
                 max_body: int = MAX_BODY, attempts: int = ATTEMPTS) -> None:
        self.client = client
        client.max_redirects = min(client.max_redirects, MAX_REDIRECTS)
        self.cache = cache
        self._sleep = sleep or default_sleep
        self._clock = clock or default_clock
        self._now = now or default_now
        self._notify = notify or (lambda message: None)
        self.max_body = max_body
        self.attempts = attempts
        self._last: dict[str, float] = {}
        self.requests = 0

    def get_json(self, service: Service, path: str, params: Mapping[str, str] | None = None,
                 *, post: bool = False, check: Callable[[Any], None] | None = None,
                 missing_ok: bool = False) -> Any:
        """The JSON answer to one request; None for a 404 when `missing_ok`.

        `check` raises `Malformed` (or `ServiceError`) when the answer lacks what the caller
        needs; only answers that pass it are cached.
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
        if self.cache is not None:
            self.cache.put(service.key, key, body)
        return payload

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
            payload = json.loads(body)
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

    def _pace(self, service: Service) -> None:
        last = self._last.get(service.key)
        if last is not None:
            wait = last + service.interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last[service.key] = self._clock()

    def _fetch(self, service: Service, method: str, url: str, params: dict[str, str],
               missing_ok: bool) -> tuple[httpx.Headers, bytes] | None:
        for attempt in range(1, self.attempts + 1):
            wait: float | None = None
            self._pace(service)
            try:
                status, headers, body = self._send(service, method, url, params)
            except httpx.TimeoutException:
                problem = f"{service.name} did not answer in time"
            except httpx.TooManyRedirects:
                raise ServiceError(f"{service.name} redirected more than {MAX_REDIRECTS} times "
                                   f"({_shown(url)})", hint=service.hint) from None
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
            if wait > MAX_RETRY_AFTER:
                raise ServiceError(f"{problem}; it asks to wait {wait:.0f} s",
                                   hint="try again later")
            self._notify(f"{problem}; retrying in {wait:g} s")
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, service: Service, method: str, url: str, params: dict[str, str]
              ) -> tuple[int, httpx.Headers, bytes]:
        agent = user_agent() if service.contact else f"painlit/{__version__}"
        headers = {"User-Agent": agent, "Accept": service.accept}
        self.requests += 1
        # No parameters: None, so that a query string in the address itself is kept.
        query = None if method == "POST" or not params else params
        form = params if method == "POST" else None
        with self.client.stream(method, url, params=query, data=form, headers=headers,
                                timeout=TIMEOUT, follow_redirects=True) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                raise self._too_big(service)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_body:
                    raise self._too_big(service)
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)

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
            service.interval = max(service.interval, float(interval.group(1)) / int(limit))


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
