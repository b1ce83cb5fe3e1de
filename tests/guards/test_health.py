"""Health probes: concurrent, bounded by a timeout, cached."""

from __future__ import annotations

import threading
import time

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


def test_a_first_connection_slower_than_a_round_trip_is_not_an_outage():
    """A cold environment's first probe opens the connection; later probes get the round-trip timeout."""
    release = threading.Event()
    calls = []

    def database() -> None:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.3)  # importing the client and connecting, past the 0.1 s round-trip cap
        else:
            release.wait(30)  # then the server hangs

    try:
        probe = HealthProbe({"database": database}, timeout=0.1, first_timeout=5.0, ttl=0.0)
        assert probe.status() == {"database": HEALTHY}
        assert probe.status() == {"database": UNHEALTHY}
    finally:
        release.set()
