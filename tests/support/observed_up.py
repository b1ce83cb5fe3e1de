"""One ``brickguard up`` (both backends, scaled alarm periods) shared by the tests that need a real one.

Shared by the tests that only read from it or undo what they break (the page, chaos, load and CORS
tests): starting an ``up`` costs seconds of both cores, so a test that does not need a quiet or broken
one of its own uses this one (docs/testing.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stack import edge
from tests.support.running_up import RunningUp, running_up


@dataclass
class Frontend:
    """A frontend's stand-in on loopback: the pages tests put in ``pages`` (path -> HTML), on every loopback name.

    ``listed_origin`` is in ``observed_up``'s CORS origins (as the frontend's ``http://localhost:3002``);
    the same pages at ``unlisted_origin`` come from an origin nobody listed.
    """

    port: int
    pages: dict[str, str] = field(default_factory=dict)

    @property
    def listed_origin(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def unlisted_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def frontend() -> Iterator[Frontend]:
    """The frontend's stand-in, started before ``observed_up`` so that its origin can be listed there."""
    pages: dict[str, str] = {}

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path.partition("?")[0])
            body = (page or "no such page").encode()
            self.send_response(200 if page is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Frontend(server.server_address[1], pages)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def observed_up(tmp_path_factory: pytest.TempPathFactory, frontend: Frontend) -> Iterator[RunningUp]:
    """Alarm minutes evaluated as 2 s (``BRICKGUARD_ALARM_PERIOD_SCALE=30``), X-Ray on, ``frontend`` listed for CORS."""
    root = tmp_path_factory.mktemp("observed-up")
    env = {"BRICKGUARD_ALARM_PERIOD_SCALE": "30", "BRICKGUARD_TRACING": "xray",
           "BRICKGUARD_CORS_ORIGINS": ",".join((*edge.CORS_DEFAULT_ORIGINS, frontend.listed_origin))}
    with running_up(root, env) as up:
        yield up
