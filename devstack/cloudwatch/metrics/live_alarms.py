"""The deployed alarms, evaluated continuously on the local metric store.

The requests are rendered by :func:`alarms.render.render_profile` — the same requests the stack
synthesizes and ``brickguard deploy`` puts — and judged by :class:`alarms.evaluator.engine.Simulation`,
the evaluator ``brickguard alarms test`` uses: period statistics, metric math, M of N with
``TreatMissingData``, composites and actions suppression. The live part only drives its clock:
every tick (10 s, the shortest alarm period) it calls ``Simulation.tick`` once the tick's period has
ended and ``lag_s`` has passed, so late EMF lines still land in their period as they do in CloudWatch.

``period_scale`` (tests and demos only; 1 by default) compresses alarm time: with 12, a 60 s period
is evaluated over 5 s of wall clock. Executed actions go where the alarm's actions point: the pages
topic to the :class:`~devstack.cloudwatch.metrics.notifications.NotificationSink` (PagerDuty), any
other SNS topic (the warning route) to ``warnings`` (a second sink), and a Lambda function's ARN (the
stack's rollback function) to the callable registered for it with :meth:`LiveAlarms.on_invoke`, as
CloudWatch invokes a function named as an alarm action.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from alarms import profiles
from alarms.evaluator.engine import Simulation
from alarms.evaluator.series import MetricKey
from alarms.evaluator.states import ALARM
from alarms.render import RenderedAlarms, render_profile
from devstack.cloudwatch.metrics.local_names import LocalNames
from devstack.cloudwatch.metrics.notifications import NotificationSink, lambda_action_event, pagerduty_event
from devstack.cloudwatch.metrics.store import MetricStore

TICK_S = 10  # CloudWatch periods are 10, 30 or a multiple of 60 seconds: every period ends on a tick
DEFAULT_LAG_S = 2.0
HISTORY = 500  # state changes kept for the page
log = logging.getLogger("brickguard.devstack.live_alarms")


class ScaledSource:
    """The store seen in alarm time: ``alarm seconds / scale`` = wall-clock seconds."""

    def __init__(self, store: MetricStore, scale: float) -> None:
        self._store = store
        self._scale = scale

    def samples(self, key: MetricKey, start: int, end: int) -> list[float]:
        return self._store.samples(key, start / self._scale, end / self._scale)


@dataclass(frozen=True)
class AlarmView:
    """One alarm as ``alarms status`` and the page show it."""

    name: str
    slug: str
    kind: str  # "metric" or "composite"
    state: str
    since: float | None  # wall-clock epoch seconds of the last change (None: never evaluated)
    pages: bool
    summary: str
    suppressed_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "slug": self.slug,
            "kind": self.kind,
            "state": self.state,
            "since": self.since,
            "pages": self.pages,
            "summary": self.summary,
            "suppressed_by": self.suppressed_by,
        }


class LiveAlarms:
    """Continuous evaluation of one alarm profile on a :class:`MetricStore`."""

    def __init__(
        self,
        store: MetricStore,
        names: LocalNames,
        functions: Sequence[str],
        *,
        profile: str = "bau",
        period_scale: float = 1.0,
        sink: NotificationSink | None = None,
        warnings: NotificationSink | None = None,
        lag_s: float = DEFAULT_LAG_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if period_scale <= 0:
            raise ValueError("period_scale must be positive")
        self.profile = profile
        self.period_scale = period_scale
        self.sink = sink or NotificationSink()
        self.warnings = warnings or NotificationSink()
        self._pages_topic = names.pages_topic()
        self._functions: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._lag_s = lag_s
        self._clock = clock
        self.rendered: RenderedAlarms = render_profile(
            profiles.get(profile), functions, names.substitution(), names.region
        )
        requests = [*self.rendered.metric.values(), *self.rendered.composite.values()]
        self._requests = {str(request["AlarmName"]): request for request in requests}
        self._slugs = {str(name): slug for slug, name in self.rendered.slugs.items()}
        self._simulation = Simulation(
            self.rendered.metric.values(), self.rendered.composite.values(), ScaledSource(store, period_scale),
            step=TICK_S,
        )
        self._state = self._simulation.initial_state()
        self._since: dict[str, float | None] = dict.fromkeys(self._state)
        self._next_tick: int | None = None
        self._executed = dict.fromkeys(self._state, 0)
        self._open: set[str] = set()
        self.history: deque[dict[str, Any]] = deque(maxlen=HISTORY)
        self._lock = threading.Lock()

    def _alarm_time(self, wall: float) -> float:
        return wall * self.period_scale

    def evaluate_due(self) -> int:
        """Run every tick whose period has ended (plus the lag); the number of ticks run."""
        with self._lock:
            due = math.floor(self._alarm_time(self._clock() - self._lag_s) / TICK_S) * TICK_S
            ran = 0
            if self._next_tick is None:
                self._tick(due, first=True)
                ran = 1
            assert self._next_tick is not None
            while self._next_tick <= due:
                self._tick(self._next_tick, first=False)
                ran += 1
            return ran

    def _tick(self, now: int, *, first: bool) -> None:
        before = dict(self._state)
        self._simulation.tick(now, self._state, first=first)
        self._next_tick = now + TICK_S
        wall = now / self.period_scale
        for name, track in self._simulation.tracks.items():
            del track.states[:-1]  # the live run keeps only the current state, not a scenario's history
            del track.suppressed[:-1]
            if self._state[name] != before[name]:
                self._since[name] = wall
                self.history.append({"at": wall, "alarm": name, "from": before[name], "to": self._state[name]})
            if track.log is not None:
                for _, state in track.log.executed[self._executed[name]:]:
                    self._notify(name, state, wall)
                self._executed[name] = len(track.log.executed)

    def on_invoke(self, function_arn: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Call ``handler(event)`` when an alarm naming ``function_arn`` among its actions acts (a Lambda action,
        with CloudWatch's payload: ``alarmData.alarmName``, ``alarmData.state.value``)."""
        self._functions[function_arn] = handler

    def _pages(self, request: dict[str, Any]) -> bool:
        return self._pages_topic in request.get("AlarmActions", [])

    def _notify(self, name: str, state: str, wall: float) -> None:
        """Send an executed action; a resolve of an incident never opened (OK at start) is dropped, as in PagerDuty."""
        if state == ALARM:
            self._open.add(name)
        elif name in self._open:
            self._open.discard(name)
        else:
            return
        request = self._requests[name]
        event = pagerduty_event(request, state, wall)
        actions = request.get("AlarmActions", [])
        if self._pages(request):
            self.sink.send(event)
        if any(":sns:" in action and action != self._pages_topic for action in actions):
            self.warnings.send(event)
        for action in actions:
            if action in self._functions:
                try:
                    self._functions[action](lambda_action_event(request, state, wall))
                except Exception:  # the function failed, as a Lambda action can: logged, alarms go on
                    log.exception("alarm action %s of %s failed", action, name)

    def views(self) -> list[AlarmView]:
        """Every alarm of the profile with its current state: composites first, then metric alarms."""
        with self._lock:
            found = []
            for name, request in self._requests.items():
                track = self._simulation.tracks[name]
                found.append(
                    AlarmView(
                        name=name,
                        slug=self._slugs[name],
                        kind="composite" if "AlarmRule" in request else "metric",
                        state=self._state[name],
                        since=self._since[name],
                        pages=self._pages(request),
                        summary=str(request.get("AlarmDescription", "")).split("\n", 1)[0],
                        suppressed_by=track.log.suppressed_by if track.log else None,
                    )
                )
        return sorted(found, key=lambda view: (view.kind != "composite", view.name))

    def run(self, stop: threading.Event) -> None:
        """Evaluate until ``stop`` is set (the thread ``up`` starts)."""
        interval = max(0.2, min(1.0, TICK_S / self.period_scale / 2))
        while not stop.wait(interval):
            self.evaluate_due()
