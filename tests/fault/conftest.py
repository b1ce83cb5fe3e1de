"""A guarded API instance per fault test, on servers the test may kill, pause or restart."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest

from api.composition import build_handlers
from api.dependencies import Dependencies
from guards.breaker import BreakerConfig
from migrations.apply import upgrade as migrate_schema
from runtime import config, process
from runtime.telemetry import recorder
from runtime.telemetry.catalogue import MetricSpec
from tests.support.clients import LambdaClient
from tests.support.guard_process import restore_guard_process

# Short windows so a test sees a breaker open and close within seconds.
FAST_BREAKERS = {
    name: BreakerConfig(
        failure_rate_threshold=0.5, minimum_calls=3, window_seconds=5.0, slow_call_seconds=slow, reset_timeout=1.0
    )
    for name, slow in (("postgres", 2.0), ("redis", 0.2), ("opensearch", 0.8))
}


class RecordingSink:
    """Keeps every recorded metric, to check what the guards reported."""

    def __init__(self) -> None:
        self.records: list[tuple[str, float, dict[str, str]]] = []

    def record(self, spec: MetricSpec, value: float, dimensions: Mapping[str, str]) -> None:
        self.records.append((spec.name, value, dict(dimensions)))

    def count(self, name: str, **dims: str) -> int:
        return sum(
            1 for n, _, d in self.records if n == name and all(d.get(k) == v for k, v in dims.items())
        )


@pytest.fixture
def metrics() -> Iterator[RecordingSink]:
    sink = RecordingSink()
    recorder.install_sink(sink)
    yield sink
    recorder.remove_sink(sink)


@pytest.fixture
def guarded_app(database_url: str, tmp_path) -> Iterator[Callable[..., tuple[LambdaClient, Dependencies]]]:
    """Factory: the Lambda handlers wired to the given servers with fast breakers; the process guard restored after."""
    saved_process = process._current
    built: list[Dependencies] = []

    def build(*, redis_url: str | None = None, opensearch_url: str | None = None,
              db_url: str | None = None) -> tuple[LambdaClient, Dependencies]:
        settings = config.Settings(
            backend="serverless", database_url=db_url or database_url, redis_url=redis_url,
            opensearch_url=opensearch_url, data_dir=str(tmp_path), tracing="off",
        )
        deps = Dependencies(settings, FAST_BREAKERS)
        process.install(settings)
        migrate_schema(deps.database.engine)
        built.append(deps)
        return LambdaClient(build_handlers(deps)), deps

    yield build
    for deps in built:
        deps.database.dispose()
    restore_guard_process(saved_process)

