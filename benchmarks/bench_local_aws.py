"""The serverless backend through the local AWS against express, cold starts per function, keep-warm on/off.

``python -m benchmarks.bench_local_aws`` (about 4 minutes), in one run on one
PostgreSQL and Redis:

1. **Warm latency**: ``brickguard up`` serves both backends; the same GET routes
   are sent open-loop at the same rate to express and to serverless (gateway
   -> execution environment), rounds alternating; p50/p99 and their ratio.
2. **Cold starts per function**: each function's environment is started cold
   ``COLD_STARTS`` times (its environments destroyed before each request); the
   REPORT line's Init Duration and the client's first-request latency, p50/p99,
   against the seeds' cold-start targets (DESIGN.md, ``cold_start_p99_target_ms``).
3. **Keep-warm on and off**: the same sparse traffic (rounds of a request to
   every function, due every few seconds, environments reaped after ``IDLE_S``) with the
   keep-warm rules firing and without; cold starts the users paid for are the
   access-log lines with ``coldStart: true``.

Figures go to the ``local-aws`` section of docs/performance.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from api.demo_data import DEMO_USER
from api.functions import FUNCTIONS
from benchmarks.report import command_line, machine_line, percentile, write_section
from benchmarks.up_server import open_loop
from cli.up import LOCAL_KEEP_WARM_CONCURRENCY, function_environment
from devstack.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from devstack.eventbridge.scheduler import KeepWarmRule
from devstack.lambda_.function_code import FunctionCode
from devstack.lambda_.platform_logs import LogCollector, init_duration_ms
from devstack.lambda_.pool import LocalCapacity
from devstack.local_aws import LocalAws, LocalAwsConfig
from runtime import config
from runtime.auth import mint_token
from runtime.edge import authorizer
from stack.functions import FunctionSpec

ROOT = Path(__file__).resolve().parents[1]
WARM_RATE = 20.0
WARM_SECONDS = 6.0
WARM_ROUNDS = 3
COLD_STARTS = 8
IDLE_S = 4.0
KEEP_WARM_EVERY_S = 2.0
SPARSE_ROUNDS = 8
SPARSE_EVERY_S = 5.0
FUNCTION_PATHS = {
    "health": "/health",
    "mocs": "/api/mocs?limit=5",
    "gallery": "/api/images?limit=5",
    "wishlist": "/api/wishlist",
    "profile": f"/api/users/{DEMO_USER}",
}


def _start_up(settings: config.Settings, data_dir: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    express, serverless = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "BRICKGUARD_TRACING": "off",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "cli", "up", "--port", str(express), "--serverless-port", str(serverless)]
    command += ["--data-dir", str(data_dir), "--no-keep-warm"]
    log = (data_dir / "up.log").open("wb")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while "Press Ctrl-C to stop." not in (data_dir / "up.log").read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((data_dir / "up.log").read_text())
        time.sleep(0.2)
    return proc, express, serverless


def warm_latency(settings: config.Settings, data_dir: Path) -> dict[str, Any]:
    proc, express, serverless = _start_up(settings, data_dir)
    try:
        headers = {"Authorization": f"Bearer {mint_token(settings, sub=DEMO_USER)}"}
        paths = ["/health", "/api/mocs?limit=5", "/api/wishlist"]
        for port in (express, serverless):  # warm both: connections, environments, caches
            for path in paths * 3:
                requests.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=30)
        latencies: dict[str, list[float]] = {"express": [], "serverless": []}
        errors = {"express": 0, "serverless": 0}
        for _ in range(WARM_ROUNDS):
            for name, port in (("express", express), ("serverless", serverless)):
                samples = open_loop(port, paths, headers, rate=WARM_RATE, seconds=WARM_SECONDS, connections=4)
                latencies[name].extend(sample.latency_ms for sample in samples if sample.status == 200)
                errors[name] += sum(sample.status != 200 for sample in samples)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    return {
        name: {
            "p50": percentile(values, 0.5),
            "p99": percentile(values, 0.99),
            "n": len(values),
            "errors": errors[name],
        }
        for name, values in latencies.items()
    }


def local_aws(
    settings: config.Settings, logs: LogCollector, *, keep_warm: Sequence[KeepWarmRule] = (),
    functions: Sequence[FunctionSpec] = FUNCTIONS, provision: bool = False, idle_seconds: float = IDLE_S,
    capacity: LocalCapacity | None = None, function_code: Mapping[str, FunctionCode] | None = None,
) -> LocalAws:
    """The benchmarks' local AWS: ``functions`` behind a gateway on a free port, logs to ``logs``."""
    return LocalAws(
        LocalAwsConfig(
            functions=functions,
            function_names={function.name: f"lego-api-{function.name}-bench" for function in functions},
            function_environment=function_environment(settings),
            authorizer=authorizer.from_settings(settings),
            log_sink=logs,
            gateway_port=0,
            idle_seconds=idle_seconds,
            capacity=capacity or LocalCapacity(),
            keep_warm=keep_warm,
            provision=provision,
            function_code=function_code or {},
        )
    )


