"""Alarm state from an evaluation range: M of N, ``TreatMissingData`` and low-sample percentiles.

CloudWatch reads an evaluation range longer than ``EvaluationPeriods`` (we use N + 2 periods, as in
AWS's worked example of a 3-period alarm over 5 datapoints) and applies, in this order:

1. At least N real datapoints in the range: judge the most recent N real ones; missing ones are
   skipped and ``TreatMissingData`` is not consulted.
2. No real datapoint: ``missing`` -> INSUFFICIENT_DATA, ``ignore`` -> keep the state,
   ``breaching`` -> ALARM, ``notBreaching`` -> OK.
3. Some but fewer than N: fill the gap with ``TreatMissingData``. ``breaching``/``notBreaching``
   count the fill as breaching/not; ``ignore`` changes state only when the real points decide it
   whatever the fill; ``missing`` judges the real points alone (M capped at their number).

With ``EvaluateLowSampleCountPercentile=ignore`` the state does not change while a judged datapoint
has too few samples to be significant.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

from alarms.evaluator.periods import Datapoint

ALARM = "ALARM"
OK = "OK"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
STATES = (ALARM, OK, INSUFFICIENT_DATA)
EXTRA_RANGE_PERIODS = 2

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


def decide(
    points: Sequence[Datapoint],
    *,
    comparison: str,
    threshold: float,
    evaluations: int,
    datapoints: int,
    treat_missing: str,
    low_sample_ignore: bool,
    current: str,
) -> str:
    """The new state given the evaluation range ``points`` (oldest first)."""
    compare = COMPARISONS[comparison]
    real = [point for point in points if point.value is not None]
    judged = real[-evaluations:]
    if low_sample_ignore and any(point.low_sample for point in judged):
        return current
    breaching = sum(1 for point in judged if point.value is not None and compare(point.value, threshold))
    if len(real) >= evaluations:
        return ALARM if breaching >= datapoints else OK
    if not real:
        return {"missing": INSUFFICIENT_DATA, "ignore": current, "breaching": ALARM, "notBreaching": OK}[
            treat_missing
        ]
    gap = evaluations - len(real)
    if treat_missing == "breaching":
        return ALARM if breaching + gap >= datapoints else OK
    if treat_missing == "notBreaching":
        return ALARM if breaching >= datapoints else OK
    if treat_missing == "ignore":
        if breaching >= datapoints:
            return ALARM
        return OK if breaching + gap < datapoints else current
    if treat_missing == "missing":
        return ALARM if breaching >= min(datapoints, len(real)) else OK
    raise ValueError(f"TreatMissingData {treat_missing!r} is not one of breaching, notBreaching, ignore, missing")
