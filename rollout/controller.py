"""The rollout's steps: status, advance behind the gate, rollback on both paths, and the watch loop.

An advance, in order: refuse unless the gate says ``go`` (and, from 0 %, unless
parity is clean) and the minimum time in stage has passed; open the deploy
window; flush the migration cache; move both weighted records in one batch and
wait for INSYNC; set ``useServerless``; close the window (also when a step
failed); append the audit record. With a smoke flow (rollout/smoke.py), it runs
against the deployed edge once the weights moved, inside the window: when it
fails, the weights go back to where they were (and ``useServerless`` to false
when that was 0 %), the audit record says ``advance-reverted`` with the smoke
report, and the step is reported failed. A rollback sets ``useServerless`` false first
(the fast path, one S3 write that browsers see within ``max-age``) and then the
weights back to 100 % express (the slow path, bounded by the resolvers' TTL).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rollout.audit import AuditTrail
from rollout.config_flag import MAX_AGE_SECONDS, ConfigFlag
from rollout.deploy_window import DeployWindow, alarm_states
from rollout.gate import EdgeReading, GateConfig, Verdict, evaluate
from rollout.metric_source import EdgeSource, MetricSource
from rollout.smoke import SmokeReport
from rollout.target import Target
from rollout.weights import WeightedRecords, propagation_seconds
from stack.rollout_contract import EXPRESS, SERVERLESS, TTL_SECONDS

STAGES = (0, 10, 25, 50, 100)
DEFAULT_MIN_STAGE_SECONDS = 24 * 3600  # the seeds wait a day per stage
NOT_METERED = (
    "not metered here: under `brickguard up` status shows up's figures; in AWS run `brickguard cost --log` "
    "on the functions' CloudWatch Logs export"
)


class RolloutRefused(RuntimeError):
    """The step may not happen now; the message says why."""


@dataclass(frozen=True)
class Evaluation:
    """How the gate reads the metrics: periods of ``period_s`` over the last ``window_s``."""

    config: GateConfig = field(default_factory=GateConfig)
    period_s: int = 60
    window_s: int = 30 * 60


@dataclass
class StepReport:
    """What a step did (or, on a dry run, would do), and how long each path takes to reach users."""

    action: str
    dry_run: bool
    from_percent: float
    to_percent: int
    changes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    verdict: Verdict | None = None
    smoke: SmokeReport | None = None
    reverted: bool = False
    """The smoke flow failed after the weights moved, and they went back to ``from_percent``."""

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "dry_run": self.dry_run,
            "from": self.from_percent,
            "to": self.to_percent,
            "changes": self.changes,
            "timings": self.timings,
            "verdict": self.verdict.as_json() if self.verdict else None,
            "smoke": self.smoke.as_json() if self.smoke else None,
            "reverted": self.reverted,
        }


def next_stage(current_percent: float) -> int:
    for stage in STAGES:
        if stage > current_percent:
            return stage
    raise RolloutRefused("already at 100 % serverless: nothing to advance")


class RolloutController:
    def __init__(
        self,
        target: Target,
        *,
        source: MetricSource | None,
        evaluation: Evaluation,
        edge: EdgeSource | None = None,
        express_edge: bool = False,
        flush: Callable[[bool], dict[str, Any]] | None,
        parity_clean: Callable[[], tuple[bool, str]],
        cost: Callable[[], dict[str, Any]] | None = None,
        smoke: Callable[[], SmokeReport] | None = None,
        min_stage_seconds: float = DEFAULT_MIN_STAGE_SECONDS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self._cloudwatch = target.client("cloudwatch")
        s3 = target.client("s3")
        self.weights = WeightedRecords(target.client("route53"), target.hosted_zone_id, target.record_name)
        self.flag = ConfigFlag(s3, target.config_bucket)
        self.audit = AuditTrail(s3, target.config_bucket)
        self.window = DeployWindow(self._cloudwatch, target.deploy_window_alarm)
        self._source = source
        self._edge = edge
        self._express_edge = express_edge
        self._evaluation = evaluation
        self._flush = flush
        self._parity_clean = parity_clean
        self._cost = cost
        self._smoke = smoke
        self._min_stage_seconds = min_stage_seconds
        self._now = now
        self._clock = clock

    # -- reading -----------------------------------------------------------------------------

    def verdict(self) -> Verdict:
        if self._source is None:
            return Verdict("inconclusive", ["no metric source: give --metrics cloudwatch or run brickguard up"])
        from botocore.exceptions import BotoCoreError, ClientError

        end = self._now()
        start = end - timedelta(seconds=self._evaluation.window_s)
        period = self._evaluation.period_s
        try:
            serverless = self._source.periods(SERVERLESS, start, end, period)
            express = self._source.periods(EXPRESS, start, end, period)
            edge = self._edge_reading(start, end, period)
        except (BotoCoreError, ClientError, OSError) as exc:  # no figures is no evidence: never a pass
            return Verdict("inconclusive", [f"metrics unavailable: {exc}"])
        return evaluate(serverless, express, self._evaluation.config, edge)

    def _edge_reading(self, start: datetime, end: datetime, period: int) -> EdgeReading | None:
        """Serverless at the edge over the window's complete periods (CloudWatch aligns them to the epoch), and
        express's edge beside it when the source measures it (``express_edge``): who was arriving."""
        if self._edge is None:
            return None
        first = math.ceil(start.timestamp() / period) * period
        last = math.floor(end.timestamp() / period) * period  # the period starting here is not over yet
        starts = [datetime.fromtimestamp(at, UTC) for at in range(int(first), int(last), period)]
        weights = self.weights.current()
        express = self._edge.edge_periods(EXPRESS, start, end, period) if self._express_edge else None
        return EdgeReading(
            weights.serverless, self._edge.edge_periods(SERVERLESS, start, end, period), starts,
            express_weight=weights.express if express is not None else None, express_periods=express,
        )

    def time_in_stage(self) -> float | None:
        """Seconds since the last recorded step; None when the trail has none."""
        last = self.audit.last()
        if last is None:
            return None
        return (self._now() - datetime.fromisoformat(last["at"])).total_seconds()

    def status(self) -> dict[str, Any]:
        weights = self.weights.current()
        verdict = self.verdict()
        return {
            "stage_percent": weights.serverless_percent,
            "weights": weights.as_json(),
            "use_serverless": self.flag.use_serverless(),
            "alarms": alarm_states(self._cloudwatch, self.target.service),
            "time_in_stage_seconds": self.time_in_stage(),
            "last_step": self.audit.last(),
            "verdict": verdict.as_json(),
            "cost": self.cost(),
        }

    def cost(self) -> dict[str, Any]:
        """Each backend's cost at the observed traffic (:func:`rollout.cost.cost_report`), or why there is none."""
        return self._cost() if self._cost is not None else {"observed": False, "reason": NOT_METERED}

    # -- advancing ---------------------------------------------------------------------------

    def advance(self, to: int | None = None, *, dry_run: bool = False) -> StepReport:
        current = self.weights.current().serverless_percent
        target_percent = next_stage(current) if to is None else to
        if target_percent not in STAGES or target_percent <= current:
            raise RolloutRefused(f"--to {target_percent}: pick a later stage than {current:g} % out of {STAGES}")
        report = StepReport("advance", dry_run, current, target_percent)
        report.verdict = self._admit(current)
        report.changes = self._advance_changes(current, target_percent, dry_run)
        if dry_run:
            return report
        flush = self._flush
        self.window.open(f"advance to {target_percent}%")
        try:
            if flush is not None:
                report.timings["cache_flush_s"] = self._timed(lambda: flush(False))
            report.timings["route53_insync_s"] = self.weights.apply(target_percent)
            report.timings["config_write_s"] = self._timed(lambda: self.flag.set(True))
            if self._smoke is not None:
                self._smoke_after_advance(report)
        finally:
            self.window.close(f"advance to {target_percent}% done")
        record: dict[str, Any] = {
            "action": "advance-reverted" if report.reverted else "advance", "from": current, "to": target_percent,
            "verdict": report.verdict.as_json(), "timings": report.timings,
        }
        if report.smoke is not None:
            record["smoke"] = report.smoke.as_json()
        self.audit.append(record, at=self._now())
        return report

    def _smoke_after_advance(self, report: StepReport) -> None:
        """Run the smoke flow; on failure put the weights (and, from 0 %, the flag) back where they were."""
        assert self._smoke is not None
        started = self._clock()
        report.smoke = self._smoke()
        report.timings["smoke_s"] = self._clock() - started
        if report.smoke.passed:
            return
        previous = int(report.from_percent)
        report.timings["revert_route53_insync_s"] = self.weights.apply(previous)
        if previous == 0:
            self.flag.set(False)
        report.reverted = True

    def _admit(self, current: float) -> Verdict:
        if current == 0:
            clean, detail = self._parity_clean()
            if not clean:
                raise RolloutRefused(f"0 → 10 % needs clean parity: {detail}")
            return Verdict("go", [f"parity: {detail}"])
        elapsed = self.time_in_stage()
        if elapsed is not None and elapsed < self._min_stage_seconds:
            raise RolloutRefused(
                f"in this stage for {elapsed:.0f} s; the minimum is {self._min_stage_seconds:.0f} s"
            )
        verdict = self.verdict()
        if not verdict.passes:
            raise RolloutRefused(f"gate says {verdict.decision}: " + "; ".join(verdict.reasons))
        return verdict

    def _advance_changes(self, current: float, percent: int, dry_run: bool) -> list[str]:
        express, serverless = 100 - percent, percent
        flush = "flush the migration cache" + (self._flush_counts() if dry_run else "")
        smoke = (
            ["smoke flow (read, write, read back, delete) on each backend's edge; on failure the weights go back "
             f"to {EXPRESS}={100 - int(current)} {SERVERLESS}={int(current)}"]
            if self._smoke is not None else []
        )
        return [
            f"CloudWatch: set alarm {self.target.deploy_window_alarm} to ALARM (deploy window opens)",
            flush if self._flush is not None else "cache flush skipped (no Redis given)",
            f"Route53 {self.target.hosted_zone_id}: one change batch, {self.target.record_name} "
            f"{EXPRESS}={express} {SERVERLESS}={serverless} TTL {TTL_SECONDS}; wait for INSYNC",
            f"S3 s3://{self.target.config_bucket}/config.json: useServerless=true (Cache-Control: max-age=60)",
            *smoke,
            f"CloudWatch: set alarm {self.target.deploy_window_alarm} to OK (deploy window closes)",
            f"S3 s3://{self.target.config_bucket}/rollout/audit/: append the audit record",
        ]

    def _flush_counts(self) -> str:
        counts = self._flush(True) if self._flush is not None else {}
        matched = sum(result["matched"] for result in counts.get("patterns", {}).values())
        return f" ({matched} keys match now; {counts.get('preserved', 0)} preserved)"

    # -- rolling back ------------------------------------------------------------------------

    def rollback(self, reason: str, *, dry_run: bool = False, verdict: Verdict | None = None) -> StepReport:
        before = self.weights.current()
        report = StepReport("rollback", dry_run, before.serverless_percent, 0, verdict=verdict)
        report.changes = [
            f"S3 s3://{self.target.config_bucket}/config.json: useServerless=false (Cache-Control: max-age=60) "
            "— the fast path",
            f"Route53 {self.target.hosted_zone_id}: {self.target.record_name} {EXPRESS}=100 {SERVERLESS}=0 "
            f"TTL {TTL_SECONDS}, one batch; wait for INSYNC — the slow path",
            f"S3 s3://{self.target.config_bucket}/rollout/audit/: append the audit record",
        ]
        if dry_run:
            return report
        write = self._timed(lambda: self.flag.set(False))
        insync = self.weights.apply(0)
        report.timings = {
            "config_write_s": write,
            "config_reaches_users_within_s": write + MAX_AGE_SECONDS,
            "route53_insync_s": insync,
            "dns_reaches_users_within_s": insync + propagation_seconds(before.ttl),
        }
        self.audit.append(
            {"action": "rollback", "from": before.serverless_percent, "to": 0, "reason": reason,
             "verdict": verdict.as_json() if verdict else None, "timings": report.timings},
            at=self._now(),
        )
        return report

    def watch_once(self) -> tuple[Verdict, StepReport | None]:
        """One watch tick: the verdict, and the rollback it triggered (if the criteria hold)."""
        verdict = self.verdict()
        if verdict.decision != "rollback" or self.weights.current().serverless == 0:
            return verdict, None
        return verdict, self.rollback("; ".join(verdict.reasons), verdict=verdict)

    def _timed(self, action: Callable[[], object]) -> float:
        start = self._clock()
        action()
        return self._clock() - start
