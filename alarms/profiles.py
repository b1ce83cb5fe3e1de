"""Two alarm profiles: ``rollout`` (looser, its own alarm names) and ``bau`` (business as usual).

During the 10% -> 25% -> 50% -> 100% rollout the serverless backend sees little traffic, so single
slow or failed requests move percentiles and rates a lot. The rollout profile widens thresholds and
windows so that noise does not page as an incident; ``bau`` holds the architecture's targets.
"""

from __future__ import annotations

from dataclasses import dataclass

from alarms.model import Limit, LowSample, Regional, Window

LATENCY_TARGET_P95_MS = 200.0


@dataclass(frozen=True, slots=True)
class Profile:
    """Thresholds and windows of every alarm, and the deploy-window suppression periods."""

    name: str
    error_rate_pct: Limit
    p95_latency_ms: Limit
    latency_low_sample: LowSample
    edge_5xx_pct: Limit
    concurrency_pct: Limit
    cold_start_window: Window
    """Of the per-function cold-start alarms; their thresholds are the seeds' targets (objectives)."""
    throttles: Limit
    breaker_open: Limit
    search_fallback_pct: Limit
    function_throttles: Limit
    rds_cpu_pct: Limit
    rds_freeable_memory_bytes: Limit
    proxy_borrow_latency_us: Limit
    cache_evictions: Limit
    cache_memory_pct: Limit
    search_cluster_red: Limit
    health_check_healthy: Limit
    async_errors: Limit
    failure_queue_depth: Limit
    suppressor_wait_s: int
    suppressor_extension_s: int


MINUTE = 60
FIVE_MINUTES = 300
MIB = 1024 * 1024

BAU = Profile(
    name="bau",
    error_rate_pct=Limit(2.0, Window(MINUTE, 5, 5)),
    p95_latency_ms=Limit(Regional(na=600.0, eu=900.0), Window(MINUTE, 5, 5)),
    latency_low_sample="evaluate",
    edge_5xx_pct=Limit(3.0, Window(MINUTE, 5, 5)),
    concurrency_pct=Limit(80.0, Window(MINUTE, 3, 3)),
    cold_start_window=Window(FIVE_MINUTES, 3, 2),
    throttles=Limit(10.0, Window(FIVE_MINUTES, 1, 1)),
    breaker_open=Limit(2.0, Window(MINUTE, 5, 5)),
    search_fallback_pct=Limit(20.0, Window(MINUTE, 10, 8)),
    function_throttles=Limit(5.0, Window(FIVE_MINUTES, 1, 1)),
    rds_cpu_pct=Limit(80.0, Window(MINUTE, 10, 8)),
    rds_freeable_memory_bytes=Limit(256.0 * MIB, Window(MINUTE, 5, 5)),
    proxy_borrow_latency_us=Limit(50_000.0, Window(MINUTE, 5, 4)),
    cache_evictions=Limit(100.0, Window(FIVE_MINUTES, 2, 2)),
    cache_memory_pct=Limit(90.0, Window(MINUTE, 5, 5)),
    search_cluster_red=Limit(1.0, Window(MINUTE, 1, 1)),
    health_check_healthy=Limit(1.0, Window(MINUTE, 3, 3)),
    # The parser raises only for what a retry can cure (S3 or PostgreSQL away): a few are an outage.
    async_errors=Limit(5.0, Window(FIVE_MINUTES, 1, 1)),
    # Any record in the on-failure queue is a parts list whose import will not happen by itself.
    failure_queue_depth=Limit(0.0, Window(MINUTE, 1, 1)),
    suppressor_wait_s=120,
    suppressor_extension_s=300,
)

ROLLOUT = Profile(
    name="rollout",
    error_rate_pct=Limit(5.0, Window(MINUTE, 10, 8)),
    p95_latency_ms=Limit(Regional(na=800.0, eu=1200.0), Window(FIVE_MINUTES, 3, 2)),
    latency_low_sample="ignore",
    edge_5xx_pct=Limit(5.0, Window(MINUTE, 10, 8)),
    concurrency_pct=Limit(90.0, Window(MINUTE, 3, 3)),
    # the seeds' cold-start targets hold in both profiles (they only warn); the rollout wants 3 slow periods of 3
    cold_start_window=Window(FIVE_MINUTES, 3, 3),
    throttles=Limit(25.0, Window(FIVE_MINUTES, 1, 1)),
    breaker_open=Limit(2.0, Window(MINUTE, 10, 10)),
    search_fallback_pct=Limit(50.0, Window(MINUTE, 10, 8)),
    function_throttles=Limit(10.0, Window(FIVE_MINUTES, 1, 1)),
    # The shared infrastructure carries both backends' traffic during the rollout: its limits are
    # the same as in bau, only the windows are a little longer (fewer pages for short spikes).
    rds_cpu_pct=Limit(80.0, Window(MINUTE, 15, 12)),
    rds_freeable_memory_bytes=Limit(256.0 * MIB, Window(MINUTE, 5, 5)),
    proxy_borrow_latency_us=Limit(50_000.0, Window(MINUTE, 10, 8)),
    cache_evictions=Limit(100.0, Window(FIVE_MINUTES, 3, 3)),
    cache_memory_pct=Limit(90.0, Window(MINUTE, 10, 10)),
    search_cluster_red=Limit(1.0, Window(MINUTE, 1, 1)),
    health_check_healthy=Limit(1.0, Window(MINUTE, 3, 3)),
    # The parser runs on serverless only, whatever the traffic split: the same limits as in bau.
    async_errors=Limit(5.0, Window(FIVE_MINUTES, 1, 1)),
    failure_queue_depth=Limit(0.0, Window(MINUTE, 1, 1)),
    suppressor_wait_s=300,
    suppressor_extension_s=900,
)

PROFILES: dict[str, Profile] = {profile.name: profile for profile in (ROLLOUT, BAU)}

NA_PREFIXES = ("us-", "ca-", "mx-")
EU_PREFIXES = ("eu-",)


def region_group(region: str) -> str:
    """``NA`` or ``EU`` for a region name; other regions have no latency target yet and fail loudly."""
    if region.startswith(EU_PREFIXES):
        return "EU"
    if region.startswith(NA_PREFIXES):
        return "NA"
    raise ValueError(f"region {region!r} is neither North American nor European; no p95 threshold is defined")


def get(name: str) -> Profile:
    """The profile called ``name``; unknown names fail with the valid choices."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown alarm profile {name!r}; choose one of {', '.join(PROFILES)}") from None
