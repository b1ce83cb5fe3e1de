"""The no-cache throughput ceiling: how many uncached reads/s the PostgreSQL path of ``brickguard up`` answers.

Every Redis outage falls back to this path, so it must carry the traffic the
cache was carrying. ``python -m benchmarks.bench_fallback_ceiling --before DIR``
starts one real PostgreSQL and runs ``brickguard up`` with the Redis breaker
forced open (``BRICKGUARD_BREAKER_FORCE=redis=open``: every read goes to
PostgreSQL) from two source trees — ``DIR`` (e.g. ``git archive`` of an older
commit) and this checkout — alternately, ``ROUNDS`` times each, measuring
MOC-detail, MOC-list and wishlist reads with ``WORKERS`` back-to-back clients.
The ratio after/before is what to read; absolute figures move with the load of
this shared machine.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from benchmarks.report import command_line, machine_line, write_section
from benchmarks.up_server import UpServer, closed_loop_rate
from devstack.embedded import EmbeddedPostgres, EmbeddedRedis

HERE = Path(__file__).resolve().parents[1]
WORKERS = 8
SECONDS = 6.0
ROUNDS = 3
USER = "demo-user"


def _paths(server: UpServer, headers: dict[str, str]) -> dict[str, list[str]]:
    status, body = server.get("/api/mocs", headers)
    assert status == 200, body
    ids = [item["id"] for item in body["data"]]
    return {
        "MOC detail": [f"/api/mocs/{moc_id}" for moc_id in ids],
        "MOC list": ["/api/mocs?page=1&limit=20"],
        "wishlist": ["/api/wishlist"],
    }


def measure(source: Path, root: Path, env: dict[str, str]) -> dict[str, float]:
    """Reads/s per kind of read for the tree at ``source``."""
    with UpServer(source, root / source.name, env) as server:
        headers = {"Authorization": f"Bearer {server.token(USER)}"}
        rates = {}
        for kind, paths in _paths(server, headers).items():
            closed_loop_rate(server.port, paths, headers, workers=WORKERS, seconds=1.0)  # warm the pool
            rates[kind] = closed_loop_rate(server.port, paths, headers, workers=WORKERS, seconds=SECONDS)
        return rates


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--before", type=Path, required=True, help="source tree of the version to compare with")
    parser.add_argument("--before-label", default="an older tree", help="what --before is, for the report")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": HERE}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="bench-ceiling-") as tmp:
        root = Path(tmp)
        with EmbeddedPostgres(root / "pg", durable=False) as postgres, EmbeddedRedis(root / "redis") as redis:
            env = {"DATABASE_URL": postgres.url, "REDIS_URL": redis.url, "BRICKGUARD_BREAKER_FORCE": "redis=open"}
            for round_number in range(ROUNDS):
                for name, tree in trees.items():
                    rates = measure(tree, root / f"{name}-{round_number}", env)
                    results[name].append(rates)
                    print(name, round_number, {kind: round(rate) for kind, rate in rates.items()}, flush=True)
    kinds = list(results["after"][0])
    lines = [
        "## No-cache throughput ceiling (Redis breaker forced open)",
        "",
        machine_line(),
        "",
        f"`python -m benchmarks.bench_fallback_ceiling --before DIR`: `brickguard up` with "
        f"`BRICKGUARD_BREAKER_FORCE=redis=open` (every read goes to PostgreSQL), {WORKERS} back-to-back clients "
        f"for {SECONDS:g} s per read kind, the two trees alternated, median of {ROUNDS} rounds. "
        f"Before: {args.before_label}.",
        "",
        "| read | before (reads/s) | after (reads/s) | after / before |",
        "|---|---|---|---|",
    ]
    for kind in kinds:
        before = statistics.median(r[kind] for r in results["before"])
        after = statistics.median(r[kind] for r in results["after"])
        lines.append(f"| {kind} | {before:.0f} | {after:.0f} | {after / before:.2f}x |")
    body = "\n".join(lines)
    print(body)
    if args.write_docs:
        write_section("fallback-ceiling", body)


if __name__ == "__main__":
    main()
