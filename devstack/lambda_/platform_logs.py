"""The lines Lambda's platform writes to a function's log stream around each invocation.

Formats follow Lambda's (and the runtime interface emulator's ``printEndReports``):
``START RequestId: … Version: $LATEST``, ``END RequestId: …`` and a tab-separated
``REPORT`` line with Duration, Billed Duration (rounded up to the millisecond),
Memory Size, Max Memory Used and, on the invocation that paid for it, Init
Duration; ``Status: timeout|error`` when the environment did not finish normally,
and the ``XRAY TraceId`` line when the invocation was traced.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime

VERSION = "$LATEST"


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: {VERSION}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
) -> str:
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {math.ceil(duration_ms)} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status is not None:
        fields.append(f"Status: {status}")
    return "\t".join(fields) + "\t"


def xray_line(trace_id: str, segment_id: str, sampled: bool) -> str:
    return f"XRAY TraceId: {trace_id}\tSegmentId: {segment_id}\tSampled: {str(sampled).lower()}\t"


def timeout_line(request_id: str, timeout_seconds: float) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{stamp} {request_id} Task timed out after {timeout_seconds:.2f} seconds"


def parse_report(line: str) -> dict[str, str] | None:
    """A ``REPORT`` line as ``{field: value}`` (``{"Init Duration": "812.33 ms", …}``), else None."""
    if not line.startswith("REPORT RequestId: "):
        return None
    return dict(part.split(": ", 1) for part in line.strip("\t").split("\t"))


def init_duration_ms(report: dict[str, str]) -> float | None:
    raw = report.get("Init Duration")
    return float(raw.removesuffix(" ms")) if raw else None


class LogCollector:
    """A log sink keeping every function's lines, for the benchmark and the tests to read."""

    def __init__(self) -> None:
        self._lines: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, function: str, line: str) -> None:
        with self._lock:
            self._lines.append((function, line))

    def mark(self) -> int:
        """A position; :meth:`lines` from it returns what was logged after."""
        with self._lock:
            return len(self._lines)

    def lines(self, function: str, since: int = 0) -> list[str]:
        with self._lock:
            return [line for name, line in self._lines[since:] if name == function]

    def reports(self, function: str, since: int = 0) -> list[dict[str, str]]:
        return [report for line in self.lines(function, since) if (report := parse_report(line)) is not None]
