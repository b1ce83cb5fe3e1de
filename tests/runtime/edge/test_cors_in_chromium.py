"""A frontend on another origin calls both backends of ``brickguard up`` from Chromium, with a token.

The page is served on loopback as ``http://localhost:<port>`` (the stand-in for the frontend's
``http://localhost:3002``), listed in ``BRICKGUARD_CORS_ORIGINS``; the backends listen on
``127.0.0.1``, another origin. Its script sends ``Authorization: Bearer …`` (so Chromium sends a
preflight first) to express and to the local gateway and shows each answer. The same page opened as
``http://127.0.0.1:<port>`` is an origin nobody listed: Chromium blocks both calls, as it would
against API Gateway.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devstack.embedded import free_port
from tests.support.running_up import RunningUp, running_up

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install -y chromium)")

PAGE = """<!doctype html>
<html><body>
<p id="express" data-status="pending"></p><p id="serverless" data-status="pending"></p>
<script>
  const params = new URLSearchParams(location.search);
  async function call(name) {
    const shown = document.getElementById(name);
    try {
      const reply = await fetch(params.get(name) + "/api/mocs?limit=5", {
        headers: {"Authorization": "Bearer " + params.get("token")}, credentials: "include"});
      const body = await reply.json();
      shown.textContent = reply.status + " success=" + body.success;
      shown.dataset.status = String(reply.status);
    } catch (error) {
      shown.textContent = "blocked: " + error;
      shown.dataset.status = "blocked";
    }
  }
  call("express"); call("serverless");
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def page_port() -> Iterator[int]:
    """The frontend's stand-in: one page, on every loopback name."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def cors_up(tmp_path_factory: pytest.TempPathFactory, page_port: int, database_url: str,
            redis_url: str) -> Iterator[RunningUp]:
    env = {"BRICKGUARD_CORS_ORIGINS": f"http://localhost:{page_port}", "DATABASE_URL": database_url,
           "REDIS_URL": redis_url}
    with running_up(tmp_path_factory.mktemp("cors-up"), env) as up:
        yield up


def _answers_shown(cors_up: RunningUp, page_url: str, screenshot: Path) -> dict[str, tuple[str, str]]:
    from playwright.sync_api import sync_playwright

    token = cors_up.cli("token", "--sub", "cors-user").stdout.strip()
    assert token.count(".") == 2
    query = f"?express={cors_up.express}&serverless={cors_up.serverless}&token={token}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(page_url + query)
            page.wait_for_function(
                "() => [...document.querySelectorAll('p')].every((p) => p.dataset.status !== 'pending')",
                timeout=60_000,
            )
            page.screenshot(path=str(screenshot))
            return {
                name: (page.get_attribute(f"#{name}", "data-status") or "", page.inner_text(f"#{name}"))
                for name in ("express", "serverless")
            }
        finally:
            browser.close()


def test_a_listed_origin_reads_both_backends_answers(cors_up: RunningUp, page_port: int, tmp_path: Path) -> None:
    shown = _answers_shown(cors_up, f"http://localhost:{page_port}/", tmp_path / "listed.png")
    assert shown == {"express": ("200", "200 success=true"), "serverless": ("200", "200 success=true")}


def test_an_unlisted_origin_is_blocked_by_the_browser_on_both(cors_up: RunningUp, page_port: int,
                                                             tmp_path: Path) -> None:
    shown = _answers_shown(cors_up, f"http://127.0.0.1:{page_port}/", tmp_path / "unlisted.png")
    assert {name: status for name, (status, _text) in shown.items()} == {"express": "blocked", "serverless": "blocked"}
    assert all(text.startswith("blocked: TypeError") for _status, text in shown.values())
