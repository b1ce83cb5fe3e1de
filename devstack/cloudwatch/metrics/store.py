"""The local metric store: raw samples per CloudWatch metric, answered with CloudWatch's statistics.

Why in-process and raw: ``brickguard up`` is one process that already receives every EMF line and
every platform event, so a store in it needs no server, no schema and no network hop, and dies with
the run it describes. Raw samples (not pre-aggregated buckets) are kept because percentiles of an
arbitrary period cannot be computed from per-second summaries; CloudWatch itself answers ``pNN``
over any period from the full distribution. Statistics use :mod:`alarms.evaluator.periods`, the same
code ``brickguard alarms test`` uses, so the page, the live alarms and the offline tests agree.

Bounded on two axes, whichever bites first:

* **time**: samples older than ``retention_s`` (default 1 h) are dropped — the longest alarm window
  we declare reads 12 periods of 1 min, the page shows 30 min;
* **memory**: at most ``max_samples`` (default 2,000,000 ≈ 32 MB: two ``array('d')`` of 8 bytes
  per sample) across all series; past it the oldest samples of the whole store go first, so recent
  periods (what alarms read) stay exact. ``max_series`` caps the distinct metrics (a misbehaving
  EMF source with unbounded dimension values cannot grow the store); samples of a new series past
  that cap are counted in :attr:`MetricStore.dropped` and discarded.

A metric is identified as in CloudWatch by namespace, name and the exact dimension set
(:func:`alarms.evaluator.series.metric_key`).
"""

from __future__ import annotations

import bisect
import heapq
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from alarms.evaluator.periods import statistic
from alarms.evaluator.series import MetricKey, metric_key

DEFAULT_RETENTION_S = 3600.0
DEFAULT_MAX_SAMPLES = 2_000_000
DEFAULT_MAX_SERIES = 5_000
PRUNE_EVERY_S = 1.0  # time-based pruning runs at most this often
EVICT_FRACTION = 0.1  # when over max_samples, free this share of the budget at once (amortised)


class _Series:
    """Samples of one metric in time order: two parallel arrays of timestamps and values."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times = array("d")
        self.values = array("d")

    def add(self, at: float, values: Iterable[float]) -> int:
        count = 0
        for value in values:
            if not self.times or at >= self.times[-1]:
                self.times.append(at)
                self.values.append(value)
            else:  # a late document: keep time order so range queries stay a bisect
                index = bisect.bisect_right(self.times, at)
                self.times.insert(index, at)
                self.values.insert(index, value)
            count += 1
        return count

    def between(self, start: float, end: float) -> list[float]:
        low = bisect.bisect_left(self.times, start)
        high = bisect.bisect_left(self.times, end)
        return self.values[low:high].tolist()

    def drop_before(self, cutoff: float) -> int:
        index = bisect.bisect_left(self.times, cutoff)
        if index:
            del self.times[:index]
            del self.values[:index]
        return index


@dataclass(frozen=True)
class Usage:
    """How full the store is (shown on the page and by ``alarms status --json``)."""

    series: int
    samples: int
    dropped: int
    max_samples: int
    retention_s: float


class MetricStore:
    """Thread-safe sample store; ``samples(key, start, end)`` is the evaluator's series protocol."""

    def __init__(
        self,
        *,
        retention_s: float = DEFAULT_RETENTION_S,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        max_series: int = DEFAULT_MAX_SERIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if retention_s <= 0 or max_samples <= 0 or max_series <= 0:
            raise ValueError("retention_s, max_samples and max_series must be positive")
        self.retention_s = retention_s
        self.max_samples = max_samples
        self.max_series = max_series
        self._clock = clock
        self._lock = threading.Lock()
        self._series: dict[MetricKey, _Series] = {}
        self._total = 0
        self._pruned_at = 0.0
        self.dropped = 0

    def now(self) -> float:
        return self._clock()

    def put(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        values: Iterable[float],
        at: float | None = None,
    ) -> None:
        """Add raw samples of one metric published at ``at`` (epoch seconds; default now)."""
        key = metric_key(namespace, name, dict(dimensions))
        stamp = self._clock() if at is None else at
        with self._lock:
            series = self._series.get(key)
            if series is None:
                if len(self._series) >= self.max_series:
                    self.dropped += sum(1 for _ in values)
                    return
                series = self._series[key] = _Series()
            self._total += series.add(stamp, values)
            self._bound()

    def _bound(self) -> None:
        """Apply retention and the sample budget. Lock held."""
        now = self._clock()
        if now - self._pruned_at >= PRUNE_EVERY_S:
            self._pruned_at = now
            self._drop_before(now - self.retention_s)
        if self._total > self.max_samples:
            excess = self._total - self.max_samples + int(self.max_samples * EVICT_FRACTION)
            oldest = heapq.nsmallest(excess, heapq.merge(*(series.times for series in self._series.values())))
            if oldest:
                self._drop_before(oldest[-1], inclusive=True)

    def _drop_before(self, cutoff: float, *, inclusive: bool = False) -> None:
        limit = cutoff + 1e-9 if inclusive else cutoff
        for key in list(self._series):
            series = self._series[key]
            self._total -= series.drop_before(limit)
            if not series.times:
                del self._series[key]

    def samples(self, key: MetricKey, start: float, end: float) -> list[float]:
        """Raw values published in ``[start, end)`` (empty for an unknown metric, as in CloudWatch)."""
        with self._lock:
            series = self._series.get(key)
            return series.between(start, end) if series is not None else []

    def timed_samples(self, key: MetricKey, start: float, end: float) -> list[tuple[float, float]]:
        """``(published at, value)`` of the raw samples in ``[start, end)``: a whole window in one pass."""
        with self._lock:
            series = self._series.get(key)
            if series is None:
                return []
            low = bisect.bisect_left(series.times, start)
            high = bisect.bisect_left(series.times, end)
            return list(zip(series.times[low:high], series.values[low:high], strict=True))

    def sums_by_dimensions(self, namespace: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
        """The sum of every retained sample of ``namespace``/``name``, per set of dimensions."""
        with self._lock:
            return {
                key[2]: sum(series.between(float("-inf"), float("inf")))
                for key, series in self._series.items()
                if key[0] == namespace and key[1] == name
            }

    def statistics(
        self, key: MetricKey, stats: Iterable[str], start: float, end: float, period: float
    ) -> list[tuple[float, dict[str, float | None]]]:
        """``GetMetricStatistics``: per period starting at ``start``, each stat (None: no data)."""
        if period <= 0:
            raise ValueError("period must be positive")
        wanted = list(stats)
        points = []
        cursor = start
        while cursor < end:
            values = self.samples(key, cursor, cursor + period)
            points.append((cursor, {stat: statistic(values, stat).value for stat in wanted}))
            cursor += period
        return points

    def usage(self) -> Usage:
        with self._lock:
            return Usage(len(self._series), self._total, self.dropped, self.max_samples, self.retention_s)
