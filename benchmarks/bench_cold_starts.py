"""Cold starts per function against the seeds' targets, beside a bare Powertools function (the floor).

``python -m benchmarks.bench_cold_starts [--count N] [--write-docs]`` (default N = 20; about 6 s a
cold start on a quiet 2-core machine). On one embedded PostgreSQL and Redis with the demo data, the
local Lambda (``devstack/lambda_``) runs every function with routes and
``benchmarks/floor_function.py``; rounds alternate the functions so that load hits them alike.

* **On demand**: the function's environments are destroyed, one request goes through the local
  gateway; its REPORT line gives Init Duration and Duration: *init + first request*, the quantity
  the seeds' cold-start targets bound (p99: health 500 ms, API functions 1.5 s, upload 2 s). A
  second request gives the warm Duration.
* **Provisioned** (the functions with provisioned concurrency in prod): the environment is replaced
  by a provisioned one, initialised before any request; the first request's Duration is what a user
  meets, beside the warm Duration. Connections opened during init (``Dependencies.open_connections``)
  are what keeps this close to warm.

Reported as absolute p50/p99 and as ratios to the floor's. The upload function's first request is a
``POST …/files`` without a body (answered 4xx by the handler: its routes take only uploads).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from api.demo_data import DEMO_USER, load_demo_data
from api.dependencies import Dependencies
from api.functions import FUNCTIONS
from benchmarks.bench_local_aws import local_aws
from benchmarks.report import command_line, machine_line, percentile, write_section
from devstack.embedded import EmbeddedPostgres, EmbeddedRedis
from devstack.lambda_.environment import PROVISIONED, State
from devstack.lambda_.function_code import REPOSITORY_ROOT, FunctionCode, local_code, task_root
from devstack.lambda_.platform_logs import LogCollector, init_duration_ms
from devstack.lambda_.pool import LocalCapacity
from devstack.local_aws import LocalAws
from migrations.apply import upgrade as migrate_schema
from runtime import config
from runtime.auth import mint_token
from stack.functions import FunctionSpec
from stack.wheels import default_cache

FLOOR = "floor"
DEFAULT_COUNT = 20
FIRST_REQUESTS = {
    "health": ("GET", "/health"),
    "mocs": ("GET", "/api/mocs?limit=5"),
    "gallery": ("GET", "/api/images?limit=5"),
    "wishlist": ("GET", "/api/wishlist"),
    "profile": ("GET", f"/api/users/{DEMO_USER}"),
    "upload": ("POST", "/api/mocs/00000000-0000-4000-8000-000000000000/files"),
    FLOOR: ("GET", "/floor"),
}


@dataclass(frozen=True)
class FloorFunction:
    """The floor, described like a function of the table (no target: it is the reference)."""

    name: str = FLOOR
    handler: str = "benchmarks.floor_function.handler"
    routes: tuple[str, ...] = ("GET /floor",)
    memory_mb: int = 512
    timeout_seconds: int = 10
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 1
    cold_start_p99_target_ms: int | None = None
    public_routes: tuple[str, ...] = ()


def _artifact_code() -> dict[str, FunctionCode]:
    """Every function on its artifact for this machine, as ``up`` runs it; the floor on the same platform.

    The floor's task root holds only ``benchmarks`` (its handler) and its packages are the health
    function's (Powertools and what it requires): packaged and started the same way as the others.
    """
    code = local_code([function.name for function in FUNCTIONS])
    health = code["health"]
    floor_root = task_root(REPOSITORY_ROOT, ["benchmarks"], default_cache())
    return {**code, FLOOR: FunctionCode(floor_root, health.path)}


def _local_aws(settings: config.Settings, logs: LogCollector, *, provision: bool) -> LocalAws:
    functions: list[FunctionSpec] = [*FUNCTIONS, FloorFunction()]
    capacity = LocalCapacity(per_function=1, total=len(functions) + 1)
    return local_aws(
        settings, logs, functions=functions, provision=provision, idle_seconds=3600, capacity=capacity,
        function_code=_artifact_code(),
    )


async def _destroy(aws: LocalAws, function: str) -> None:
    assert aws.pool is not None
    for environment in list(aws.pool.functions[function].environments):
        environment.kill()
        await environment.gone.wait()


async def _provisioned_ready(aws: LocalAws, function: str) -> bool:
    assert aws.pool is not None
    live = aws.pool.functions[function].live
    return any(env.initialization_type == PROVISIONED and env.state is State.IDLE for env in live)


def _report(logs: LogCollector, function: str, mark: int) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reports = logs.reports(function, since=mark)
        if reports:
            return reports[0]
        time.sleep(0.01)
    raise RuntimeError(f"no REPORT line from {function}")


def _request(aws: LocalAws, function: str, token: str) -> int:
    method, path = FIRST_REQUESTS[function]
    reply = requests.request(method, aws.gateway_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return reply.status_code


def _duration(report: dict[str, str]) -> float:
    return float(report["Duration"].removesuffix(" ms"))


def on_demand(settings: config.Settings, count: int, token: str) -> dict[str, dict[str, list[float]]]:
    logs = LogCollector()
    aws = _local_aws(settings, logs, provision=False)
    aws.start()
    found: dict[str, dict[str, list[float]]] = {
        name: {"init": [], "first": [], "cold": [], "warm": [], "status": []} for name in FIRST_REQUESTS
    }
    try:
        for _ in range(count):
            for function in FIRST_REQUESTS:
                aws.call(_destroy(aws, function), timeout=30)
                mark = logs.mark()
                found[function]["status"].append(_request(aws, function, token))
                first = _report(logs, function, mark)
                mark = logs.mark()
                _request(aws, function, token)
                warm = _report(logs, function, mark)
                init = init_duration_ms(first) or 0.0
                found[function]["init"].append(init)
                found[function]["first"].append(_duration(first))
                found[function]["cold"].append(init + _duration(first))
                found[function]["warm"].append(_duration(warm))
    finally:
        aws.stop()
    return found


def provisioned(settings: config.Settings, count: int, token: str) -> dict[str, dict[str, list[float]]]:
    names = [function.name for function in FUNCTIONS if function.provisioned_concurrency] + [FLOOR]
    logs = LogCollector()
    aws = _local_aws(settings, logs, provision=True)
    aws.start()
    found: dict[str, dict[str, list[float]]] = {name: {"first": [], "warm": []} for name in names}
    try:
        for _ in range(count):
            for function in names:
                aws.call(_destroy(aws, function), timeout=30)  # the pool initialises a replacement ahead
                deadline = time.monotonic() + 60
                while not aws.call(_provisioned_ready(aws, function), timeout=5):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"no provisioned {function} environment")
                    time.sleep(0.02)
                for sample in ("first", "warm"):
                    mark = logs.mark()
                    _request(aws, function, token)
                    found[function][sample].append(_duration(_report(logs, function, mark)))
    finally:
        aws.stop()
    return found


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def render(demand: dict[str, dict[str, list[float]]], ahead: dict[str, dict[str, list[float]]], count: int) -> str:
    targets = {function.name: function.cold_start_p99_target_ms for function in FUNCTIONS}
    floor_p99 = percentile(demand[FLOOR]["cold"], 0.99)
    rows = []
    for function, values in demand.items():
        target = targets.get(function)
        p99 = percentile(values["cold"], 0.99)
        verdict = "—" if target is None else ("meets" if p99 <= target else "misses")
        rows.append(
            f"| {function} | {_ms(percentile(values['init'], 0.5))} | {_ms(percentile(values['first'], 0.5))} | "
            f"{_ms(percentile(values['warm'], 0.5))} | {_ms(percentile(values['cold'], 0.5))} | {_ms(p99)} | "
            f"{p99 / floor_p99:.1f}x | {'—' if target is None else _ms(target)} {verdict} | "
            f"{', '.join(sorted({str(int(s)) for s in values['status']}))} |"
        )
    provisioned_rows = [
        f"| {function} | {_ms(percentile(values['first'], 0.5))} | {_ms(percentile(values['first'], 0.99))} | "
        f"{_ms(percentile(values['warm'], 0.5))} | "
        f"{percentile(values['first'], 0.5) / max(0.1, percentile(values['warm'], 0.5)):.1f}x |"
        for function, values in ahead.items()
    ]
    return "\n".join([
        "## Cold starts per function against the seeds' targets (`benchmarks/bench_cold_starts.py`)",
        "",
        machine_line(),
        "",
        f"{count} cold starts per function, functions alternating each round, on the local Lambda as `up` runs it: "
        "each function's artifact built for this machine (`stack/artifacts.py`), started with `python -S` and only the "
        "artifact plus the platform layer (awslambdaric, boto3) on its path, under this machine's Python (AWS runs "
        "the arm64 build under 3.12). "
        "*Cold* = REPORT Init Duration + the first request's Duration (what the targets bound); the floor is "
        "`benchmarks/floor_function.py`, a bare Powertools resolver started the same way. On a shared "
        "2-core machine init is CPU-bound: read the ratios to the floor, and re-run on a quiet machine "
        "before comparing with the targets.",
        "",
        "| function | init p50 | first request p50 | warm p50 | cold p50 | cold p99 | p99 / floor | "
        "p99 target | first status |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "**Provisioned environments** (initialised before the request, as provisioned concurrency does): "
        "the first request's Duration beside a warm one.",
        "",
        "| function | first request p50 | first request p99 | warm p50 | first / warm (p50) |",
        "|---|---|---|---|---|",
        *provisioned_rows,
    ])


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="cold starts per function (default 20)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="brickguard-bench-"))
    base.chmod(0o755)  # the embedded PostgreSQL runs as an unprivileged user
    try:
        with EmbeddedPostgres(base / "postgres", durable=False) as postgres, EmbeddedRedis(base / "redis") as redis:
            (base / "data").mkdir()
            settings = config.Settings(
                backend="serverless", database_url=postgres.url, redis_url=redis.url, data_dir=str(base / "data"),
                tracing="off",
            )
            database = Dependencies(settings).database
            migrate_schema(database.engine)
            with database.session() as session:
                load_demo_data(session)
            database.dispose()
            token = mint_token(settings, sub=DEMO_USER)
            demand = on_demand(settings, args.count, token)
            ahead = provisioned(settings, max(1, args.count // 2), token)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    body = render(demand, ahead, args.count)
    print(body)
    if args.write_docs:
        write_section("cold-starts", body)
    print(json.dumps({"on_demand": demand, "provisioned": ahead}))


if __name__ == "__main__":
    main()
