"""Degraded reads under open-loop load against ``brickguard up``: Redis paused, its breaker forced open, search hung.

``python -m benchmarks.bench_open_loop_degraded`` starts a real PostgreSQL, a
real Redis and the OpenSearch stand-in, runs ``brickguard up`` on them, and
for each scenario sends ``RATE`` requests/s for ``SECONDS`` s over
``CONNECTIONS`` keep-alive connections (``benchmarks/up_server.py``, devstack's open-loop generator: requests
are due at a fixed rate and latency counts from the due time). The requests
cycle through a MOC detail, the MOC list and a search with a term of its own
(a search always misses the cache, as the long tail of real searches does: the
terms are new in every run, although Redis is shared by all runs).

Scenarios, each run ``RUNS`` times (median reported):

* ``redis paused``: Redis is SIGSTOPped ``ONSET_S`` into the run and stays
  paused (every read falls back to PostgreSQL once the breaker opens);
* ``redis breaker forced open``: ``BRICKGUARD_BREAKER_FORCE=redis=open``, no
  fault at all — the PostgreSQL path alone carries the load;
* ``search hung``: the stand-in stops answering ``ONSET_S`` into the run.

Targets (issue 8): p95 < 50 ms and p99 < 100 ms for each read, and at most 5
requests over 150 ms per fault onset.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from benchmarks.report import command_line, machine_line, percentile, write_section
from benchmarks.timeline import MachineSampler, write_timeline
from benchmarks.up_server import CONNECTIONS, UpServer, open_loop
from devstack.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from devstack.load.scheduler import Sample
from tests.support.opensearch_standin import OpenSearchStandIn

HERE = Path(__file__).resolve().parents[1]
RATE = 100.0
SECONDS = 20.0
ONSET_S = 5.0
RUNS = 3
SLOW_MS = 150.0
USER = "demo-user"
KINDS = ("detail", "list", "search")


class StandInProcess:
    """The OpenSearch stand-in in a process of its own, so its threads do not share the load generator's GIL."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, child = context.Pipe()
        self.port = free_port()
        self._process = context.Process(target=_serve_standin, args=(child, self.port), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> StandInProcess:
        self._process.start()
        if not self._control.poll(60) or self._control.recv() != "ready":
            raise RuntimeError("the OpenSearch stand-in did not start")
        return self

    def set_mode(self, mode: str) -> None:
        self._control.send(mode)
        self._control.recv()

    def __exit__(self, *exc: object) -> None:
        self._control.send("stop")
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()


def _serve_standin(control: Connection, port: int) -> None:
    with OpenSearchStandIn(port) as standin:
        control.send("ready")
        while (command := control.recv()) != "stop":
            standin.set_mode(command)
            control.send("ok")


@dataclass(frozen=True)
class Scenario:
    name: str
    env: dict[str, str]
    fault: Callable[[], None] | None  # injected ONSET_S into the run
    heal: Callable[[], None] | None


def _paths(moc_ids: list[str], count: int) -> list[str]:
    """The run's requests; each search term is new to this process and to Redis (shared by all runs)."""
    run_tag = uuid.uuid4().hex[:8]
    paths = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        if kind == "detail":
            paths.append(f"/api/mocs/{moc_ids[index % len(moc_ids)]}")
        elif kind == "list":
            paths.append("/api/mocs?page=1&limit=20")
        else:
            paths.append(f"/api/mocs?search=shop{run_tag}n{index}")
    return paths


def _kind(path: str) -> str:
    if "search=" in path:
        return "search"
    return "list" if "?" in path else "detail"


def run_once(
    server: UpServer,
    scenario: Scenario,
    headers: dict[str, str],
    moc_ids: list[str],
    timeline_dir: Path | None = None,
    stacks: bool = False,
) -> dict[str, float]:
    """One open-loop run: p95/p99 per kind, non-200 answers, and requests over SLOW_MS after the onset.

    With ``timeline_dir``, also each request's timeline and the machine's CPU use, and with
    ``stacks`` the server's stacks from the onset on (``benchmarks/timeline.py``), to explain a stall.
    """
    paths = _paths(moc_ids, int(RATE * SECONDS))
    onset: list[float] = []
    sampler = None
    if timeline_dir is not None:
        timeline_dir.mkdir(parents=True, exist_ok=True)
        dump_until = SECONDS if stacks else 0.0  # py-spy costs CPU (a dump every 0.4 s): only when asked
        sampler = MachineSampler(
            server.pid, timeline_dir, dump_from=ONSET_S - 0.2, dump_until=dump_until, dump_every=0.4
        )

    def inject(start: float) -> None:
        if sampler is not None:
            sampler.start(start)
        if scenario.fault is None:
            return

        def later() -> None:
            time.sleep(max(0.0, start + ONSET_S - time.monotonic()))
            scenario.fault()  # type: ignore[misc]
            onset.append(ONSET_S)

        threading.Thread(target=later, daemon=True).start()

    try:
        samples = open_loop(server.port, paths, headers, rate=RATE, seconds=SECONDS, on_start=inject)
    finally:
        if scenario.heal is not None:
            scenario.heal()
        if sampler is not None:
            sampler.stop()
    if sampler is not None and timeline_dir is not None:
        sampler.write()
        write_timeline(samples, timeline_dir / "requests.csv")
    figures = _summary(samples, onset[0] if onset else 0.0)
    figures["load avg"] = os.getloadavg()[0]  # the machine is shared: how busy it was during this run
    return figures


def _summary(samples: list[Sample], onset: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    for kind in KINDS:
        latencies = [s.latency_ms for s in samples if _kind(s.path) == kind]
        figures[f"{kind} p95"] = percentile(latencies, 0.95)
        figures[f"{kind} p99"] = percentile(latencies, 0.99)
    figures["over 150 ms"] = sum(1 for s in samples if s.due_s >= onset and s.latency_ms > SLOW_MS)
    # the target's own measure; the same second of the run for the scenario without a fault (a control)
    figures["onset 1 s over 150 ms"] = sum(
        1 for s in samples if ONSET_S <= s.due_s < ONSET_S + 1.0 and s.latency_ms > SLOW_MS
    )
    figures["not 200"] = sum(1 for s in samples if s.status != 200)
    for status, count in Counter(s.status for s in samples if s.status != 200).items():
        figures[f"status {status}"] = count
    figures["max ms"] = max(s.latency_ms for s in samples)
    return figures


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per scenario (median reported)")
    parser.add_argument("--only", choices=["redis paused", "redis breaker forced open", "search hung"])
    parser.add_argument(
        "--timeline", type=Path, help="write each run's request timeline, CPU samples and server log here"
    )
    parser.add_argument("--stacks", action="store_true", help="with --timeline: py-spy stacks from the onset on")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-open-loop-") as tmp:
        root = Path(tmp)
        with (
            EmbeddedPostgres(root / "pg", durable=False) as postgres,
            EmbeddedRedis(root / "redis") as redis,
            StandInProcess() as search,
        ):
            base_env = {"DATABASE_URL": postgres.url, "REDIS_URL": redis.url, "OPENSEARCH_URL": search.url}
            scenarios = [
                Scenario("redis paused", base_env, redis.pause, redis.resume),
                Scenario(
                    "redis breaker forced open", {**base_env, "BRICKGUARD_BREAKER_FORCE": "redis=open"}, None, None
                ),
                Scenario("search hung", base_env, lambda: search.set_mode("hang"), lambda: search.set_mode("normal")),
            ]
            for scenario in scenarios:
                if args.only and scenario.name != args.only:
                    continue
                for run in range(args.runs):
                    data_dir = root / f"up-{scenario.name.replace(' ', '-')}-{run}"
                    with UpServer(HERE, data_dir, scenario.env) as server:
                        server.cli("search", "init")
                        server.cli("search", "reindex")
                        headers = {"Authorization": f"Bearer {server.token(USER)}"}
                        status, body = server.get("/api/mocs?search=bookshop", headers)
                        assert status == 200 and body["meta"]["searchBackend"] == "opensearch", body
                        status, body = server.get("/api/mocs", headers)
                        assert status == 200, body
                        moc_ids = [item["id"] for item in body["data"]]
                        open_loop(server.port, _paths(moc_ids, 200), headers, rate=RATE, seconds=2.0)  # warm up
                        run_dir = args.timeline / data_dir.name if args.timeline else None
                        figures = run_once(server, scenario, headers, moc_ids, run_dir, args.stacks)
                    if run_dir is not None:
                        shutil.copy(data_dir / "up.log", run_dir / "up.log")
                    results.setdefault(scenario.name, []).append(figures)
                    print(scenario.name, run, {k: round(v, 1) for k, v in figures.items()}, flush=True)
    _report(results, args.runs, write=args.write_docs)


def _report(results: dict[str, list[dict[str, float]]], runs_per_scenario: int, *, write: bool) -> None:
    columns = [f"{kind} {q}" for kind in KINDS for q in ("p95", "p99")]
    columns += ["onset 1 s over 150 ms", "over 150 ms", "not 200", "max ms", "load avg"]
    lines = [
        "## Degraded reads under open-loop load (`brickguard up`)",
        "",
        machine_line(),
        "",
        f"`python -m benchmarks.bench_open_loop_degraded`: {RATE:g} requests/s scheduled for {SECONDS:g} s over "
        f"{CONNECTIONS} keep-alive connections, latency from each request's scheduled time (open loop), cycling "
        "MOC detail / MOC list / search with a term of its own (always a cache miss). The fault starts "
        f"{ONSET_S:g} s into the run; 'onset 1 s over 150 ms' counts requests due in the first second after it "
        "that took over 150 ms (the target's measure; without a fault, the same second of the run as a control), "
        "'over 150 ms' every slow request due after the onset. Median of "
        f"{runs_per_scenario} runs "
        "(each figure's median taken separately). Targets: p95 < 50 ms, p99 < 100 ms, at most 5 over 150 ms "
        "per onset. 'load avg' is the machine's 1-minute load average at the end of the run (2 CPUs): "
        "runs at a load far above 2 measure the machine, not the code.",
        "",
        "| scenario | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, runs in results.items():
        cells = [f"{statistics.median(run[column] for run in runs):.0f}" for column in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Each run (same columns):", ""]
    for name, runs in results.items():
        for run in runs:
            lines.append(f"- {name}: " + ", ".join(f"{column} {run[column]:.0f}" for column in columns))
    body = "\n".join(lines)
    print(body)
    if write:
        write_section("open-loop-degraded", body)


if __name__ == "__main__":
    main()
