"""What the server and the machine were doing during an open-loop run, to explain a stall.

A latency spike has three possible owners, and each leaves a different trace:

* **the client** (the load generator's threads did not run): requests are sent
  late (``started - due`` large) while the server's CPU is idle;
* **the server queueing** (its worker threads are busy or blocked): requests
  are sent on time and answered late;
* **the machine** (other processes hold the CPUs): the server's threads are
  runnable but it gets little CPU while processes outside the benchmark take it.

:class:`MachineSampler` records, every ``interval`` seconds, the CPU time of
the ``brickguard up`` process, of this (client) process, of the rest of the
benchmark's own process tree (PostgreSQL, Redis, the stand-in, up's children:
the rig the server needs) and of the whole machine, and how many of the
server's threads are runnable. Around a fault's
onset it also takes ``py-spy dump`` snapshots of every server thread's stack
(non-blocking, when ``py-spy`` is installed). :func:`write_timeline` writes
the per-request CSV beside them.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from devstack.load.scheduler import Sample

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class MachineSample:
    at: float  # seconds after the run started
    server_cpu: float  # CPU seconds of the server process so far
    client_cpu: float
    rig_cpu: float  # the benchmark's other processes (its servers, up's children), those alive now
    machine_busy: float  # CPU seconds of the whole machine so far (all CPUs)
    server_runnable: int  # server threads in state R


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _descendants(root: int) -> list[int]:
    """Every process below ``root`` (one pass over /proc; refreshed once a second, not per sample)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += _process_cpu(pid)
        except (OSError, IndexError, ValueError):
            continue  # exited
    return total


def _machine_busy() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK


def _runnable_threads(pid: int) -> int:
    count = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if (task / "stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                count += 1
        except OSError:
            continue
    return count


class MachineSampler:
    """Samples CPU use every ``interval`` s and dumps server stacks in ``[dump_from, dump_until)`` (run-relative)."""

    def __init__(
        self,
        server_pid: int,
        out_dir: Path,
        *,
        interval: float = 0.02,
        dump_from: float = 0.0,
        dump_until: float = 0.0,
        dump_every: float = 0.1,
    ) -> None:
        self._pid = server_pid
        self._out = out_dir
        self._interval = interval
        self._dump_window = (dump_from, dump_until)
        self._dump_every = dump_every
        self._stop = threading.Event()
        self._start = 0.0
        self.samples: list[MachineSample] = []
        self._threads: list[threading.Thread] = []

    def start(self, run_start: float) -> None:
        self._start = run_start
        self._threads = [threading.Thread(target=self._sample, daemon=True)]
        if shutil.which("py-spy") and self._dump_window[1] > self._dump_window[0]:
            self._threads.append(threading.Thread(target=self._dump, daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def _sample(self) -> None:
        me = os.getpid()
        deadline = 120.0
        rig: list[int] = []
        rig_listed = 0.0
        while not self._stop.is_set() and time.monotonic() - self._start < deadline:
            if time.monotonic() - rig_listed > 1.0:
                rig = [pid for pid in _descendants(me) if pid != self._pid]
                rig_listed = time.monotonic()
            try:
                self.samples.append(
                    MachineSample(
                        time.monotonic() - self._start,
                        _process_cpu(self._pid),
                        _process_cpu(me),
                        _cpu_of(rig),
                        _machine_busy(),
                        _runnable_threads(self._pid),
                    )
                )
            except OSError:
                return
            self._stop.wait(self._interval)

    def _dump(self) -> None:
        begin, end = self._dump_window
        self._stop.wait(max(0.0, self._start + begin - time.monotonic()))
        with (self._out / "stacks.txt").open("w") as out:
            while not self._stop.is_set() and time.monotonic() - self._start < end:
                at = time.monotonic() - self._start
                dumped = subprocess.run(
                    ["py-spy", "dump", "--nonblocking", "--pid", str(self._pid)],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=False,
                )
                out.write(f"==== t={at:.3f}s (dump took {time.monotonic() - self._start - at:.3f}s)\n")
                out.write(dumped.stdout + dumped.stderr)
                self._stop.wait(self._dump_every)

    def write(self) -> None:
        """``machine.csv``: per interval, the CPU share (of one CPU) of the server, the client, the rest of
        the benchmark's processes and everyone else, and the server's runnable threads."""
        with (self._out / "machine.csv").open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["at_s", "server_cpu", "client_cpu", "rig_cpu", "other_cpu", "server_runnable_threads"])
            for before, after in zip(self.samples, self.samples[1:], strict=False):
                span = after.at - before.at
                server = (after.server_cpu - before.server_cpu) / span
                client = (after.client_cpu - before.client_cpu) / span
                rig = max(0.0, after.rig_cpu - before.rig_cpu) / span  # a process that exited takes its time along
                machine = (after.machine_busy - before.machine_busy) / span
                writer.writerow(
                    [
                        f"{after.at:.3f}",
                        f"{server:.2f}",
                        f"{client:.2f}",
                        f"{rig:.2f}",
                        f"{max(0.0, machine - server - client - rig):.2f}",
                        after.server_runnable,
                    ]
                )


def write_timeline(samples: list[Sample], path: Path) -> None:
    """One row per request: due, sent and answered (run-relative seconds), latency, status, path."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["due_s", "sent_s", "answered_s", "latency_ms", "status", "path"])
        for s in samples:
            writer.writerow(
                [f"{s.due_s:.4f}", f"{s.sent_s:.4f}", f"{s.answered_s:.4f}", f"{s.latency_ms:.1f}", s.status, s.path]
            )