async def _destroy_environments(aws: LocalAws, function: str) -> None:
    assert aws.pool is not None
    pool = aws.pool.functions[function]
    for environment in list(pool.environments):
        environment.kill()
        await environment.gone.wait()


def cold_starts(settings: config.Settings) -> dict[str, dict[str, float]]:
    logs = LogCollector()
    aws = local_aws(settings, logs, keep_warm=())
    aws.start()
    headers = {"Authorization": f"Bearer {mint_token(settings, sub=DEMO_USER)}"}
    found: dict[str, dict[str, list[float]]] = {
        name: {"init": [], "first": [], "non200": []} for name in FUNCTION_PATHS
    }
    try:
        for _ in range(COLD_STARTS):
            for function, path in FUNCTION_PATHS.items():
                aws.call(_destroy_environments(aws, function), timeout=30)
                mark = logs.mark()
                started = time.perf_counter()
                reply = requests.get(aws.gateway_url + path, headers=headers, timeout=60)
                found[function]["first"].append((time.perf_counter() - started) * 1000.0)
                found[function]["non200"].append(float(reply.status_code != 200))
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    inits = [init_duration_ms(report) for report in logs.reports(function, since=mark)]
                    if inits and inits[0] is not None:
                        found[function]["init"].append(inits[0])
                        break
                    time.sleep(0.02)
    finally:
        aws.stop()
    return {
        function: {
            "init_p50": percentile(values["init"], 0.5),
            "init_p99": percentile(values["init"], 0.99),
            "first_p50": percentile(values["first"], 0.5),
            "first_p99": percentile(values["first"], 0.99),
            "n": len(values["init"]),
            "non200": sum(values["non200"]),
        }
        for function, values in found.items()
    }


def user_cold_starts(settings: config.Settings, keep_warm: bool) -> dict[str, int]:
    """``SPARSE_ROUNDS`` rounds of sparse traffic; how many user requests paid a cold start, of how many sent."""
    logs = LogCollector()
    rules = [KeepWarmRule(name, KEEP_WARM_EVERY_S, LOCAL_KEEP_WARM_CONCURRENCY) for name in FUNCTION_PATHS]
    aws = local_aws(settings, logs, keep_warm=rules if keep_warm else ())
    aws.start()
    headers = {"Authorization": f"Bearer {mint_token(settings, sub=DEMO_USER)}"}
    sent = 0
    try:
        for path in FUNCTION_PATHS.values():  # every function warm once, so both runs start alike
            requests.get(aws.gateway_url + path, headers=headers, timeout=60)
        mark = logs.mark()
        start = time.monotonic()
        for round_index in range(SPARSE_ROUNDS):  # round i is due at start + i * SPARSE_EVERY_S
            time.sleep(max(0.0, start + round_index * SPARSE_EVERY_S - time.monotonic()))
            for path in FUNCTION_PATHS.values():
                requests.get(aws.gateway_url + path, headers=headers, timeout=60)
                sent += 1
        cold = 0
        for function in FUNCTION_PATHS:
            for line in logs.lines(function, since=mark):
                if line.startswith("{") and '"message":"request"' in line:
                    cold += bool(json.loads(line).get("coldStart"))
    finally:
        aws.stop()
    return {"cold": cold, "sent": sent, "pings": len(aws.keep_warm_fired)}


