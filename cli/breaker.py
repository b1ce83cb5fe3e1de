"""``brickguard breaker``: show or force the running main job's circuit breakers."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cli.options import data_dir_option
from cli.running import control_url
from runtime.serverful.admin import ADMIN_HEADER, admin_token
from runtime.telemetry import catalogue

url_option = click.option(
    "--url", envvar="BRICKGUARD_URL",
    help="The running `brickguard up` (default: the one serving --data-dir).",
)


def _call(url: str | None, data_dir: str, method: str, path: str) -> dict[str, Any]:
    import requests

    url = url or control_url(data_dir)
    if url is None:
        raise click.ClickException(f"no running `brickguard up --data-dir {data_dir}` found (or give --url)")
    token = admin_token(data_dir, create=False)
    if token is None:
        raise click.ClickException(f"no admin token in {data_dir}: is `brickguard up --data-dir {data_dir}` running?")
    try:
        response = requests.request(method, url + path, headers={ADMIN_HEADER: token}, timeout=5)
    except requests.ConnectionError:
        raise click.ClickException(f"cannot reach {url}: is `brickguard up` running?") from None
    body: dict[str, Any] = response.json()
    if response.status_code != 200:
        raise click.ClickException(body.get("error", f"HTTP {response.status_code}"))
    return body


def _show(snapshot: dict[str, Any], name: str | None) -> None:
    table = Table("breaker", "state", "forced", "calls", "fail", "slow", "rate", "retry s")
    for dependency, snap in snapshot.items():
        if name and dependency != name:
            continue
        table.add_row(
            dependency, snap["state"], snap["forced"] or "-", str(snap["calls"]), str(snap["failures"]),
            str(snap["slow_calls"]), f"{snap['failure_rate']:.0%}", str(snap["retry_after"]),
        )
    Console().print(table)


@click.group()
def breaker() -> None:
    """Show or force the circuit breakers of the running main job.

    \b
    Examples:
      brickguard breaker status
      brickguard breaker open redis      # skip Redis: reads go to PostgreSQL
      brickguard breaker close redis     # pin closed (never trips) until released
      brickguard breaker release redis   # back to automatic

    The env override BRICKGUARD_BREAKER_FORCE=redis=open,opensearch=closed pins
    breakers from the start.
    """


@breaker.command()
@click.argument("name", required=False, type=click.Choice(catalogue.DEPENDENCIES))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@url_option
@data_dir_option
def status(name: str | None, as_json: bool, url: str | None, data_dir: str) -> None:
    """Show every breaker (or NAME): state, pin, window counts."""
    snapshot = _call(url, data_dir, "GET", "/_brickguard/breakers")
    if as_json:
        click.echo(json.dumps(snapshot if name is None else snapshot[name], indent=2))
    else:
        _show(snapshot, name)


def _force_command(action: str, help_text: str) -> click.Command:
    @click.command(name=action, help=help_text)
    @click.argument("name", type=click.Choice(catalogue.DEPENDENCIES))
    @url_option
    @data_dir_option
    def command(name: str, url: str | None, data_dir: str) -> None:
        _show(_call(url, data_dir, "POST", f"/_brickguard/breakers/{name}/{action}"), name)

    return command


breaker.add_command(_force_command("open", "Force NAME open: calls fail fast, fallbacks answer."))
breaker.add_command(_force_command("close", "Force NAME closed: every call goes through, it never trips."))
breaker.add_command(_force_command("release", "Release NAME's pin: back to automatic."))
