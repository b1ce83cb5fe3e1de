"""Period statistics as CloudWatch computes them, including percentiles and the low-sample rule."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Datapoint:
    """One period's value (None when the period had no data) and whether it is low-sample."""

    value: float | None
    low_sample: bool = False


def percentile_of(stat: str) -> float | None:
    """``p95`` -> 95.0; None for non-percentile statistics."""
    if stat.startswith("p") and stat[1:].replace(".", "", 1).isdigit():
        return float(stat[1:])
    return None


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least ``pct``% of samples at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def significant_samples(pct: float) -> float:
    """Samples needed for a percentile to be significant: 10/(1-p) from p50 up, 10/p below."""
    fraction = pct / 100
    return 10 / (1 - fraction) if fraction >= 0.5 else 10 / fraction


def statistic(values: list[float], stat: str) -> Datapoint:
    """Aggregate one period's raw samples with ``stat``."""
    if not values:
        return Datapoint(None)
    pct = percentile_of(stat)
    if pct is not None:
        return Datapoint(percentile(values, pct), low_sample=len(values) < significant_samples(pct))
    if stat == "Sum":
        return Datapoint(math.fsum(values))
    if stat == "Average":
        return Datapoint(math.fsum(values) / len(values))
    if stat == "Maximum":
        return Datapoint(max(values))
    if stat == "Minimum":
        return Datapoint(min(values))
    if stat == "SampleCount":
        return Datapoint(float(len(values)))
    raise ValueError(f"statistic {stat!r} is not supported")
