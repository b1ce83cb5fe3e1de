"""Process-wide state of the guard runtime: settings and telemetry.

One :class:`GuardProcess` per execution environment (Lambda) or server process
(express). It is built lazily from the environment on the first invocation, or
installed explicitly by the CLI and by tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import IO

from runtime import coldstart, config
from runtime.telemetry.facade import Telemetry


class GuardProcess:
    """What every invocation of this process shares."""

    def __init__(self, settings: config.Settings, *, emf_stream: IO[str] | None = None) -> None:
        self.settings = settings
        self.telemetry = Telemetry.for_backend(
            backend=settings.backend, service=settings.service, namespace=settings.namespace, tracing=settings.tracing,
            emf_stream=emf_stream,
        ).install()
        coldstart.mark_init_done()  # the runtime's last init step (provisioned concurrency measures init to here)

    def extra_routes(self) -> dict[str, Callable[[], tuple[bytes, str]]]:
        """Routes the serverful backend serves besides the API (``/metrics``)."""
        if self.telemetry.prometheus is None:
            return {}
        return {"/metrics": self.telemetry.prometheus_exposition}

    def close(self) -> None:
        self.telemetry.uninstall()


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


def install(settings: config.Settings, *, emf_stream: IO[str] | None = None) -> GuardProcess:
    """Build the guard state from explicit settings (the serverful backend and tests).

    ``emf_stream`` replaces stdout as the EMF output (``brickguard up`` feeds it to its metric store).
    """
    global _current
    with _lock:
        if _current is not None:
            _current.close()
        _current = GuardProcess(settings, emf_stream=emf_stream)
    return _current
