"""The breaker gauge is republished steadily, so an open breaker keeps its alarm's periods filled."""

from __future__ import annotations

import io
import json

import pytest

from guards.breaker_gauge import BreakerGauge, InvocationGauge, publish_states
from guards.breaker_registry import BreakerRegistry
from runtime.telemetry import recorder
from runtime.telemetry.emf import EmfSink
from runtime.telemetry.facade import Telemetry
from tests.support.waiting import wait_until


def _gauge_values(emf: io.StringIO) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for line in emf.getvalue().splitlines():
        document = json.loads(line)
        if "BreakerState" in document:
            found.setdefault(document["dependency"], []).extend(document["BreakerState"])
    return found


@pytest.mark.usefixtures("process_sinks_out")
def test_every_breaker_state_is_published_at_each_beat() -> None:
    emf = io.StringIO()
    telemetry = Telemetry(backend="express", service="svc", emf_stream=emf, log_stream=io.StringIO()).install()
    registry = BreakerRegistry()
    try:
        registry.force("redis", "open")
        telemetry.flush()  # the transition's own gauge value
        emf.truncate(0)
        emf.seek(0)
        assert publish_states(registry.snapshot) == len(registry)
        telemetry.flush()
        values = _gauge_values(emf)
        assert values["redis"] == [2.0] and values["postgres"] == [0.0]
        gauge = BreakerGauge(registry.snapshot, interval_s=0.05, flush=telemetry.flush).start()
        wait_until(lambda: len(_gauge_values(emf)["redis"]) >= 3, "three beats of the gauge", limit=5, step=0.02)
        gauge.stop()
        assert set(_gauge_values(emf)["redis"]) == {2.0} and len(_gauge_values(emf)["redis"]) >= 3
    finally:
        telemetry.uninstall()


def _stamped_gauge(emf: io.StringIO) -> list[tuple[int, str, float]]:
    """``(timestamp ms, dependency, value)`` of every BreakerState document, in order."""
    return [
        (document["_aws"]["Timestamp"], document["dependency"], value)
        for document in map(json.loads, emf.getvalue().splitlines())
        if "BreakerState" in document
        for value in document["BreakerState"]
    ]


def test_an_environment_woken_after_idle_periods_writes_the_samples_it_owed_stamped_when_due() -> None:
    emf = io.StringIO()
    now = [1_000.0]
    sink = EmfSink(stream=emf, clock=lambda: now[0])  # the flush stamps "now" by the same clock
    recorder.install_sink(sink)
    registry = BreakerRegistry(overrides={"redis": "open"})
    try:
        sink.flush()  # the pin's own transition sample
        emf.truncate(0)
        emf.seek(0)
        gauge = InvocationGauge(registry.snapshot, period_s=60, clock=lambda: now[0], max_catch_up=3)
        now[0] = 1_030.0
        assert gauge.tick() == 0  # within a period of init: nothing due
        now[0] = 1_000.0 + 5 * 60 + 10  # frozen for five periods, then a keep-warm ping
        assert gauge.tick() == len(registry) * 4  # the last 3 owed samples (the bound) and one now
        sink.flush()
        redis = [(at, value) for at, dependency, value in _stamped_gauge(emf) if dependency == "redis"]
        assert redis == [(1_180_000, 2.0), (1_240_000, 2.0), (1_300_000, 2.0), (1_310_000, 2.0)]
        now[0] += 30
        assert gauge.tick() == 0  # under traffic: one sample a period, not one per invocation
    finally:
        recorder.remove_sink(sink)
