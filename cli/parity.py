"""``brickguard parity``: replay a request mix against both backends and report real differences per route."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cli.options import data_dir_option, load_settings
from cli.running import running_url
from runtime.telemetry import catalogue

REPORT_FILE = "parity.json"  # `brickguard rollout advance` reads it before 0 -> 10 %


@click.command()
@click.option("--express-url", help="Express backend (default: the running up's).")
@click.option("--serverless-url", help="Serverless backend (default: the running up's gateway).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@data_dir_option
def parity(express_url: str | None, serverless_url: str | None, as_json: bool, data_dir: str) -> None:
    """Diff express and serverless answers the way Diffy does, before the first rollout stage.

    Every request goes to each backend twice: fields that differ between two
    answers of the same backend (request ids, timestamps) are noise and ignored;
    fields that differ only between the backends are reported per route. Reads
    replay as the demo user; writes run under four fresh users (two per
    backend), so neither backend sees the other's effects. The report is saved
    as parity.json in --data-dir: `brickguard rollout advance` refuses 0 → 10 %
    while it has unexplained differences. Exit code 1 when it has any.

    \b
    Example:
      brickguard parity --data-dir .brickguard
    """
    import requests

    from api.demo_data import DEMO_USER
    from rollout.parity import ParityRun
    from runtime.auth import mint_token

    urls = {
        catalogue.EXPRESS: express_url or running_url(data_dir),
        catalogue.SERVERLESS: serverless_url or running_url(data_dir, "serverless_url"),
    }
    missing = [name for name, url in urls.items() if not url]
    if missing:
        raise click.UsageError(
            f"no {' or '.join(missing)} backend: start `brickguard up --data-dir {data_dir}` or give --express-url "
            "and --serverless-url"
        )
    settings = load_settings(data_dir=data_dir)
    session = requests.Session()
    tokens: dict[str, str] = {}

    def send(backend: str, method: str, path: str, body: Any, user: str) -> tuple[int, Any]:
        if user not in tokens:
            tokens[user] = mint_token(settings, sub=user, email=f"{user}@example.com", name=user)
        response = session.request(
            method, f"{urls[backend]}{path}", json=body, headers={"Authorization": f"Bearer {tokens[user]}"}, timeout=30
        )
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    try:
        report = ParityRun(send, read_user=DEMO_USER).run()
    except requests.RequestException as exc:
        raise click.ClickException(f"a backend did not answer: {exc}") from None
    body = report.as_json()
    (Path(data_dir) / REPORT_FILE).write_text(json.dumps(body, indent=2, default=str))
    if as_json:
        click.echo(json.dumps(body, indent=2, default=str))
    else:
        table = Table("route", "calls", "noise fields", "differences", title="parity: express vs serverless")
        for route in report.routes.values():
            shown = ", ".join(route.differences) or "-"
            table.add_row(route.route, str(route.calls), str(len(route.noise)), shown)
        Console().print(table)
        for route in report.routes.values():
            for path, values in route.differences.items():
                click.echo(f"{route.route} {path}: express={values['express']!r} serverless={values['serverless']!r}")
        click.echo(f"{report.compared} answers compared, {report.unexplained} unexplained differences")
    if report.unexplained:
        raise SystemExit(1)
