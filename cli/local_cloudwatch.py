"""How ``brickguard up`` wires the local CloudWatch (devstack's observatory) into the serverful backend.

Kept apart from ``up`` so the composition reads in one place: the observatory is built from the
function table, the express backend's EMF is teed into it, its breakers are sampled as a gauge, a
cost meter reads every log line for the page's (and ``rollout status``'s) cost figures, and the
alarm period scale comes from ``BRICKGUARD_ALARM_PERIOD_SCALE`` (tests and demos only; unset means
1, CloudWatch's own periods).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from devstack.cloudwatch.observatory import PERIOD_SCALE_ENV, PROFILE_ENV, Observatory
from guards.breaker_gauge import DEFAULT_INTERVAL_S, BreakerGauge
from runtime import config

ALARM_PERIOD_S = 60  # the shortest period our alarms declare


def period_scale(environ: Mapping[str, str] = os.environ) -> float:
    """The alarm period scale from the environment; a malformed value is a usage error."""
    raw = environ.get(PERIOD_SCALE_ENV, "1")
    try:
        scale = float(raw)
    except ValueError:
        raise click.UsageError(f"{PERIOD_SCALE_ENV}={raw!r} is not a number") from None
    if not 0 < scale <= 600:
        raise click.UsageError(f"{PERIOD_SCALE_ENV} must be within (0, 600], got {raw}")
    return scale


def start_observatory(stack: contextlib.ExitStack, settings: config.Settings, data_dir: Path) -> Observatory:
    """Build and start the observatory; it stops with ``stack``."""
    from api.functions import FUNCTIONS

    observatory = Observatory(
        service=settings.service,
        functions=[function.name for function in FUNCTIONS],
        data_dir=data_dir,
        profile=os.environ.get(PROFILE_ENV, "bau"),
        period_scale=period_scale(),
    ).start()
    stack.callback(observatory.stop)
    _meter_cost(observatory)
    return observatory


def _meter_cost(observatory: Observatory) -> None:
    """What ``brickguard cost --log`` computes from up's output, kept live from the same lines, on the page.

    With ``brickguard cost``'s defaults (prices, stage, express fleet), so both say the same.
    """
    from cli.cost import DEFAULT_ARCHITECTURE, DEFAULT_REGION, DEFAULT_SIZE, DEFAULT_STAGE, provisioned_for
    from devstack.lambda_.platform_logs import parse_report
    from rollout.cost import CostMeter, cost_report, prices

    meter = CostMeter(provisioned_for(DEFAULT_STAGE), parse_report)
    table = prices(DEFAULT_REGION, DEFAULT_ARCHITECTURE)
    observatory.subscribe(meter.line)
    observatory.page.watch(cost=lambda: cost_report(*meter.snapshot(), table, DEFAULT_SIZE))


def start_breaker_gauge(stack: contextlib.ExitStack, observatory: Observatory,
                        snapshot: Callable[[], Mapping[str, Mapping[str, Any]]], flush: Callable[[], Any]) -> None:
    """Sample the express breakers at least twice per (scaled) alarm period."""
    interval = min(DEFAULT_INTERVAL_S, ALARM_PERIOD_S / observatory.alarms.period_scale / 2)
    gauge = BreakerGauge(snapshot, interval, flush=flush).start()
    stack.callback(gauge.stop)
