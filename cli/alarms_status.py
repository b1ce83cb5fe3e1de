"""``brickguard alarms status``: the live state of every alarm and composite of the running ``up``."""

from __future__ import annotations

import json
import time
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cli.options import data_dir_option
from cli.running import control_url

STATE_STYLE = {"ALARM": "bold red", "OK": "green", "INSUFFICIENT_DATA": "dim"}


def fetch_states(data_dir: str) -> dict[str, Any]:
    """``/dashboard/alarms.json`` of the ``up`` serving ``data_dir``; a clear error when none runs."""
    import requests

    url = control_url(data_dir)
    if url is None:
        raise click.ClickException(f"no running `brickguard up --data-dir {data_dir}` found")
    try:
        response = requests.get(url + "/dashboard/alarms.json", timeout=5)
    except requests.ConnectionError:
        raise click.ClickException(f"cannot reach {url}: is `brickguard up` running?") from None
    if response.status_code != 200:
        raise click.ClickException(f"{url} answered HTTP {response.status_code} for the alarm states")
    body: dict[str, Any] = response.json()
    return body


def _ago(since: float | None) -> str:
    if since is None:
        return "never evaluated"
    seconds = max(0, round(time.time() - since))
    return f"{seconds}s ago" if seconds < 120 else f"{seconds // 60} min ago"


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the states as JSON.")
@data_dir_option
def alarms_status(as_json: bool, data_dir: str) -> None:
    """Every alarm and composite of the running `brickguard up`, with its current state.

    The alarms are the ones synthesized for CloudWatch, evaluated live on up's local metric store.
    Exits 0 whatever the states (use --json and a JSON tool to gate on them).

    \b
    Example:
      brickguard alarms status
      brickguard alarms status --json | jq -r '.alarms[] | select(.state=="ALARM") | .slug'
    """
    body = fetch_states(data_dir)
    if as_json:
        click.echo(json.dumps(body, indent=2))
        return
    scale = body.get("period_scale", 1)
    title = f"alarms ({body.get('profile')} profile{f', period scale x{scale:g}' if scale != 1 else ''})"
    table = Table(title=title)
    for column in ("alarm", "kind", "state", "since"):
        table.add_column(column, no_wrap=True)
    table.add_column("meaning", min_width=24)
    for alarm in body["alarms"]:
        state = alarm["state"]
        if alarm.get("suppressed_by"):
            state += f" (held: {alarm['suppressed_by']})"
        name = alarm["slug"] + (" (pages)" if alarm["pages"] else "")
        table.add_row(name, alarm["kind"], f"[{STATE_STYLE.get(alarm['state'], '')}]{state}[/]",
                      _ago(alarm["since"]), alarm["summary"])
    Console().print(table)
