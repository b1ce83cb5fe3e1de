"""``brickguard chaos TARGET ACTION``: break a dependency of the running ``up`` on purpose, and undo it."""

from __future__ import annotations

import click
from rich.console import Console

from cli.options import data_dir_option
from cli.running import control_url
from runtime.serverful.admin import ADMIN_HEADER, admin_token
from runtime.telemetry import catalogue

DEFAULT_LATENCY_MS = 300.0


@click.command()
@click.argument("target", type=click.Choice([catalogue.REDIS, catalogue.POSTGRES, catalogue.OPENSEARCH, "lambda",
                                                  catalogue.EXPRESS]))
@click.argument("action")
@click.option("--backend", type=click.Choice(catalogue.BACKENDS), default=None,
              help="Confine a proxy fault (latency, hang, refuse, heal) to one backend (default: both).")
@click.option("--latency-ms", type=click.FloatRange(0, 600_000), default=DEFAULT_LATENCY_MS, show_default=True,
              help="Delay added by the latency action.")
@click.option("--rate", type=click.FloatRange(0, 1, min_open=True), default=None, metavar="R",
              help="express errors: the share of API requests answered 500 (0 < R <= 1).")
@click.option("--function", "function", default=None, metavar="NAME",
              help="lambda init-error: break this function only (default: every function).")
@data_dir_option
def chaos(target: str, action: str, backend: str | None, latency_ms: float, rate: float | None,
          function: str | None, data_dir: str) -> None:
    """Inject a fault into the running `brickguard up` of --data-dir; says what it did and how to undo it.

    \b
    Servers (one per up, both backends feel it):
      redis     pause | resume | kill | restart | restart-empty
      postgres  stop | start | kill
    Fault proxies (one per backend and dependency; --backend confines it):
      redis | postgres | opensearch   latency | hang | refuse | heal
    Lambda:
      lambda    reap   (stop every execution environment: next invocations are cold)
      lambda    init-error [--function NAME] | heal   (new environments fail their init)
    Express:
      express   stop | start   (its listener: connections refused, up keeps running)
      express   errors --rate R | heal   (a share R of its API requests answered 500)

    \b
    Examples:
      brickguard chaos redis pause
      brickguard chaos redis resume
      brickguard chaos postgres latency --latency-ms 200 --backend serverless
      brickguard chaos lambda reap
      brickguard chaos express errors --rate 0.1
      brickguard chaos lambda init-error --function mocs
    """
    import requests

    url = control_url(data_dir)
    token = admin_token(data_dir, create=False)
    if url is None or token is None:
        raise click.ClickException(f"no running `brickguard up --data-dir {data_dir}` found")
    path = f"/_brickguard/chaos/{target}/{action}/{backend or 'both'}/{latency_ms:g}"
    options = {name: value for name, value in (("rate", rate), ("function", function)) if value is not None}
    try:
        response = requests.post(url + path, params=options, headers={ADMIN_HEADER: token}, timeout=130)
    except requests.ConnectionError:
        raise click.ClickException(f"cannot reach {url}: is `brickguard up` running?") from None
    body = response.json()
    if response.status_code != 200:
        raise click.ClickException(body.get("error", f"HTTP {response.status_code}"))
    console = Console(highlight=False)
    console.print(f"[bold]did:[/]  {body['did']}")
    console.print(f"[bold]undo:[/] {body['undo']}")
