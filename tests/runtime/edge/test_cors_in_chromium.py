"""A frontend on another origin calls both backends of ``brickguard up`` from Chromium, with a token.

The page is served on loopback as ``http://localhost:<port>`` (the frontend's stand-in, in
``tests/support/observed_up.py``, for its ``http://localhost:3002``), listed in the shared
``observed_up``'s ``BRICKGUARD_CORS_ORIGINS`` (these tests only read); the backends listen on
``127.0.0.1``, another origin. Its script sends ``Authorization: Bearer …`` (so Chromium sends a
preflight first) to express and to the local gateway and shows each answer. The same page opened as
``http://127.0.0.1:<port>`` is an origin nobody listed: Chromium blocks both calls, as it would
against API Gateway.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.observed_up import Frontend
from tests.support.running_up import RunningUp

if TYPE_CHECKING:
    from playwright.sync_api import Browser

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
def page_path(frontend: Frontend) -> str:
    """The page, on the frontend's stand-in (its ``localhost`` origin is listed in ``observed_up``'s CORS origins)."""
    frontend.pages["/cors"] = PAGE
    return "/cors"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def _answers_shown(up: RunningUp, browser: Browser, page_url: str, screenshot: Path) -> dict[str, tuple[str, str]]:
    token = up.cli("token", "--sub", "cors-user").stdout.strip()
    assert token.count(".") == 2
    query = f"?express={up.express}&serverless={up.serverless}&token={token}"
    page = browser.new_page()
    try:
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
        page.close()


def test_a_listed_origin_reads_both_backends_answers(
    observed_up: RunningUp, frontend: Frontend, page_path: str, browser: Browser, tmp_path: Path
) -> None:
    shown = _answers_shown(observed_up, browser, frontend.listed_origin + page_path, tmp_path / "listed.png")
    assert shown == {"express": ("200", "200 success=true"), "serverless": ("200", "200 success=true")}


def test_an_unlisted_origin_is_blocked_by_the_browser_on_both(
    observed_up: RunningUp, frontend: Frontend, page_path: str, browser: Browser, tmp_path: Path
) -> None:
    shown = _answers_shown(observed_up, browser, frontend.unlisted_origin + page_path, tmp_path / "unlisted.png")
    assert {name: status for name, (status, _text) in shown.items()} == {"express": "blocked", "serverless": "blocked"}
    assert all(text.startswith("blocked: TypeError") for _status, text in shown.values())
