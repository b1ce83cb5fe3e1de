"""How long a request waits on a paused PostgreSQL: the whole server SIGSTOPped, a 1.5 s request budget.

``python -m benchmarks.bench_paused_postgres`` starts a real PostgreSQL and
``brickguard up`` with ``BRICKGUARD_REQUEST_BUDGET_MS=1500`` and the Redis
breaker forced open (every read goes to PostgreSQL), warms the pool, pauses
the postmaster and its backends (SIGSTOP), and sends uncached searches one
after another: each answer's status, error code and time. Before the deadline
work (issue 8) the first such search got no answer within 30 s.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import time
from pathlib import Path

from benchmarks.report import command_line, machine_line, write_section
from benchmarks.up_server import UpServer
from devstack.embedded import EmbeddedPostgres

HERE = Path(__file__).resolve().parents[1]
BUDGET_MS = 1500
REQUESTS = 8
CLIENT_TIMEOUT_S = 30.0
USER = "demo-user"


def main() -> None:
    args = command_line(__doc__).parse_args()
    rows: list[tuple[int, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-paused-pg-") as tmp:
        root = Path(tmp)
        with EmbeddedPostgres(root / "pg", durable=False) as postgres:
            env = {
                "DATABASE_URL": postgres.url,
                "BRICKGUARD_REQUEST_BUDGET_MS": str(BUDGET_MS),
                "BRICKGUARD_BREAKER_FORCE": "redis=open",
            }
            with UpServer(HERE, root / "up", env) as server:
                headers = {"Authorization": f"Bearer {server.token(USER)}"}
                for n in range(5):
                    assert server.get(f"/api/mocs?search=warm{n}", headers)[0] == 200
                postgres.pause()
                try:
                    for n in range(REQUESTS):
                        rows.append(_timed(server.port, f"/api/mocs?search=paused{n}", headers))
                finally:
                    postgres.resume()
    lines = [
        "## A paused PostgreSQL under a 1.5 s request budget",
        "",
        machine_line(),
        "",
        f"`python -m benchmarks.bench_paused_postgres`: `brickguard up` with `BRICKGUARD_REQUEST_BUDGET_MS="
        f"{BUDGET_MS}` and the Redis breaker forced open; PostgreSQL (postmaster and backends) SIGSTOPped after the "
        "pool was warm; uncached searches sent one after another. Before issue 8 the first one got no answer "
        "within 30 s.",
        "",
        "| request | status | code | answered after (ms) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {n + 1} | {status} | {code} | {ms:.0f} |" for n, (status, code, ms) in enumerate(rows)]
    body = "\n".join(lines)
    print(body)
    if args.write_docs:
        write_section("paused-postgres", body)


def _timed(port: int, path: str, headers: dict[str, str]) -> tuple[int, str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    started = time.monotonic()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read() or b"{}")
        return response.status, body.get("error", {}).get("code", "-"), (time.monotonic() - started) * 1000
    except TimeoutError:
        return 0, f"no answer in {CLIENT_TIMEOUT_S:.0f} s", (time.monotonic() - started) * 1000
    finally:
        connection.close()


if __name__ == "__main__":
    main()
