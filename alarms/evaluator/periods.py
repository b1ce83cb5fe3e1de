"""Period statistics as CloudWatch computes them, including percentiles, percentile rank and the low-sample rule."""

from __future__ import annotations

import math
import re
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


_RANK = re.compile(r"^PR\((?P<low>[0-9.]*):(?P<high>[0-9.]*)\)$")


def percentile_rank(values: list[float], stat: str) -> float | None:
    """``PR(low:high)``: the percentage of samples in ``(low, high]`` (CloudWatch: lower bound excluded, upper
    included; an empty bound is open). None when ``stat`` is not a percentile rank."""
    match = _RANK.match(stat)
    if match is None:
        return None
    low = float(match["low"]) if match["low"] else -math.inf
    high = float(match["high"]) if match["high"] else math.inf
    return 100.0 * sum(1 for value in values if low < value <= high) / len(values)


def significant_samples(pct: float) -> float:
    """Samples needed for a percentile to be significant: 10/(1-p) from p50 up, 10/p below."""
    fraction = pct / 100
    return 10 / (1 - fraction) if fraction >= 0.5 else 10 / fraction


def statistic(values: list[float], stat: str) -> Datapoint:
    """Aggregate one period's raw samples with ``stat``."""
    if not values:
        return Datapoint(None)
    rank = percentile_rank(values, stat)
    if rank is not None:
        return Datapoint(rank)
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