def main() -> None:
    args = command_line(__doc__).parse_args()
    base = Path(tempfile.mkdtemp(prefix="brickguard-bench-"))
    base.chmod(0o755)  # the embedded PostgreSQL runs as an unprivileged user
    try:
        with EmbeddedPostgres(base / "postgres", durable=False) as postgres, EmbeddedRedis(base / "redis") as redis:
            settings = config.Settings(
                backend="serverless",
                database_url=postgres.url,
                redis_url=redis.url,
                data_dir=str(base / "data"),
                tracing="off",
            )
            (base / "data").mkdir()
            warm = warm_latency(settings, base / "data")
            cold = cold_starts(settings)
            with_keep_warm = user_cold_starts(settings, keep_warm=True)
            without = user_cold_starts(settings, keep_warm=False)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    body = _report(warm, cold, with_keep_warm, without)
    print(body)
    if args.write_docs:
        write_section("local-aws", body)
    print(json.dumps({"warm": warm, "cold": cold, "keep_warm": with_keep_warm, "no_keep_warm": without}, indent=1))


def _verdict(measured_ms: float, target_ms: int | None) -> str:
    if target_ms is None:
        return "no target"
    return "yes" if measured_ms <= target_ms else "no"


def _report(warm: dict[str, Any], cold: dict[str, Any], on: dict[str, int], off: dict[str, int]) -> str:
    targets = {function.name: function.cold_start_p99_target_ms for function in FUNCTIONS}
    cold_note = (
        "Init Duration is process start to first `/next` (interpreter, awslambdaric, `api.handlers`), on a shared "
        "2-core machine where the init is CPU-bound: compare functions and runs, not AWS's arm64 figures."
    )
    if any(values["non200"] for values in cold.values()):
        cold_note += (
            " Some first requests were not answered 200: see the errors column and the functions' logs."
        )
    ratio_p50 = warm["serverless"]["p50"] / warm["express"]["p50"]
    ratio_p99 = warm["serverless"]["p99"] / warm["express"]["p99"]
    rows = [
        f"| {name} | {values['p50']:.1f} | {values['p99']:.1f} | {values['n']} | {values['errors']} |"
        for name, values in warm.items()
    ]
    cold_rows = [
        f"| {function} | {values['init_p50']:.0f} | {values['init_p99']:.0f} | {values['first_p50']:.0f} | "
        f"{values['first_p99']:.0f} | {values['non200']:.0f} | {targets[function]} | "
        f"{_verdict(values['init_p99'], targets[function])} |"
        for function, values in cold.items()
    ]
    return "\n".join(
        [
            "## The local AWS: serverless through the gateway vs express, cold starts, keep-warm "
            "(`benchmarks/bench_local_aws.py`)",
            "",
            f"{machine_line()} One PostgreSQL and one Redis for everything.",
            "",
            f"**Warm latency**, open loop at {WARM_RATE:.0f} req/s over 4 connections, {WARM_ROUNDS} alternating "
            f"rounds of {WARM_SECONDS:.0f} s per backend, GET `/health`, `/api/mocs?limit=5`, `/api/wishlist`:",
            "",
            "| backend | p50 ms | p99 ms | requests | non-200 |",
            "|---|---:|---:|---:|---:|",
            *rows,
            "",
            f"Serverless / express: **p50 {ratio_p50:.2f}x, p99 {ratio_p99:.2f}x** (the gateway hop, the "
            "payload 2.0 event and the Runtime API round trip per request).",
            "",
            f"**Cold starts**, {COLD_STARTS} per function (its environments destroyed before each request), "
            "Init Duration from the REPORT line and the client's first-request latency, ms:",
            "",
            "| function | init p50 | init p99 | first request p50 | first request p99 | first request not 200 "
            "| target p99 | init within |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
            *cold_rows,
            "",
            cold_note,
            "",
            f"**Keep-warm on vs off**, the same sparse traffic ({SPARSE_ROUNDS} rounds of one request per function, "
            f"a round due every {SPARSE_EVERY_S:.0f} s, environments reaped after {IDLE_S:.0f} s idle; "
            f"keep-warm rules every {KEEP_WARM_EVERY_S:.0f} s with concurrency {LOCAL_KEEP_WARM_CONCURRENCY}):",
            "",
            "| keep-warm | user requests | paid a cold start | pings fired |",
            "|---|---:|---:|---:|",
            f"| on | {on['sent']} | {on['cold']} | {on['pings']} |",
            f"| off | {off['sent']} | {off['cold']} | {off['pings']} |",
        ]
    )


if __name__ == "__main__":
    main()
