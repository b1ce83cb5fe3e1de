"""The local CloudWatch that ``brickguard up`` runs: one object owning the store and everything on it.

It builds the metric store, the EMF ingestion both backends' log streams are fed to, the platform
publisher the local gateway and Lambda pool call, the live alarm evaluator (a thread), the PagerDuty
stand-in and the ``/dashboard`` routes. ``up`` composes it; tests build it on its own. Like a
CloudWatch Logs subscription, :meth:`Observatory.subscribe` hands every log line to a listener too
(``up``'s cost meter).
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TextIO

from devstack.cloudwatch.dashboard.page import DashboardPage, Route
from devstack.cloudwatch.dashboard.query import local_dashboards
from devstack.cloudwatch.metrics import gate_feed
from devstack.cloudwatch.metrics.emf import EmfIngest
from devstack.cloudwatch.metrics.live_alarms import LiveAlarms
from devstack.cloudwatch.metrics.local_names import LocalNames
from devstack.cloudwatch.metrics.notifications import NOTIFICATIONS_FILE, WARNINGS_FILE, NotificationSink
from devstack.cloudwatch.metrics.platform import PlatformMetrics
from devstack.cloudwatch.metrics.store import MetricStore

PERIOD_SCALE_ENV = "BRICKGUARD_ALARM_PERIOD_SCALE"
PROFILE_ENV = "BRICKGUARD_ALARM_PROFILE"


LogListener = Callable[[str, str], None]
"""``listener(function, line)``: a log line of ``function`` ("" for the serverful backend)."""


class LogTee(io.TextIOBase, TextIO):  # a text stream to both io and typing, as TextIOWrapper is
    """A text stream that feeds complete lines to ``sink`` and echoes everything to ``echo``."""

    def __init__(self, sink: Callable[[str], None], echo: IO[str] | None) -> None:
        self._sink = sink
        self._echo = echo
        self._partial = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
        for line in lines:
            self._sink(line)
        if self._echo is not None:
            self._echo.write(text)
        return len(text)

    def flush(self) -> None:
        if self._echo is not None:
            self._echo.flush()


class Observatory:
    """Store + EMF ingestion + platform metrics + live alarms + notifications + the page."""

    def __init__(
        self,
        *,
        service: str,
        functions: Sequence[str],
        data_dir: Path | None = None,
        profile: str = "bau",
        period_scale: float = 1.0,
    ) -> None:
        self.names = LocalNames(service)
        self._service = service
        self.store = MetricStore()
        self.ingest = EmfIngest(self.store)
        self.platform = PlatformMetrics(self.store, self.names)
        sink = NotificationSink(data_dir / NOTIFICATIONS_FILE if data_dir is not None else None)
        warnings = NotificationSink(data_dir / WARNINGS_FILE if data_dir is not None else None)
        self.alarms = LiveAlarms(self.store, self.names, functions, profile=profile, period_scale=period_scale,
                                 sink=sink, warnings=warnings)
        self.page = DashboardPage(self.store, self.alarms, local_dashboards(self.names, functions, profile))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[LogListener] = []

    def subscribe(self, listener: LogListener) -> None:
        """Hand every log line that reaches the store to ``listener`` as well."""
        self._listeners.append(listener)

    def log_line(self, function: str, line: str) -> None:
        """One log line of ``function`` ("" for the serverful backend): its EMF to the store, and to the listeners."""
        self.ingest.line(line)
        for listener in self._listeners:
            listener(function, line)

    def log_stream(self, echo: IO[str] | None = sys.stdout) -> LogTee:
        """A stream to hand the serverful backend as its EMF/log output: ingested here, echoed to ``echo``."""
        return LogTee(lambda line: self.log_line("", line), echo)

    def routes(self) -> dict[str, Route]:
        return {**self.page.routes(), gate_feed.PATH: gate_feed.route(self.store, self._service)}

    def start(self) -> Observatory:
        """Start evaluating alarms in a daemon thread."""
        self._thread = threading.Thread(target=self.alarms.run, args=(self._stop,), name="live-alarms", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
