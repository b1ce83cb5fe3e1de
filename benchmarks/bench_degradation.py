"""Degraded reads, measured: Redis paused and OpenSearch hung, against running without them.

``python -m benchmarks.bench_degradation`` starts a real PostgreSQL and Redis and
the OpenSearch stand-in, then, in one run:

1. cached MOC reads with Redis paused (SIGSTOP): how many requests paid a Redis
   timeout before the breaker opened, then the p50/p99 of reads once it is open,
   interleaved with the same reads on an instance with no cache configured;
2. the same for search with OpenSearch hanging, against PostgreSQL-only search.

Targets (issue 3): p99 ratio ≤ 1.2; timeouts paid ≤ the breaker's minimum calls.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.adapters.search_index import init_indices
from api.composition import build_handlers
from api.dependencies import Dependencies
from benchmarks.report import command_line, machine_line, percentile, write_section
from devstack.embedded import EmbeddedPostgres, EmbeddedRedis
from guards.breaker_registry import DEFAULT_CONFIGS
from migrations.apply import upgrade as migrate_schema
from runtime import config, process
from runtime.telemetry import recorder
from tests.support.clients import LambdaClient
from tests.support.opensearch_standin import OpenSearchStandIn

PLOT = Path(__file__).resolve().parents[1] / "docs" / "img" / "degradation-latency.png"
READS = 400
WARMUP = 50
USER = "bench-user"


class ErrorCounter:
    """Counts DependencyError per dependency (one per request that paid a failed call)."""

    def __init__(self) -> None:
        self.errors: dict[str, int] = {}

    def record(self, spec: Any, value: float, dimensions: Any) -> None:
        if spec.name == "DependencyError":
            self.errors[dimensions["dependency"]] = self.errors.get(dimensions["dependency"], 0) + 1


@dataclass(frozen=True)
class Instance:
    """One composition of the API (its own dependencies) and the handlers serving from it."""

    deps: Dependencies
    client: LambdaClient


Call = Callable[[LambdaClient], Any]


def _instance(settings: config.Settings) -> Instance:
    deps = Dependencies(settings)
    migrate_schema(deps.database.engine)
    return Instance(deps, LambdaClient(build_handlers(deps)))


def _timed(instance: Instance, call: Call) -> float:
    started = time.perf_counter()
    reply = call(instance.client)
    elapsed = (time.perf_counter() - started) * 1000
    assert reply.status == 200, reply.text
    return elapsed


def _until_open(instance: Instance, name: str, call: Call, limit: int = 50) -> int:
    """Requests made until ``name``'s breaker opened."""
    for made in range(1, limit + 1):
        _timed(instance, call)
        if instance.deps.breakers[name].state == "open":
            return made
    raise RuntimeError(f"{name} breaker did not open within {limit} requests")


def _interleaved(degraded: Instance, baseline: Instance, call: Call) -> tuple[list[float], list[float]]:
    for _ in range(WARMUP):
        _timed(degraded, call)
        _timed(baseline, call)
    ours, base = [], []
    for _ in range(READS):
        ours.append(_timed(degraded, call))
        base.append(_timed(baseline, call))
    return ours, base


def _row(label: str, ours: list[float], base: list[float], timeouts: int, requests_to_open: int) -> str:
    p50, p99 = percentile(ours, 0.5), percentile(ours, 0.99)
    b50, b99 = percentile(base, 0.5), percentile(base, 0.99)
    return (
        f"| {label} | {p50:.2f} | {p99:.2f} | {b50:.2f} | {b99:.2f} | **{p99 / b99:.2f}** | "
        f"{timeouts} | {requests_to_open} |"
    )


