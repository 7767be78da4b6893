"""Shared pieces of the online tests: a fake clock, a recording mock server, fixtures.

Nothing here touches the network: every client is an `httpx.Client` on an
`httpx.MockTransport`, installed by replacing `painlit.online.http.make_client`, and time is
a fake whose `sleep` only records and advances it.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from typer.testing import CliRunner

from painlit.cli import app
from painlit.online import http

FIXTURES = Path(__file__).parent / "fixtures" / "online"
runner = CliRunner()

Responder = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class FakeTime:
    """Monotonic and wall clock in one; `sleep` records the wait and moves the clock."""

    def __init__(self, start: float | None = None) -> None:
        # whole seconds of the real time, so HTTP dates and cache file times line up
        self.now = float(int(time.time())) if start is None else start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def clock(self) -> float:
        return self.now


class Server:
    """A mock of the three services: responders by path suffix; every request recorded."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: list[tuple[str, list[Responder | httpx.Response]]] = []
        # Every `update` asks EFetch for the new records' abstracts: unless a test says
        # otherwise, the synthetic fixture answers.
        self.fallback: dict[str, Responder] = {"/efetch.fcgi": text_response(
            fixture_bytes("efetch.xml").decode("utf-8"), content_type="text/xml")}

    def on(self, path_part: str, *responses: Responder | httpx.Response) -> None:
        """Answer requests whose URL path contains `path_part` with `responses` in turn;
        the last one repeats."""
        self.routes.append((path_part, list(responses)))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for part, responses in self.routes:
            if part in request.url.path:
                answer = responses.pop(0) if len(responses) > 1 else responses[0]
                if isinstance(answer, httpx.Response):
                    return copy.copy(answer) if answer.is_stream_consumed else answer
                return answer(request)
        for part, responder in self.fallback.items():
            if part in request.url.path:
                return responder(request)
        return httpx.Response(404, text="Resource not found.")

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def params(self, index: int = -1) -> dict[str, str]:
        """Query or form parameters of a recorded request, one value each."""
        request = self.requests[index]
        if request.method == "POST":
            values = parse_qs(request.content.decode("utf-8"), keep_blank_values=True)
        else:
            values = parse_qs(request.url.query.decode("utf-8"), keep_blank_values=True)
        return {key: items[-1] for key, items in values.items()}

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]


def json_response(data: Any, status: int = 200, **headers: str) -> Responder:
    body = json.dumps(data).encode("utf-8")

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body,
                              headers={"content-type": "application/json", **headers})

    return respond


def text_response(text: str, status: int = 200, content_type: str = "text/plain",
                  **headers: str) -> Responder:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=text.encode("utf-8"),
                              headers={"content-type": content_type, **headers})

    return respond


def raises(error: type[httpx.TransportError]) -> Responder:
    def respond(request: httpx.Request) -> httpx.Response:
        raise error("synthetic failure", request=request)

    return respond


def install(monkeypatch: pytest.MonkeyPatch, server: Server) -> FakeTime:
    """Route every online command to `server`, with fake time."""
    fake = FakeTime()
    monkeypatch.setattr(http, "make_client", server.client)
    monkeypatch.setattr(http, "default_sleep", fake.sleep)
    monkeypatch.setattr(http, "default_clock", fake.clock)
    monkeypatch.setattr(http, "default_now", fake.clock)
    for name in ("PAINLIT_EMAIL", "NCBI_API_KEY", "PAINLIT_PUBMED_URL", "PAINLIT_CROSSREF_URL",
                 "PAINLIT_CTGOV_URL"):
        monkeypatch.delenv(name, raising=False)
    return fake


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_the_fake_server_answers_in_turn_and_records() -> None:
    server = Server()
    server.on("/x", httpx.Response(500), json_response({"ok": True}))
    with server.client() as client:
        assert client.get("https://example.org/x").status_code == 500
        assert client.get("https://example.org/x?a=1").json() == {"ok": True}
        assert client.get("https://example.org/x").json() == {"ok": True}
        assert client.get("https://example.org/nothing").status_code == 404
    assert server.params(1) == {"a": "1"}
    assert len(server.requests) == 4
