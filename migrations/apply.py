"""Bring a database to the newest revision (``up``, the test fixtures, ``brickguard deploy``).

A database made before migrations existed (``create_all`` built it: its tables are there but
Alembic's ``alembic_version`` is not) is stamped at the first revision, which is exactly that
schema, and upgraded from there. Concurrent callers (two test workers, ``up`` beside a deploy)
take turns on a PostgreSQL advisory lock, so a revision is never applied twice.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

SCRIPT_LOCATION = Path(__file__).resolve().parent
BASELINE = "0001"
PRE_MIGRATION_TABLE = "moc_instructions"
"""A table of the first revision: present without ``alembic_version``, the schema came from ``create_all``."""
LOCK_KEY = 0x6272_6963_6B67_7264  # "brickgrd": one schema change at a time per database


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision of the scripts."""
    revision = ScriptDirectory(str(SCRIPT_LOCATION)).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every revision up to ``revision`` that the database lacks (idempotent)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        connection.commit()
        try:
            config = _config(connection)
            migrated = MigrationContext.configure(connection).get_current_revision()
            if migrated is None and inspect(connection).has_table(PRE_MIGRATION_TABLE):
                command.stamp(config, BASELINE)
                connection.commit()
            command.upgrade(config, revision)
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            connection.commit()


def downgrade(engine: Engine, revision: str) -> None:
    """Undo revisions down to ``revision`` (``"base"``: an empty schema). Tests and rollbacks only."""
    with engine.connect() as connection:
        command.downgrade(_config(connection), revision)
        connection.commit()
