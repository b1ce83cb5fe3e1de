"""``brickguard token``: mint a JWT the local backends accept."""

from __future__ import annotations

import click

from cli import running
from cli.options import data_dir_option, load_settings
from runtime.auth import DEFAULT_TOKEN_TTL_SECONDS, mint_token


@click.command()
@click.option("--sub", required=True, help="The user id (the token's `sub` claim).")
@click.option("--email", default=None, help="Optional `email` claim.")
@click.option("--name", default=None, help="Optional `name` claim.")
@click.option(
    "--ttl", type=click.IntRange(1, 7 * 24 * 3600), default=DEFAULT_TOKEN_TTL_SECONDS, show_default=True,
    help="Lifetime in seconds.",
)
@data_dir_option
def token(sub: str, email: str | None, name: str | None, ttl: int, data_dir: str) -> None:
    """Print an RS256 JWT (iss, aud, exp) signed with the dev key in the data directory.

    With `brickguard up` running on that data directory, the user is first added to its local
    Cognito user pool (with the email and name given), so the profile routes find it there.

    \b
    Example:
      TOKEN=$(brickguard token --sub demo-user --email demo@example.com)
      curl -H "Authorization: Bearer $TOKEN" localhost:9000/api/mocs
    """
    click.echo(local_token(data_dir, sub, email=email, name=name, ttl_seconds=ttl))


def local_token(
    data_dir: str, sub: str, *, email: str | None = None, name: str | None = None,
    ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
) -> str:
    """A dev-key token for ``sub``, whose user is first added to the running up's local user pool (if one runs)."""
    settings = load_settings(data_dir=data_dir)
    endpoint = running.running_url(data_dir, "cognito_endpoint")
    pool = running.running_url(data_dir, "cognito_user_pool")
    if endpoint and pool:
        from devstack.cognito import local_user_pool

        local_user_pool.ensure_user(endpoint, pool, sub, email=email, name=name)
    return mint_token(settings, sub=sub, email=email, name=name, ttl_seconds=ttl_seconds)
