"""The comparison page in headless Chromium against a real ``brickguard up`` (both backends).

It loads ``/dashboard``, sends traffic to both backends, waits until both backends' series are
drawn on the latency widget and checks the cost table shows the figures ``/dashboard/cost.json``
served it (``brickguard rollout status`` reads the same route), then pauses Redis with
``brickguard chaos`` and waits until the ``breaker-open-express`` alarm turns to ALARM on the page
(and in ``brickguard alarms status``).
Alarm periods are scaled (``BRICKGUARD_ALARM_PERIOD_SCALE=30``: a minute is evaluated as 2 s, so the
alarm's 5 of 5 minutes take 10 s).
Skipped, saying so, only when no Chromium is installed (CI installs Debian's ``chromium``).
``BRICKGUARD_SCREENSHOT_DIR=docs/img`` keeps its two screenshots (the ones in docs/ come from here).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests

from dashboards.facade import edge_latency
from tests.support.running_up import RunningUp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install -y chromium)")


class Traffic:
    """GET /api/mocs on both backends every 100 ms from a thread, bounded in count and time."""

    def __init__(self, up: RunningUp, token: str, seconds: float) -> None:
        self._up, self._token, self._seconds = up, token, seconds
        self._stop = threading.Event()
        self.statuses: list[int] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + self._seconds
        headers = {"Authorization": f"Bearer {self._token}"}
        for _ in range(int(self._seconds * 10)):
            if self._stop.is_set() or time.monotonic() > deadline:
                return
            for base in (self._up.express, self._up.serverless):
                try:
                    self.statuses.append(requests.get(base + "/api/mocs", headers=headers, timeout=15).status_code)
                except requests.RequestException:
                    self.statuses.append(0)
            self._stop.wait(0.1)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def assert_page_shows_the_cost_it_was_served(page) -> None:
    """The cost table holds exactly the figures of the ``/dashboard/cost.json`` answer it last fetched."""
    with page.expect_response(lambda response: response.url.endswith("/dashboard/cost.json"), timeout=10_000) as got:
        pass
    served = got.value.json()
    assert served["observed"] is True and served["measured"]["requests"]["serverless"] > 0, served
    rows = page.wait_for_function(
        """(window) => {
             const table = document.getElementById('cost');
             if (Number(table.getAttribute('data-window')) !== window) return false;
             return [...table.querySelectorAll('tr[data-backend]')].map((row) => ({
               backend: row.dataset.backend, perMonth: row.dataset.perMonth, perMillion: row.dataset.perMillion,
               perMonthText: row.querySelector('.per-month').textContent,
               perMillionText: row.querySelector('.per-million').textContent}));
           }""",
        arg=served["window_seconds"], timeout=10_000,
    ).json_value()
    assert {row["backend"] for row in rows} == {"express", "serverless"}
    for row in rows:
        figures = served["backends"][row["backend"]]
        assert float(row["perMonth"]) == figures["per_month_usd"]
        assert float(row["perMillion"]) == figures["per_million_requests_usd"]
        assert row["perMonthText"] == f"${figures['per_month_usd']:,.2f}"
        assert row["perMillionText"] == f"${figures['per_million_requests_usd']:,.2f}"


def test_both_backends_on_the_latency_widget_then_an_alarm_when_redis_pauses(observed_up: RunningUp, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("BRICKGUARD_SCREENSHOT_DIR", str(tmp_path)))
    token = observed_up.cli("token", "--sub", "demo-user").stdout.strip()
    assert token.count(".") == 2
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1800})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(observed_up.express + "/dashboard")
            page.wait_for_selector("body[data-refreshed]", timeout=30_000)
            latency_title = edge_latency("p95").title  # the comparison dashboard's lead widget
            latency = page.locator(f'.w[data-title="{latency_title}"]')
            no_rds = page.locator('.w[data-title="RDS CPU %"]')  # no RDS locally: its widget says so
            assert "no data yet" in (no_rds.text_content() or "")
            with Traffic(observed_up, token, seconds=60) as traffic:
                page.wait_for_function(
                    """(title) => [...document.querySelectorAll('.w')].find((w) => w.dataset.title === title)
                             ?.getAttribute('data-backends-with-data') === 'express,serverless'""",
                    arg=latency_title, timeout=45_000,
                )
                assert latency.locator("canvas").count() >= 1
                assert "express" in latency.inner_text() and "serverless" in latency.inner_text()
                assert_page_shows_the_cost_it_was_served(page)
                page.screenshot(path=str(shots / "dashboard-healthy.png"))
                assert 200 in traffic.statuses
                paused = observed_up.cli("chaos", "redis", "pause")
                assert paused.returncode == 0, paused.stderr
                assert "SIGSTOP" in paused.stdout and "brickguard chaos redis resume" in paused.stdout
                try:
                    page.wait_for_selector('tr[data-alarm="breaker-open-express"][data-state="ALARM"]',
                                           timeout=100_000)
                    status = observed_up.cli("alarms", "status", "--json")
                    # one more refresh, so the screenshot shows the alarm's widget lines too
                    before = page.get_attribute("body", "data-refreshed")
                    page.wait_for_function("(before) => document.body.getAttribute('data-refreshed') !== before",
                                           arg=before, timeout=30_000)
                    page.screenshot(path=str(shots / "dashboard-redis-paused.png"))
                finally:
                    resumed = observed_up.cli("chaos", "redis", "resume")
            assert resumed.returncode == 0, resumed.stderr
            states = {alarm["slug"]: alarm["state"] for alarm in json.loads(status.stdout)["alarms"]}
            assert states["breaker-open-express"] == "ALARM"
            assert errors == []
        finally:
            browser.close()
