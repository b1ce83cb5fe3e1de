"""Alembic revisions on real PostgreSQL: up, down, the models' match, and a create_all database adopted."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from api.adapters.database import sqlalchemy_url
from api.models import Base
from devstack.embedded import EmbeddedPostgres
from guards import outbox
from migrations import apply


@pytest.fixture
def engine(dedicated_postgres: Callable[..., EmbeddedPostgres]) -> Iterator[Engine]:
    """An empty database of its own (revisions create and drop tables)."""
    engine = create_engine(sqlalchemy_url(dedicated_postgres().url))
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_upgrade_to_head_builds_exactly_the_models_schema(engine: Engine) -> None:
    apply.upgrade(engine)
    assert apply.current(engine) == apply.head()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), [Base.metadata, outbox.metadata])
    assert differences == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    apply.upgrade(engine)
    apply.upgrade(engine)
    assert apply.current(engine) == apply.head()


def test_downgrade_to_base_drops_every_table_and_upgrade_rebuilds_them(engine: Engine) -> None:
    apply.upgrade(engine)
    tables = _tables(engine)
    apply.downgrade(engine, "base")
    assert _tables(engine) == {"alembic_version"}
    apply.upgrade(engine)
    assert _tables(engine) == tables


def test_contract_revision_down_and_up_keeps_the_data_and_the_wishlist_order(engine: Engine) -> None:
    apply.upgrade(engine, apply.BASELINE)
    user = f"user-{uuid.uuid4()}"
    with engine.begin() as connection:
        for position, title in ((2, "third"), (0, "first"), (1, "second")):
            connection.execute(
                text("INSERT INTO wishlist_items (id, user_id, title, sort_order) VALUES (:id, :user, :title, :p)"),
                {"id": uuid.uuid4(), "user": user, "title": title, "p": position},
            )
        connection.execute(
            text(
                "INSERT INTO moc_instructions (id, user_id, type, title, author) VALUES (:id, :user, 'moc', 'm', 'a')"
            ),
            {"id": uuid.uuid4(), "user": user},
        )
    apply.upgrade(engine, "0002")
    with engine.connect() as connection:
        keyed = connection.execute(
            text("SELECT title FROM wishlist_items WHERE user_id = :user ORDER BY sort_key"), {"user": user}
        ).scalars().all()
        uploaded, created = connection.execute(text("SELECT uploaded_date, created_at FROM moc_instructions")).one()
    assert keyed == ["first", "second", "third"]
    assert uploaded == created
    assert {"subtheme", "release_year", "retired", "uploaded_date", "total_piece_count"} <= _columns(
        engine, "moc_instructions"
    )
    apply.downgrade(engine, apply.BASELINE)
    assert "sort_key" not in _columns(engine, "wishlist_items")
    assert "total_piece_count" not in _columns(engine, "moc_instructions")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM wishlist_items")).scalar() == 3


def test_a_legacy_insert_that_names_no_new_column_still_succeeds(engine: Engine) -> None:
    """What a backend that predates the revisions writes: only the columns it knows."""
    apply.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO moc_instructions (id, user_id, type, title, author) VALUES (:id, 'u', 'moc', 'm', 'a')"),
            {"id": uuid.uuid4()},
        )
        connection.execute(
            text("INSERT INTO wishlist_items (id, user_id, title, sort_order) VALUES (:id, 'u', 'w', 4)"),
            {"id": uuid.uuid4()},
        )
        row = connection.execute(text("SELECT uploaded_date, total_piece_count FROM moc_instructions")).one()
    assert row.uploaded_date is not None
    assert row.total_piece_count is None


def test_a_database_create_all_built_is_stamped_at_the_baseline_and_upgraded(engine: Engine) -> None:
    apply.upgrade(engine, apply.BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as create_all left it: no version table
    apply.upgrade(engine)
    assert apply.current(engine) == apply.head()
    assert "sort_key" in _columns(engine, "wishlist_items")