def _plot(panels: list[tuple[str, list[float], str, list[float]]]) -> None:
    """Latency CDFs, degraded vs baseline, one panel per scenario (docs/img/degradation-latency.png)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), constrained_layout=True)
    for axis, (label, ours, base_label, base) in zip(axes, panels, strict=True):
        for samples, name in ((ours, label), (base, base_label)):
            ordered = sorted(samples)
            axis.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], label=name)
        axis.axhline(0.99, color="grey", linestyle=":", linewidth=1)
        axis.set_xlabel("latency (ms)")
        axis.set_ylabel("fraction of requests")
        axis.set_xscale("log")
        axis.legend(loc="lower right", fontsize=8)
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)


def main() -> None:
    args = command_line(__doc__).parse_args()
    counter = ErrorCounter()
    recorder.install_sink(counter)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedPostgres(Path(tmp) / "pg", durable=False) as pg, \
            EmbeddedRedis(Path(tmp) / "redis", persistent=False) as redis, OpenSearchStandIn() as search:
        base_settings = config.Settings(database_url=pg.url, data_dir=tmp, tracing="off")
        process.install(base_settings)
        no_cache = _instance(base_settings)
        cached = _instance(config.Settings(database_url=pg.url, redis_url=redis.url, data_dir=tmp, tracing="off"))
        with_search = _instance(
            config.Settings(database_url=pg.url, opensearch_url=search.url, data_dir=tmp, tracing="off")
        )
        init_indices(with_search.deps.search.client)
        titles = [f"Bench crane {n}" for n in range(20)]
        moc_ids = [
            with_search.client.call(
                "POST", "/api/mocs", json_body={"type": "moc", "title": t, "author": "b"}, user=USER
            ).json["data"]["id"]
            for t in titles
        ]
        read_detail: Call = lambda client: client.call("GET", f"/api/mocs/{moc_ids[0]}", user=USER)  # noqa: E731
        # neither instance has Redis, so every search reaches the search path (no cache-busting parameter needed)
        search_term: Call = lambda client: client.call("GET", "/api/mocs?search=crane", user=USER)  # noqa: E731

        _timed(cached, read_detail)  # warm the cache entry
        redis.pause()
        try:
            before = counter.errors.get("redis", 0)
            to_open = _until_open(cached, "redis", read_detail)
            redis_timeouts = counter.errors.get("redis", 0) - before
            cache_ours, cache_base = _interleaved(cached, no_cache, read_detail)
        finally:
            redis.resume()

        search.set_mode("hang")
        before = counter.errors.get("opensearch", 0)
        search_to_open = _until_open(with_search, "opensearch", search_term)
        search_timeouts = counter.errors.get("opensearch", 0) - before
        search_ours, search_base = _interleaved(with_search, no_cache, search_term)
        search.set_mode("normal")

    minimum = DEFAULT_CONFIGS["redis"].minimum_calls
    body = "\n".join([
        "## Degraded reads (`benchmarks/bench_degradation.py`)",
        "",
        machine_line() + f" {READS} interleaved requests per column through the Lambda handler, real PostgreSQL "
        "and Redis on loopback; OpenSearch is the loopback stand-in in `hang` mode.",
        "",
        "| scenario | p50 ms | p99 ms | baseline p50 | baseline p99 | p99 ratio | requests that paid a timeout "
        "| requests until open |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        _row("MOC detail, Redis paused, breaker open vs no cache", cache_ours, cache_base, redis_timeouts, to_open),
        _row("search, OpenSearch hung, breaker open vs PostgreSQL-only", search_ours, search_base,
             search_timeouts, search_to_open),
        "",
        f"Targets: p99 ratio ≤ 1.2; timeouts before opening ≤ the minimum calls ({minimum}). A half-open probe every "
        "reset timeout (5 s Redis, 10 s OpenSearch) pays one timeout; at this request rate it may fall inside "
        "the sample.",
        "",
        "![latency CDFs](img/degradation-latency.png)",
    ])
    _plot([
        ("Redis paused, breaker open", cache_ours, "no cache configured", cache_base),
        ("OpenSearch hung, breaker open", search_ours, "PostgreSQL-only search", search_base),
    ])
    print(body)
    if args.write_docs:
        write_section("degradation", body)


if __name__ == "__main__":
    main()
