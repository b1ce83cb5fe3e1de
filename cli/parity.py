"""``brickguard parity``: replay a request mix against both backends and report real differences per route."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cli import edge_access
from cli.options import data_dir_option

REPORT_FILE = "parity.json"  # `brickguard rollout advance` reads it before 0 -> 10 %


@click.command()
@edge_access.deployed_edge_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@data_dir_option
def parity(as_json: bool, data_dir: str, stack_name: str | None, endpoint_url: str | None, region: str,
           **options: Any) -> None:
    """Diff express and serverless answers the way Diffy does, before the first rollout stage.

    Every request goes to each backend twice: fields that differ between two
    answers of the same backend (request ids, timestamps) are noise and ignored;
    fields that differ only between the backends are reported per route. Locally
    (the running up, or URLs without --token) reads replay as the demo user and
    writes run under four fresh users (two per backend) signed with the dev key.
    Against a deployed stack (--stack-name, or URLs with --token/--username)
    everything runs as that one user: use a dedicated test user (parity creates
    and deletes MOCs, wishlist items and albums and renames its profile). The
    report is saved as parity.json in --data-dir: `brickguard rollout advance`
    refuses 0 → 10 % while it has unexplained differences. Exit code 1 when it has any.

    \b
    Examples:
      brickguard parity --data-dir .brickguard
      BRICKGUARD_TOKEN=eyJ… brickguard parity --stack-name lego-api-staging
    """
    import requests

    from api.demo_data import DEMO_USER
    from rollout.parity import ParityRun

    access = edge_access.resolve(options, data_dir=data_dir, stack_name=stack_name, region=region,
                                 endpoint_url=endpoint_url)
    urls = access.urls
    session = requests.Session()
    tokens: dict[str, str] = {}
    shared_user = None if access.local else _token_user(access.token_for(""))

    def send(backend: str, method: str, path: str, body: Any, user: str) -> tuple[int, Any]:
        if user not in tokens:
            tokens[user] = access.token_for(user)
        return edge_access.call(session, f"{urls[backend]}{path}", method, body, tokens[user])

    try:
        report = ParityRun(send, read_user=shared_user or DEMO_USER, shared_user=shared_user).run()
    except requests.RequestException as exc:
        raise click.ClickException(f"a backend did not answer: {exc}") from None
    body = report.as_json()
    body["target"] = {"urls": urls, "user": shared_user or "local dev-key users"}
    Path(data_dir).mkdir(parents=True, exist_ok=True)
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


def _token_user(token: str) -> str:
    """The user id the API sees for ``token``: its ``sub`` (read, not verified: the edge verifies it)."""
    import jwt

    try:
        sub = jwt.decode(token, options={"verify_signature": False}).get("sub")
    except jwt.DecodeError as exc:
        raise click.UsageError(f"the token is not a JWT: {exc}") from None
    if not sub:
        raise click.UsageError("the token names no user (no sub claim)")
    return str(sub)
