"""Hardening, the service side: the online commands against a misbehaving server.

A real `http.server.ThreadingHTTPServer` on 127.0.0.1 (port 0, a background thread) stands in
for PubMed, Crossref and ClinicalTrials.gov (PAINLIT_PUBMED_URL, PAINLIT_CROSSREF_URL,
PAINLIT_CTGOV_URL), so the real httpx client, sockets and all, meets: answers slower than the
timeout, endless redirects, a 200 MB body (with and without Content-Length), invalid UTF-8,
invalid JSON, HTML, a connection closed mid-body, 429 with Retry-After, and a slow drip (one
byte at a time, in the headers or in the body, each well within the read timeout). Every case
must end in bounded time, without reading an unbounded body, with exit 4 and one clear line
(or, for a 429 that passes, exit 0), and never a traceback.

The HTTP layer's knobs are used as they are meant for tests: its module-level `TIMEOUT` is
made small for the slow server, the deadline per request (PAINLIT_DEADLINE) for the drip, and
`default_sleep` records waits instead of waiting (so a Retry-After of 1 s costs nothing). No
network: the server only listens on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from painlit.cli import app
from painlit.online import http

ONLINE = Path(__file__).parent / "fixtures" / "online"
#: The size of the enormous answer, streamed lazily: never held in memory by the server.
HUGE = 200 * 1024 * 1024
CHUNK = b"x" * 65536
#: A timeout small enough for tests: four tries of a silent server cost under a second.
SMALL_TIMEOUT = httpx.Timeout(0.2)
#: Seconds any one case may take, retries included.
WALL = 15.0
#: Seconds between two bytes of a dripping answer: far below the read timeout, so that only a
#: deadline over the whole request can end it (the headers alone take over 10 s to arrive).
DRIP = 0.04
DRIP_READ_TIMEOUT = httpx.Timeout(1.0)
#: The deadline per request the drip cases set, and how long such a case may take in all
#: (start-up and reading the corpus from the cache included).
DRIP_DEADLINE = 0.5
DRIP_WALL = 4.0

runner = CliRunner()


def _fixture(name: str) -> bytes:
    return (ONLINE / name).read_bytes()


# --- the server ------------------------------------------------------------------------------

class Behaviour:
    """What the server does with each request (one mode for every path), and what it saw."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.good = b"{}"
        self.requests: list[str] = []
        self.sent = 0  # body bytes written by the streaming modes
        self.streamed = threading.Event()  # a streaming answer has ended
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.requests.append(handler.path)
            count = len(self.requests)
        mode = self.mode
        if mode == "429-then-ok":
            mode = "429" if count == 1 else "ok"
        if mode == "ok":
            self._send(handler, 200, self.good)
        elif mode == "slow":
            self.stop.wait(5)  # longer than the timeout; the client has gone by then
        elif mode == "redirect":
            self._send(handler, 302, b"", location=f"/loop/{count}")
        elif mode in ("huge", "huge-declared"):
            self._stream(handler, declared=mode == "huge-declared")
        elif mode == "bad-utf8":
            self._send(handler, 200, b'{"status": "ok", "message": "\xff\xfe\xc3\x28"}')
        elif mode == "bad-json":
            self._send(handler, 200, b'{"status": "ok", "message": {"DOI": ')
        elif mode == "html":
            self._send(handler, 200, b"<!DOCTYPE html><html><body>Service down</body></html>",
                       content_type="text/html; charset=utf-8")
        elif mode == "json-as-html":  # well-formed JSON, but declared as a web page
            self._send(handler, 200, self.good, content_type="text/html")
        elif mode == "cut":
            self._cut(handler)
        elif mode == "429":
            self._send(handler, 429, b'{"error": "API rate limit exceeded"}', retry_after="1")
        elif mode in ("drip-headers", "drip-body"):
            self._drip(handler, headers=mode == "drip-headers")
        else:  # pragma: no cover
            raise AssertionError(mode)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, *,
              content_type: str = "application/json", location: str | None = None,
              retry_after: str | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        if location is not None:
            handler.send_header("Location", location)
        if retry_after is not None:
            handler.send_header("Retry-After", retry_after)
        handler.end_headers()
        handler.wfile.write(body)

    def _stream(self, handler: BaseHTTPRequestHandler, *, declared: bool) -> None:
        """200 MB of JSON-ish bytes, one 64 kB chunk at a time, until the client hangs up."""
        handler.close_connection = True
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            if declared:
                handler.send_header("Content-Length", str(HUGE))
            else:
                handler.send_header("Connection", "close")
            handler.end_headers()
            while self.sent < HUGE and not self.stop.is_set():
                handler.wfile.write(CHUNK)
                self.sent += len(CHUNK)
        except OSError:  # the client stopped reading and closed the connection
            pass
        finally:
            self.streamed.set()

    def _drip(self, handler: BaseHTTPRequestHandler, *, headers: bool) -> None:
        """A good answer, one byte every DRIP seconds: from the status line on, or once the
        headers are out."""
        handler.close_connection = True
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(self.good)}\r\nX-Padding: {'x' * 250}\r\n\r\n"
                ).encode("ascii")
        try:
            if not headers:
                handler.wfile.write(head)
            for byte in (head + self.good if headers else self.good):
                if self.stop.is_set():
                    return
                handler.wfile.write(bytes([byte]))
                self.sent += 1
                time.sleep(DRIP)
        except OSError:  # the client gave up and closed the connection
            pass

    def _cut(self, handler: BaseHTTPRequestHandler) -> None:
        """Promise the whole answer, send half of it, and close the connection."""
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(self.good) + 1000))
        handler.end_headers()
        handler.wfile.write(self.good[: len(self.good) // 2])
        handler.wfile.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.behaviour.answer(self)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.behaviour.answer(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still waiting ("slow") never holds up the test
    behaviour: Behaviour

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away is the point of these tests, not an error


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One corpus cache for the module: each case reads the shipped corpus only once."""
    return tmp_path_factory.mktemp("corpus-cache")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, corpus_cache: Path) -> Iterator[Behaviour]:
    """A loopback server standing in for all three services; fake sleep, small timeout."""
    monkeypatch.setenv("PAINLIT_CACHE_DIR", str(corpus_cache))
    behaviour = Behaviour()
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.behaviour = behaviour
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    for variable, path in (("PAINLIT_PUBMED_URL", "/pubmed"),
                           ("PAINLIT_CROSSREF_URL", "/crossref"),
                           ("PAINLIT_CTGOV_URL", "/ctgov")):
        monkeypatch.setenv(variable, base + path)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy", "PAINLIT_EMAIL", "NCBI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    behaviour.sleeps = []  # type: ignore[attr-defined]
    monkeypatch.setattr(http, "default_sleep", behaviour.sleeps.append)  # type: ignore[attr-defined]
    try:
        yield behaviour
    finally:
        behaviour.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _sleeps(behaviour: Behaviour) -> list[float]:
    recorded: list[float] = behaviour.sleeps  # type: ignore[attr-defined]
    return recorded


# --- the commands ----------------------------------------------------------------------------

#: Command line and a good answer for the one request it starts with.
COMMANDS: dict[str, tuple[list[str], bytes]] = {
    "draft-doi": (["draft", "10.5555/synthetic.2026.001"], _fixture("crossref_work.json")),
    "draft-pmid": (["draft", "99000001"], _fixture("esummary.json")),
    "draft-nct": (["draft", "NCT99999999"], _fixture("ctgov_study.json")),
    "verify": (["verify", "anderson-2019"], _fixture("crossref_work.json")),
    "update": (["update", "--until", "2026-12-01"], _fixture("esearch.json")),
    "trials": (["trials", "fibromyalgia"], b'{"studies": []}'),
}

#: Mode and the words the one error line must hold.
FAILURES: dict[str, str] = {
    "slow": "did not answer in time; gave up after 4 attempts",
    "redirect": "redirected more than 5 times",
    "huge": "answered with more than 32 MB; refusing to read it",
    "huge-declared": "answered with more than 32 MB; refusing to read it",
    "bad-utf8": "answered with invalid or truncated JSON",
    "bad-json": "answered with invalid or truncated JSON",
    "html": "answered with an HTML page instead of JSON",
    "json-as-html": "answered with an HTML page instead of JSON",
    "cut": "gave up after 4 attempts",
    "429": "is limiting requests (HTTP 429); gave up after 4 attempts",
}


def _run(behaviour: Behaviour, name: str, mode: str) -> tuple[Result, float]:
    arguments, good = COMMANDS[name]
    behaviour.mode, behaviour.good = mode, good
    started = time.monotonic()
    result = runner.invoke(app, [*arguments, "--no-cache"])  # no response cache
    return result, time.monotonic() - started


def _error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    for line in stderr.splitlines():  # every message whole on its line, however long
        assert line.startswith(("painlit: ", "hint: ")), stderr
    lines = [line for line in stderr.splitlines() if line.startswith("painlit: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("mode", FAILURES)
def test_a_misbehaving_service_exits_4_in_bounded_time(
        server: Behaviour, name: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "slow":  # only here: a loaded machine must not time out the other cases
        monkeypatch.setattr(http, "TIMEOUT", SMALL_TIMEOUT)
    result, elapsed = _run(server, name, mode)
    assert elapsed < WALL
    assert result.exit_code == 4, result.output
    line = _error_line(result.stderr)
    assert FAILURES[mode] in line
    assert "127.0.0.1" in line or "Crossref" in line or "PubMed" in line or "Clinical" in line
    assert result.stdout == ""  # nothing half-done on stdout
    if mode in ("huge", "huge-declared"):
        assert server.streamed.wait(10), "the server is still sending"
        # The client stopped at its 32 MB cap (at once, for a declared size), far short of
        # the 200 MB offered; what is beyond the cap sat in socket buffers, never in painlit.
        limit = 48 if mode == "huge" else 32
        assert server.sent < limit * 1024 * 1024, server.sent
        assert len(server.requests) == 1  # a refused answer is not asked for again
    if mode in ("redirect", "bad-json", "bad-utf8", "html", "json-as-html"):
        assert len(server.requests) == (6 if mode == "redirect" else 1)  # not retried
    if mode in ("slow", "cut", "429"):
        assert len(server.requests) == 4  # retried, then given up


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("mode", ["drip-headers", "drip-body"])
def test_a_slow_drip_ends_at_the_deadline_per_request(
        server: Behaviour, name: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service sending one byte at a time once held `draft` for minutes: the read timeout
    starts again with every byte. The deadline covers headers and body together."""
    monkeypatch.setattr(http, "TIMEOUT", DRIP_READ_TIMEOUT)
    monkeypatch.setenv("PAINLIT_DEADLINE", str(DRIP_DEADLINE))
    result, elapsed = _run(server, name, mode)
    assert result.exit_code == 4, result.output
    line = _error_line(result.stderr)
    assert f"did not finish answering within {DRIP_DEADLINE:g} s" in line
    assert elapsed < DRIP_WALL, elapsed
    assert len(server.requests) == 1  # a drip is not asked for again
    assert result.stdout == ""
    sent = server.sent
    if mode == "drip-headers":  # cut off in the headers: the body was never reached
        assert sent < 400, sent


@pytest.mark.parametrize("name", ["draft-doi", "draft-nct", "trials"])
def test_429_with_retry_after_then_success(server: Behaviour, name: str) -> None:
    result, elapsed = _run(server, name, "429-then-ok")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    assert "is limiting requests (HTTP 429); retrying in 1 s" in result.stderr
    assert 1.0 in _sleeps(server)  # Retry-After honoured ...
    assert elapsed < 1.0 + WALL / 3  # ... through the injected sleep, not really waited
    assert len(server.requests) == 2


def test_a_200_mb_answer_costs_a_bounded_amount_of_memory(server: Behaviour, tmp_path: Path
                                                           ) -> None:
    """Peak memory of the real process: the body beyond the cap is never held."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PAINLIT_DATA", "NO_COLOR", "FORCE_COLOR"))}
    env.update(PAINLIT_NO_CACHE="1", HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "c"))
    measure = ("import resource, subprocess, sys\n"
               "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
               "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
               "print(done.returncode, peak, done.stderr.decode().strip().splitlines()[:1])\n")

    def peak(mode: str) -> tuple[int, int, str]:
        server.mode, server.good = mode, COMMANDS["draft-doi"][1]
        done = subprocess.run(
            [sys.executable, "-c", measure, sys.executable, "-m", "painlit", *COMMANDS[
                "draft-doi"][0]], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=60, check=True)
        code, kilobytes, first = done.stdout.split(" ", 2)
        return int(code), int(kilobytes), first

    code, baseline, message = peak("bad-json")  # the same command, a small bad answer
    assert code == 4, message
    started = time.monotonic()
    code, huge, message = peak("huge")
    assert time.monotonic() - started < WALL
    assert code == 4 and "refusing to read it" in message, message
    growth_mb = (huge - baseline) / 1024  # ru_maxrss is in kilobytes on Linux
    assert growth_mb < 100, f"peak memory grew by {growth_mb:.0f} MB for a 200 MB answer"
    assert json.dumps(message)  # a plain one-line message
