"""P5: express and serverless side by side at 100 requests/s, healthy and degraded, with ``brickguard load``.

``python -m benchmarks.bench_p5_side_by_side [--seconds 60]`` starts the OpenSearch stand-in in its
own process and one ``brickguard up`` (both backends, its own PostgreSQL and Redis, search through
the stand-in), then for each scenario runs the real command — ``brickguard load --rps 100
--duration 60 --mix read-heavy --backend both`` — so both backends get the same requests at the
same moments (open loop, latency from the scheduled time):

* ``healthy``;
* ``redis paused``: ``brickguard chaos redis pause`` before the run, ``resume`` after;
* ``search hung``: ``brickguard chaos opensearch hang`` (both backends' proxies hold every search
  connection) before the run, ``heal`` after.

Target (issue 11): p95 < 200 ms for both backends in every scenario. Reported: p50/p95/p99/max and
errors per backend, the serverless/express p95 ratio, Mann-Whitney U p and Cliff's delta; the CDF
of each scenario goes to ``docs/img/p5-<scenario>.png``; figures to docs/performance.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_open_loop_degraded import StandInProcess
from benchmarks.report import command_line, machine_line, write_section
from tests.support.running_up import RunningUp, running_up

HERE = Path(__file__).resolve().parents[1]
RATE = 100
TARGET_P95_MS = 200.0
RECOVERY_S = 15.0  # after healing: breakers close, the next scenario starts from a healthy system

SCENARIOS: tuple[tuple[str, tuple[str, ...] | None, tuple[str, ...] | None], ...] = (
    ("healthy", None, None),
    ("redis paused", ("chaos", "redis", "pause"), ("chaos", "redis", "resume")),
    ("search hung", ("chaos", "opensearch", "hang"), ("chaos", "opensearch", "heal")),
)


def _cli(up: RunningUp, *args: str, timeout: float = 120) -> str:
    result = up.cli(*args, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"brickguard {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run(seconds: int, lambda_concurrency: int) -> list[tuple[str, dict]]:
    found = []
    with tempfile.TemporaryDirectory(prefix="p5-") as scratch, StandInProcess() as standin:
        root = Path(scratch)
        env = {"OPENSEARCH_URL": standin.url, "BRICKGUARD_TRACING": "xray"}
        with running_up(root, env, ["--lambda-concurrency", str(lambda_concurrency)]) as up:
            subprocess.run([sys.executable, "-m", "cli", "search", "init"], check=True, timeout=120,
                           env={**os.environ, "OPENSEARCH_URL": standin.url}, capture_output=True)
            _cli(up, "load", "--rps", "20", "--duration", "5", timeout=120)  # warm both backends first
            for name, fault, heal in SCENARIOS:
                if fault is not None:
                    print(_cli(up, *fault).strip())
                slug = name.replace(" ", "-")
                out = root / f"{slug}.json"
                try:
                    print(_cli(up, "load", "--rps", str(RATE), "--duration", str(seconds), "--mix", "read-heavy",
                               "--json", str(out), "--plot", str(HERE / "docs" / "img" / f"p5-{slug}.png"),
                               timeout=seconds * 4 + 120))
                finally:
                    if heal is not None:
                        print(_cli(up, *heal).strip())
                        time.sleep(RECOVERY_S)
                found.append((name, json.loads(out.read_text())))
    return found


def _row(name: str, document: dict) -> str:
    express, serverless = document["backends"]["express"], document["backends"]["serverless"]
    ratio = serverless["p95_ms"] / max(express["p95_ms"], 1e-9)
    met = "yes" if max(express["p95_ms"], serverless["p95_ms"]) < TARGET_P95_MS else "**no**"
    comparison = document["comparison"]
    cells = [
        name,
        *(f"{figures[key]:.1f}" for figures in (express, serverless) for key in ("p50_ms", "p95_ms", "p99_ms")),
        f"{express['errors']} / {serverless['errors']}",
        f"{ratio:.2f}",
        f"{comparison['mann_whitney_p']:.2g}",
        f"{comparison['effect_size']:+.2f}",
        met,
    ]
    return "| " + " | ".join(cells) + " |"


def report(results: list[tuple[str, dict]], seconds: int, lambda_concurrency: int, load: str) -> str:
    lines = [
        f"## P5: express vs serverless at {RATE} requests/s, side by side (`brickguard load`)",
        "",
        f"{machine_line()} Load average {load}: compare the two backends within a row, not rows across runs.",
        "",
        f"`python -m benchmarks.bench_p5_side_by_side --seconds {seconds} --lambda-concurrency {lambda_concurrency}`: "
        "one `brickguard up` (express and the local Lambda platform with "
        f"{lambda_concurrency} execution environments per function, its own PostgreSQL and Redis, search "
        "through the OpenSearch stand-in in its own process), then "
        f"`brickguard load --rps {RATE} --duration {seconds} --mix read-heavy` per scenario — "
        "the same request sequence to both backends at the same moments, open loop, latency from the scheduled "
        "time. Faults through `brickguard chaos` (Redis SIGSTOP; the search proxies of both backends hold every "
        "connection). Target: p95 < 200 ms for both backends in every scenario.",
        "",
        "| scenario | express p50 | express p95 | express p99 | serverless p50 | serverless p95 | serverless p99 "
        "| errors (express / serverless) | serverless/express p95 | Mann-Whitney p | Cliff's δ | p95 < 200 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(_row(name, document) for name, document in results),
        "",
        "Milliseconds. Cliff's δ > 0: serverless slower (|δ| < 0.147 negligible, < 0.33 small, < 0.474 medium). "
        "Errors are answers ≥ 400 and requests without an answer.",
        "",
        *(f"![{name}](img/p5-{name.replace(' ', '-')}.png)" for name, _ in results),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--seconds", type=int, default=60, help="load duration per backend")
    parser.add_argument("--lambda-concurrency", type=int, default=4,
                        help="environments per function (up's default local cap, 2, throttles at 100 rps here)")
    args = parser.parse_args()
    before = os.getloadavg()[0]
    results = run(args.seconds, args.lambda_concurrency)
    load = f"{before:.1f} before the run, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs"
    body = report(results, args.seconds, args.lambda_concurrency, load)
    print(body)
    if args.write_docs:
        write_section("p5-side-by-side", body)


if __name__ == "__main__":
    main()
