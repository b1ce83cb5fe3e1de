"""Route53 health checks under ``brickguard up``: ``GET /health`` on each backend, as Route53's checkers do.

The stack's checks (``stack/health_checks.py``) request ``/health`` every 30 s with a failure
threshold of 3. Route53 counts an endpoint healthy when it accepts the connection within 4 s and
answers 2xx or 3xx within 2 s more; the status flips only after *threshold* consecutive results the
other way (in both directions), and ``AWS/Route53 HealthCheckStatus`` is 1 (healthy) or 0.

Here one checker per backend (Route53 runs some fifteen, in several regions, and calls an endpoint
healthy when more than 18 % of them say so): each check runs in its own thread, so a backend that
hangs delays only its own checks, and its status is published after every check. The interval is
divided by the alarm period scale under ``up``, like every other period. A check starts healthy, as
Route53 treats a new check until it has results (decision, docs/local-aws.md).
The same :class:`HealthCheck` serves the load balancer's target health checks (``devstack/elb``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

CONNECT_TIMEOUT_S = 4.0
ANSWER_TIMEOUT_S = 2.0
INTERVAL_S = 30.0
FAILURE_THRESHOLD = 3
HEALTH_PATH = "/health"

Probe = Callable[[str], bool]
"""``probe(url)``: whether one check of ``url`` passed."""


def http_probe(url: str, *, timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, ANSWER_TIMEOUT_S),
               passing: Callable[[int], bool] = lambda status: 200 <= status < 400) -> bool:
    """One GET: passes when it connects and answers a passing status in time (Route53: 2xx or 3xx)."""
    try:
        return passing(requests.get(url, timeout=timeout, allow_redirects=False).status_code)
    except requests.RequestException:
        return False


@dataclass
class HealthCheck:
    """One endpoint's status, changed only by ``threshold`` consecutive results the other way."""

    name: str
    url: str
    unhealthy_threshold: int = FAILURE_THRESHOLD
    healthy_threshold: int = FAILURE_THRESHOLD
    healthy: bool = True
    _streak: int = field(default=0, repr=False)

    def record(self, passed: bool) -> bool:
        """Count one result; the (possibly new) status."""
        if passed == self.healthy:
            self._streak = 0
            return self.healthy
        self._streak += 1
        if self._streak >= (self.healthy_threshold if passed else self.unhealthy_threshold):
            self.healthy, self._streak = passed, 0
        return self.healthy


class HealthChecker:
    """Checks every ``interval_s`` each of ``checks`` and hands ``on_status(name, healthy)`` the result."""

    def __init__(self, checks: list[HealthCheck], interval_s: float, on_status: Callable[[str, bool], None],
                 probe: Probe = http_probe) -> None:
        self._checks = checks
        self._interval_s = interval_s
        self._on_status = on_status
        self._probe = probe
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> HealthChecker:
        for check in self._checks:
            thread = threading.Thread(target=self._run, args=(check,), name=f"health-check-{check.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _run(self, check: HealthCheck) -> None:
        while not self._stop.is_set():
            self._on_status(check.name, check.record(self._probe(check.url)))
            self._stop.wait(self._interval_s)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=CONNECT_TIMEOUT_S + ANSWER_TIMEOUT_S + 1)
