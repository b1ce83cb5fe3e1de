"""Fixtures for the guards unit tests: a clock the test moves, and a sink that records metrics."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pytest

from runtime.telemetry import recorder
from runtime.telemetry.catalogue import MetricSpec


class FakeClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RecordingSink:
    """Keeps every recorded metric as ``(name, value, dimensions)``."""

    records: list[tuple[str, float, dict[str, str]]] = field(default_factory=list)

    def record(self, spec: MetricSpec, value: float, dimensions: Mapping[str, str]) -> None:
        self.records.append((spec.name, value, dict(dimensions)))

    def named(self, name: str) -> list[tuple[float, dict[str, str]]]:
        return [(value, dims) for metric, value, dims in self.records if metric == name]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sink() -> Iterator[RecordingSink]:
    recording = RecordingSink()
    recorder.install_sink(recording)
    try:
        yield recording
    finally:
        recorder.remove_sink(recording)
