"""Synthetic metric series: raw samples published at given offsets (seconds from the start)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def metric_key(namespace: str, name: str, dimensions: dict[str, str]) -> MetricKey:
    """CloudWatch identifies a metric by namespace, name and the exact set of dimensions."""
    return (namespace, name, frozenset(dimensions.items()))


class SampleSource(Protocol):
    """Where the evaluator reads raw samples: a scenario's :class:`SeriesStore`, or ``up``'s live store."""

    def samples(self, key: MetricKey, start: int, end: int) -> list[float]: ...


@dataclass
class Series:
    """Raw samples of one metric, keyed by publication time in seconds."""

    key: MetricKey
    samples: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))

    def publish(self, at: int, values: list[float]) -> None:
        self.samples[at].extend(values)

    def between(self, start: int, end: int) -> list[float]:
        """All samples published in ``[start, end)``."""
        return [value for at, values in self.samples.items() if start <= at < end for value in values]


@dataclass
class SeriesStore:
    """Every synthetic series of one scenario; unknown metrics simply have no data (as in CloudWatch)."""

    series: dict[MetricKey, Series] = field(default_factory=dict)

    def get(self, key: MetricKey) -> Series:
        if key not in self.series:
            self.series[key] = Series(key)
        return self.series[key]

    def samples(self, key: MetricKey, start: int, end: int) -> list[float]:
        found = self.series.get(key)
        return found.between(start, end) if found else []
