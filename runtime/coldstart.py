"""Cold start and init timing: which invocation is an environment's first, and how long init took.

Init is measured as Lambda measures it: from the start of the environment's
process — read from ``/proc/self/stat``, so the interpreter's start-up and the
runtime interface client's imports count too — not from the first line of
Python that runs. Where ``/proc`` is missing, ``_IMPORT_START`` (the first
line of this module, which every handler module imports first) stands in.

* :func:`take_cold_start` is called by the wrapper at the start of every
  invocation. It answers ``cold=True`` exactly once per process, whatever that
  first invocation then does (it may raise: it was still the cold start).
* Provisioned concurrency (``AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency``)
  initialises environments ahead of traffic, so the first invocation is not a
  cold start for the client: ``cold`` stays False. Init is still measured, but
  as process start → :func:`mark_init_done` (the last init step the runtime
  saw), because for such an environment the first invocation can come hours
  after init. On-demand environments measure process start → first invocation.

Example::

    import runtime.coldstart  # first import of the handler module
    ...
    info = runtime.coldstart.take_cold_start()
    info.cold, info.init_ms
"""

from __future__ import annotations

import time

_IMPORT_START = time.perf_counter()

import os  # noqa: E402 - the timestamp above must come first
import threading  # noqa: E402
from typing import NamedTuple  # noqa: E402

PROVISIONED = "provisioned-concurrency"


def process_started_at(pid: int | str = "self") -> float | None:
    """The ``time.perf_counter()`` reading at which process ``pid`` started (Linux ``/proc``; else None).

    ``/proc`` counts in clock ticks (10 ms), truncated: half a tick is added so
    the estimate is unbiased. The local Lambda platform reads its environments'
    start the same way, so both ends measure init from the same instant.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            start_ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])  # field 22, starttime
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - (start_ticks + 0.5) / ticks_per_second
    except (OSError, ValueError, IndexError):
        return None
    return time.perf_counter() - age


_INIT_START = min(_IMPORT_START, process_started_at() or _IMPORT_START)


class ColdStartInfo(NamedTuple):
    """What the wrapper needs to know about this invocation's environment."""

    cold: bool
    init_ms: float | None
    provisioned: bool = False


WARM = ColdStartInfo(cold=False, init_ms=None)

_lock = threading.Lock()
_taken = False
_init_done: float | None = None


def mark_init_done() -> None:
    """Note the end of init (the guard process calls it once telemetry is installed).

    The latest call before the first invocation wins.
    """
    global _init_done
    if not _taken:
        _init_done = time.perf_counter()


def take_cold_start(now: float | None = None) -> ColdStartInfo:
    """Return the cold-start verdict for this invocation: cold exactly once per process (thread-safe)."""
    global _taken
    if _taken:  # fast path for every warm invocation, no lock needed once set
        return WARM
    with _lock:
        if _taken:
            return WARM
        _taken = True
    now = time.perf_counter() if now is None else now
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == PROVISIONED:
        init_ms = None if _init_done is None else (_init_done - _INIT_START) * 1000.0
        return ColdStartInfo(cold=False, init_ms=init_ms, provisioned=True)
    return ColdStartInfo(cold=True, init_ms=(now - _INIT_START) * 1000.0)


def init_started_at() -> float:
    """The ``time.perf_counter()`` value at which init began (the process started)."""
    return _INIT_START
