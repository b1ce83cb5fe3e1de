"""``brickguard schema``: apply the versioned schema changes (Alembic revisions in ``migrations/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.options import load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


@click.group()
def schema() -> None:
    """Versioned schema changes of the API's PostgreSQL database."""


def _engine() -> Engine:
    from sqlalchemy import create_engine

    from api.adapters.database import sqlalchemy_url

    settings = load_settings()
    if not settings.database_url:
        raise click.UsageError("DATABASE_URL is not set")
    return create_engine(sqlalchemy_url(settings.database_url))


@schema.command()
def upgrade() -> None:
    """Apply every revision the database lacks (idempotent); a deploy step, run before `brickguard deploy`.

    A database created before migrations existed is stamped at the first revision (its schema).

    \b
    Example:
      DATABASE_URL=postgresql://lego_admin@<proxy endpoint>/lego brickguard schema upgrade
    """
    from migrations import apply

    engine = _engine()
    before = apply.current(engine)
    apply.upgrade(engine)
    after = apply.current(engine)
    click.echo(f"schema at {after}" + ("" if before == after else f" (was {before or 'unversioned'})"))


@schema.command()
def current() -> None:
    """Print the database's revision and the newest one the code knows."""
    from migrations import apply

    click.echo(f"database {apply.current(_engine()) or 'unversioned'}, code {apply.head()}")
