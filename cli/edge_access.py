"""Where ``rollout smoke``, the smoke flow after ``rollout advance`` and ``parity`` reach the API, and as whom.

The edge of each backend is, in order: the URL given (``--express-url``, ``--serverless-url``), the
deployed stack's (``--stack-name``: rollout/deployment.py), else the running ``brickguard up``'s
(express's port and the local gateway). The token is the operator's (``--token`` or
``BRICKGUARD_TOKEN``), else an ID token from the user pool (``--username`` with ``BRICKGUARD_PASSWORD``:
``InitiateAuth``), else — only when no stack is named — one signed with the data directory's dev key,
as ``brickguard token`` signs it (the local backends' authorizer trusts that key; a deployed one does not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from cli.running import running_url
from runtime.telemetry import catalogue

SMOKE_USER = "rollout-smoke"  # the local user the dev-key token names

EDGE_OPTIONS = (
    click.option("--express-url", help="Express's edge [default: https://<ExpressHost> of --stack-name, else the "
                 "running up's express port]."),
    click.option("--serverless-url", help="Serverless's edge [default: the stack's ApiEndpoint output, else the "
                 "running up's local gateway]."),
    click.option("--token", envvar="BRICKGUARD_TOKEN", help="Bearer token (a user pool ID token) to call the API with "
                 "[env BRICKGUARD_TOKEN]."),
    click.option("--username", envvar="BRICKGUARD_USERNAME", help="Instead of --token: sign in to the user pool as "
                 "this user (InitiateAuth USER_PASSWORD_AUTH; password from BRICKGUARD_PASSWORD)."),
    click.option("--password", envvar="BRICKGUARD_PASSWORD", help="The user's password (prefer the env var)."),
    click.option("--client-id", envvar="BRICKGUARD_CLIENT_ID", help="User pool app client to sign in with [default: "
                 "the stack's first CognitoAudience]."),
)

STACK_OPTIONS = (
    click.option("--stack-name", envvar="BRICKGUARD_STACK", help="Deployed stack whose edges to call: its ApiEndpoint "
                 "output and ExpressHost parameter (and CognitoAudience, the app client of --username)."),
    click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="AWS endpoint (a moto server on loopback)."),
    click.option("--region", envvar="AWS_REGION", default="us-east-1", show_default=True),
)


def edge_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The edge and user options, for a command that has the stack's options already (``rollout advance``)."""
    for option in reversed(EDGE_OPTIONS):
        command = option(command)
    return command


def deployed_edge_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The edge and user options and the stack's (``--stack-name``, ``--endpoint-url``, ``--region``)."""
    for option in reversed(STACK_OPTIONS):
        command = option(command)
    return edge_options(command)


@dataclass(frozen=True)
class EdgeAccess:
    """Each backend's edge URL, and how to get a bearer token for a user there."""

    urls: dict[str, str]
    token_for: Callable[[str], str]
    """``token_for(user)``: the operator's or signed-in user's token whatever ``user`` (a deployed pool mints no
    tokens for users it does not know); a fresh dev-key token of ``user`` locally."""
    local: bool


def resolve(options: dict[str, Any], *, data_dir: str, stack_name: str | None, region: str,
            endpoint_url: str | None, alternative: str = "") -> EdgeAccess:
    """The edge and token from the options (see the module docstring); a usage error says what is missing
    (and ``alternative``, e.g. the option that does without)."""
    from rollout import deployment
    from rollout.target import TargetError, describe

    try:
        stack = describe(stack_name, region=region, endpoint_url=endpoint_url) if stack_name else None
        given = {catalogue.EXPRESS: options.get("express_url"), catalogue.SERVERLESS: options.get("serverless_url")}
        if stack is None:
            given = {catalogue.EXPRESS: given[catalogue.EXPRESS] or running_url(data_dir),
                     catalogue.SERVERLESS: given[catalogue.SERVERLESS] or running_url(data_dir, "serverless_url")}
        urls = deployment.edge_urls(given, stack)
        token = _operator_token(options, stack, region, endpoint_url)
    except TargetError as exc:
        hint = "" if stack_name else f" (or start `brickguard up --data-dir {data_dir}`)"
        raise click.UsageError(f"{exc}{hint}{alternative}") from None
    if token is not None:
        return EdgeAccess(urls, lambda user: token, local=False)
    if stack is not None:
        raise click.UsageError(
            f"calling stack {stack_name}'s API needs a token: give --token (or BRICKGUARD_TOKEN), or --username with "
            f"BRICKGUARD_PASSWORD to sign in to its user pool{alternative}"
        )
    from cli.token import local_token

    return EdgeAccess(
        urls, lambda user: local_token(data_dir, user, email=f"{user}@example.com", name=user), local=True
    )


def _operator_token(options: dict[str, Any], stack: Any, region: str, endpoint_url: str | None) -> str | None:
    from rollout import deployment
    from rollout.target import TargetError

    if options.get("token"):
        return str(options["token"])
    if not options.get("username"):
        return None
    if not options.get("password"):
        raise TargetError("--username needs its password: set BRICKGUARD_PASSWORD (or --password)")
    client_id = options.get("client_id") or (deployment.app_client_id(stack) if stack is not None else None)
    if not client_id:
        raise TargetError("--username needs the user pool's app client: give --client-id (or --stack-name)")
    return deployment.user_pool_token(
        options["username"], options["password"], client_id=client_id, region=region, endpoint_url=endpoint_url
    )


def call(session: Any, url: str, method: str, body: Any, token: str) -> tuple[int, Any]:
    """One request to an edge as ``token``'s user: its status and JSON answer (or its text when not JSON)."""
    response = session.request(method, url, json=body, timeout=30, headers={"Authorization": f"Bearer {token}"})
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def http_send(urls: dict[str, str], token: str) -> Callable[[str, str, str, Any], tuple[int | None, Any]]:
    """``send(backend, method, path, body)`` for :func:`rollout.smoke.run_smoke`; no answer is ``(None, why)``."""
    import requests

    session = requests.Session()

    def send(backend: str, method: str, path: str, body: Any) -> tuple[int | None, Any]:
        try:
            status, answer = call(session, urls[backend] + path, method, body, token)
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return status, answer[:500] if isinstance(answer, str) else answer  # a report shows the start of a page

    return send
