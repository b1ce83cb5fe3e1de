"""EventBridge's keep-warm rules, firing locally on the stack's schedule.

The stack declares one rule per function: ``KEEP_WARM_SCHEDULE``
(``rate(5 minutes)``) with input ``{"warmer": true, "concurrency": N}``
(``KeepWarmConcurrency``). Like EventBridge, each rule first fires one period
after it is created, then every period, and invokes its target directly and
asynchronously — never through the HTTP API. The function's own fan-out then
keeps N environments warm through the local Invoke API.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devstack.lambda_.invoke_api import DirectInvoker
from devstack.lambda_.pool import Throttled

_log = logging.getLogger(__name__)
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> float:
    """Seconds between firings of an EventBridge ``rate(value unit)`` expression."""
    match = re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", expression.strip())
    if match is None:
        raise ValueError(f"not an EventBridge rate expression: {expression!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class KeepWarmRule:
    function: str
    every_seconds: float
    concurrency: int

    @property
    def payload(self) -> bytes:
        return json.dumps({"warmer": True, "concurrency": self.concurrency}).encode()


class KeepWarmScheduler:
    """Fires every rule on its period until cancelled; ``on_fire(rule)`` observes each firing."""

    def __init__(
        self, rules: Sequence[KeepWarmRule], invoke: DirectInvoker, on_fire: Callable[[KeepWarmRule], None]
    ) -> None:
        self.rules = list(rules)
        self._invoke = invoke
        self._on_fire = on_fire

    async def run(self) -> None:
        await asyncio.gather(*(self._run_rule(rule) for rule in self.rules))

    async def _run_rule(self, rule: KeepWarmRule) -> None:
        pings: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        next_at = loop.time() + rule.every_seconds
        while True:  # on the period, whatever the previous ping is still doing (EventBridge does not wait)
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += rule.every_seconds
            self._on_fire(rule)
            ping = asyncio.create_task(self._ping(rule))
            pings.add(ping)
            ping.add_done_callback(pings.discard)

    async def _ping(self, rule: KeepWarmRule) -> None:
        try:
            await self._invoke(rule.function, rule.payload, None)
        except Throttled as throttled:  # EventBridge retries later; the next period will do
            _log.warning("keep-warm ping for %s throttled: %s", rule.function, throttled.reason)
