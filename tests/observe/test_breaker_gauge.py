"""The breaker gauge is republished steadily, so an open breaker keeps its alarm's periods filled."""

from __future__ import annotations

import io
import json
import time

from guards.breaker_gauge import BreakerGauge, publish_states
from guards.breaker_registry import BreakerRegistry
from runtime.telemetry.facade import Telemetry


def _gauge_values(emf: io.StringIO) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for line in emf.getvalue().splitlines():
        document = json.loads(line)
        if "BreakerState" in document:
            found.setdefault(document["dependency"], []).extend(document["BreakerState"])
    return found


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
        deadline = time.monotonic() + 5
        while len(_gauge_values(emf)["redis"]) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        gauge.stop()
        assert set(_gauge_values(emf)["redis"]) == {2.0} and len(_gauge_values(emf)["redis"]) >= 3
    finally:
        telemetry.uninstall()
