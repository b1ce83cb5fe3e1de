"""``brickguard cache flush``: the migration cache flush, paced, with a progress bar and a recovery report."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.options import data_dir_option
from cli.running import running_url
from stack import function_environment as env

if TYPE_CHECKING:
    from rollout.hit_rate import RecoveryReport

console = Console(stderr=True, highlight=False)


def _redis_url(data_dir: str) -> str:
    url = os.environ.get(env.REDIS_URL) or running_url(data_dir, "redis_url")
    if not url:
        raise click.ClickException(f"set REDIS_URL, or start `brickguard up --data-dir {data_dir}` (none is running)")
    return url


@click.group()
def cache() -> None:
    """The API's Redis cache."""


@cache.command()
@click.option("--dry-run", is_flag=True, help="Count the keys each pattern matches; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option(
    "--batch", type=click.IntRange(1, 10_000), default=500, show_default=True, help="SCAN COUNT and UNLINK size."
)
@click.option(
    "--rate", type=click.FloatRange(min=1), default=5_000, show_default=True, help="Keys deleted per second at most."
)
@click.option(
    "--recover-minutes", type=click.FloatRange(min=0), default=0, show_default=True,
    help="After the flush, watch the cache hit rate this long (the seeds: above 80 % within 10).",
)
@click.option("--metrics-url", help="Prometheus page with the cache counters (default: the running up's /metrics).")
@data_dir_option
def flush(
    dry_run: bool, as_json: bool, batch: int, rate: float, recover_minutes: float, metrics_url: str | None,
    data_dir: str,
) -> None:
    """Empty the data caches (moc, gallery, wishlist, profile and the seeds' mocs/albums, plain and v2:).

    Keeps sessions:*, ratelimit:* and user-profiles:*. Entries are deleted
    first and the namespace counters bumped after, so no old entry comes back.
    Uses REDIS_URL, else the Redis of the running `brickguard up --data-dir`.

    \b
    Examples:
      brickguard cache flush --dry-run
      brickguard cache flush --rate 2000 --recover-minutes 10
    """
    import redis

    from rollout.cache_flush import CacheFlush

    client = redis.Redis.from_url(_redis_url(data_dir), decode_responses=True, socket_timeout=5)
    flusher = CacheFlush(client, batch=batch, keys_per_second=rate)
    try:
        counted = flusher.count()
        if dry_run:
            report = counted
        else:
            with Progress(
                TextColumn("flushing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console, disable=as_json and not console.is_terminal,
            ) as progress:
                task = progress.add_task("flush", total=counted.matched)
                report = flusher.flush(on_progress=lambda keys: progress.advance(task, keys))
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis: {exc}") from None
    recovery = _recovery(metrics_url, data_dir, recover_minutes) if recover_minutes and not dry_run else None
    if as_json:
        body = report.as_json()
        if recovery is not None:
            body["recovery"] = recovery.as_json()
        click.echo(json.dumps(body, indent=2))
        return
    table = Table("pattern", "matched", "deleted", "counters bumped", title="dry run" if dry_run else "flushed")
    for pattern, result in report.patterns.items():
        table.add_row(pattern, str(result.matched), str(result.deleted), str(result.bumped))
    Console().print(table)
    click.echo(f"preserved (sessions:*, ratelimit:*, user-profiles:*, plain and v2:): {report.preserved}")
    if recovery is not None:
        after = recovery.recovered_after
        click.echo(
            f"hit rate above {recovery.target:.0%} after {after:.0f} s" if after is not None
            else f"hit rate did NOT reach {recovery.target:.0%} within {recovery.within_seconds:.0f} s"
        )


def _recovery(metrics_url: str | None, data_dir: str, minutes: float) -> RecoveryReport:
    from rollout.hit_rate import prometheus_sampler, watch_recovery

    base = running_url(data_dir)
    url = metrics_url or (base + "/metrics" if base else None)
    if url is None:
        raise click.ClickException("give --metrics-url: no running `brickguard up` to read the hit rate from")
    return watch_recovery(
        prometheus_sampler(url),
        within_seconds=minutes * 60,
        every_seconds=min(30.0, minutes * 60),
        on_interval=lambda i: console.print(
            f"  +{i.seconds_after_flush:5.0f} s  reads {i.reads:6.0f}  hit rate "
            + ("-" if i.hit_rate is None else f"{i.hit_rate:.0%}")
        ),
    )
