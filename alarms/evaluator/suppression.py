"""Alarm actions and their suppression (``ActionsSuppressor``, ``WaitPeriod``, ``ExtensionPeriod``).

When an alarm with actions changes state, the action is due. With a suppressor configured:

* suppressor in ALARM -> the action is held (``ActionsSuppressedBy=Alarm``);
* suppressor left ALARM less than ``ExtensionPeriod`` ago -> held until that period ends
  (``ExtensionPeriod``); it runs then if the alarm is still in the same state;
* otherwise the alarm waits up to ``WaitPeriod`` for the suppressor to enter ALARM (``WaitPeriod``)
  and runs the action when the wait ends without it.

An action whose alarm has since changed state is dropped; the new state brings its own action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alarms.evaluator.states import ALARM


@dataclass
class _Held:
    kind: str
    reason: str
    due: int | None


@dataclass
class ActionLog:
    """Actions of one alarm: executed ``(time, state)`` pairs and the current suppression reason."""

    suppressor: str | None
    wait_period: int
    extension_period: int
    executed: list[tuple[int, str]] = field(default_factory=list)
    held: _Held | None = None
    suppressor_left_alarm_at: int | None = None
    previous_suppressor_state: str | None = None

    @property
    def suppressed_by(self) -> str | None:
        return self.held.reason if self.held else None

    def tick(self, now: int, state: str, changed: bool, suppressor_state: str | None) -> None:
        """Advance to ``now``: track the suppressor, queue a new action on ``changed``, run due ones."""
        if self.previous_suppressor_state == ALARM and suppressor_state != ALARM:
            self.suppressor_left_alarm_at = now
        self.previous_suppressor_state = suppressor_state
        if changed:
            self.held = None
            self._queue(now, state, suppressor_state)
        if self.held is None:
            return
        if self.held.kind != state:
            self.held = None
            return
        self._advance(now, suppressor_state)

    def _in_extension(self, now: int) -> bool:
        left = self.suppressor_left_alarm_at
        return left is not None and now < left + self.extension_period

    def _queue(self, now: int, state: str, suppressor_state: str | None) -> None:
        if self.suppressor is None:
            self.executed.append((now, state))
        elif suppressor_state == ALARM:
            self.held = _Held(state, "Alarm", None)
        elif self._in_extension(now):
            assert self.suppressor_left_alarm_at is not None
            self.held = _Held(state, "ExtensionPeriod", self.suppressor_left_alarm_at + self.extension_period)
        elif self.wait_period > 0:
            self.held = _Held(state, "WaitPeriod", now + self.wait_period)
        else:
            self.executed.append((now, state))

    def _advance(self, now: int, suppressor_state: str | None) -> None:
        held = self.held
        assert held is not None
        if suppressor_state == ALARM:
            held.reason, held.due = "Alarm", None
            return
        if held.reason == "Alarm":
            assert self.suppressor_left_alarm_at is not None
            held.reason, held.due = "ExtensionPeriod", self.suppressor_left_alarm_at + self.extension_period
        if held.due is not None and now >= held.due:
            self.executed.append((now, held.kind))
            self.held = None
