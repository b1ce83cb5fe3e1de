"""Process-wide state of the guard runtime: settings, telemetry, cold start, keep-warm.

One :class:`GuardProcess` per execution environment (Lambda) or server process
(express). It is built lazily from the environment on the first invocation, or
installed explicitly by the CLI and by tests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from runtime import config
from runtime.telemetry.context import RequestContext

_log = logging.getLogger("brickguard.runtime")


@dataclass(frozen=True, slots=True)
class ColdStartInfo:
    cold: bool
    init_ms: float | None = None


class Invocation:
    status: int = 500


class GuardTelemetry:
    """Placeholder until the telemetry facade lands: logs 500s, records nothing."""

    @contextmanager
    def invocation(self, ctx: RequestContext, *, lambda_context: Any, cold: ColdStartInfo) -> Iterator[Invocation]:
        yield Invocation()

    def error(self, ctx: RequestContext, exc: BaseException) -> None:
        _log.error("unhandled error", exc_info=exc, extra={"requestId": ctx.request_id})


class GuardProcess:
    """What every invocation of this process shares."""

    def __init__(self, settings: config.Settings) -> None:
        self.settings = settings
        self.telemetry = GuardTelemetry()
        self._cold_lock = threading.Lock()
        self._cold = True

    def take_cold_start(self) -> ColdStartInfo:
        with self._cold_lock:
            cold, self._cold = self._cold, False
        return ColdStartInfo(cold=cold)

    def extra_routes(self) -> dict[str, Callable[[], tuple[bytes, str]]]:
        """Routes the serverful backend serves besides the API (``/metrics``)."""
        return {}

    def is_keepwarm_ping(self, event: Any) -> bool:
        return False

    def keepwarm(self, event: dict[str, Any], lambda_context: Any, *, warmup: Callable[[], None] | None) -> dict:
        raise NotImplementedError


_lock = threading.Lock()
_current: GuardProcess | None = None


def get() -> GuardProcess:
    """The process's guard state, built from the environment on first use."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = GuardProcess(config.load())
    return _current


def install(settings: config.Settings) -> GuardProcess:
    """Build the guard state from explicit settings (the serverful backend and tests)."""
    global _current
    with _lock:
        _current = GuardProcess(settings)
    return _current
