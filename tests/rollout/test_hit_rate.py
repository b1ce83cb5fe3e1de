"""The hit-rate recovery report reads per-interval rates from cumulative counters."""

from __future__ import annotations

from rollout.hit_rate import watch_recovery


def _clock():
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return (lambda: now[0]), sleep


def test_recovery_is_the_first_interval_above_target_with_enough_reads():
    clock, sleep = _clock()
    samples = iter([(1000, 0), (1010, 90), (1060, 140), (1150, 150), (9999, 9999)])
    report = watch_recovery(lambda: next(samples), every_seconds=30, clock=clock, sleep=sleep)
    assert [round(i.hit_rate or 0, 2) for i in report.intervals] == [0.1, 0.5, 0.9]
    assert report.recovered_after == 90


def test_an_interval_with_too_few_reads_is_not_recovery_and_time_runs_out():
    clock, sleep = _clock()
    totals = [0, 0]

    def sample() -> tuple[int, int]:
        totals[0] += 5  # 5 hits, no misses: 100 % but only 5 reads an interval
        return totals[0], totals[1]

    report = watch_recovery(sample, within_seconds=120, every_seconds=30, clock=clock, sleep=sleep)
    assert report.recovered_after is None and len(report.intervals) == 4
    assert report.as_json()["recovered_after_seconds"] is None
