"""The seeds' acceptance after a flush: the cache hit rate is back above 80 % within 10 minutes.

The hit rate is read per interval from cumulative hit and miss counters (the
``CacheHit``/``CacheMiss`` metrics), so an interval shows what happened in it,
not the average since the process started. An interval with too few reads says
nothing and does not count as recovered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TARGET = 0.80
WITHIN_SECONDS = 600.0
MIN_READS = 20


@dataclass(frozen=True)
class Interval:
    seconds_after_flush: float
    hits: float
    misses: float

    @property
    def reads(self) -> float:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.reads if self.reads else None


@dataclass
class RecoveryReport:
    target: float
    within_seconds: float
    intervals: list[Interval] = field(default_factory=list)
    recovered_after: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "within_seconds": self.within_seconds,
            "recovered_after_seconds": self.recovered_after,
            "intervals": [
                {"seconds": round(i.seconds_after_flush, 1), "reads": i.reads, "hit_rate": i.hit_rate}
                for i in self.intervals
            ],
        }


def watch_recovery(
    sample: Callable[[], tuple[float, float]],
    *,
    target: float = TARGET,
    within_seconds: float = WITHIN_SECONDS,
    every_seconds: float = 30.0,
    min_reads: int = MIN_READS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_interval: Callable[[Interval], None] = lambda interval: None,
) -> RecoveryReport:
    """Sample ``(hits, misses)`` every ``every_seconds`` until an interval reaches ``target`` or time is up."""
    report = RecoveryReport(target=target, within_seconds=within_seconds)
    start = clock()
    hits, misses = sample()
    while clock() - start < within_seconds:
        sleep(min(every_seconds, max(0.0, within_seconds - (clock() - start))))
        new_hits, new_misses = sample()
        interval = Interval(clock() - start, max(0.0, new_hits - hits), max(0.0, new_misses - misses))
        hits, misses = new_hits, new_misses
        report.intervals.append(interval)
        on_interval(interval)
        rate = interval.hit_rate
        if interval.reads >= min_reads and rate is not None and rate >= target:
            report.recovered_after = interval.seconds_after_flush
            break
    return report


def prometheus_sampler(metrics_url: str, *, timeout: float = 5.0) -> Callable[[], tuple[float, float]]:
    """A sampler reading ``brickguard_cache_{hit,miss}_total`` (all labels summed) from a /metrics page."""
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    from runtime.telemetry import catalogue
    from runtime.telemetry.prometheus import prometheus_name

    hit_name, miss_name = prometheus_name(catalogue.CACHE_HIT), prometheus_name(catalogue.CACHE_MISS)

    def sample() -> tuple[float, float]:
        text = requests.get(metrics_url, timeout=timeout).text
        totals = {hit_name: 0.0, miss_name: 0.0}
        for family in text_string_to_metric_families(text):
            for point in family.samples:
                if point.name in totals:
                    totals[point.name] += point.value
        return totals[hit_name], totals[miss_name]

    return sample
