"""Health probes: concurrent, bounded by a timeout, cached."""

from __future__ import annotations

import threading

from guards.health import HEALTHY, NOT_CONFIGURED, UNHEALTHY, HealthProbe


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_verdicts_and_not_configured():
    def broken() -> None:
        raise ConnectionRefusedError

    probe = HealthProbe({"database": lambda: None, "redis": broken, "opensearch": None})
    assert probe.status() == {"database": HEALTHY, "redis": UNHEALTHY, "opensearch": NOT_CONFIGURED}


def test_a_hung_probe_is_down_not_a_hung_check():
    release = threading.Event()
    try:
        probe = HealthProbe({"redis": lambda: release.wait(30) and None, "database": lambda: None}, timeout=0.2)
        assert probe.status() == {"redis": UNHEALTHY, "database": HEALTHY}
    finally:
        release.set()


def test_results_are_cached_for_the_ttl():
    calls = []
    clock = Clock()
    probe = HealthProbe({"database": lambda: calls.append(1)}, ttl=3.0, clock=clock)
    for _ in range(5):
        assert probe.status() == {"database": HEALTHY}
    assert len(calls) == 1
    clock.now += 3.0
    probe.status()
    assert len(calls) == 2
    probe.invalidate()
    probe.status()
    assert len(calls) == 3
