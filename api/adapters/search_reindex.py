"""Bulk-index every MOC, image and wishlist item from PostgreSQL into OpenSearch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from api import models
from api.adapters.search_index import (
    IMAGES_INDEX,
    MOCS_INDEX,
    WISHLIST_INDEX,
    apply_index_ops,
    image_document,
    index_op,
    moc_document,
    wishlist_document,
)

if TYPE_CHECKING:
    from api.adapters.database import Database
    from api.adapters.search import Search

BATCH = 500
SOURCES: tuple[tuple[str, Any, Callable[[Any], dict[str, Any]]], ...] = (
    (MOCS_INDEX, models.MocInstruction, moc_document),
    (IMAGES_INDEX, models.GalleryImage, image_document),
    (WISHLIST_INDEX, models.WishlistItem, wishlist_document),
)


def count_documents(database: Database) -> int:
    """How many documents a full reindex writes."""
    with database.session() as session:
        return sum(session.scalar(select(func.count()).select_from(model)) or 0 for _, model, _ in SOURCES)


def reindex(database: Database, search: Search) -> Iterator[int]:
    """Index everything from ``database`` into ``search`` in batches; yields each batch's size (for a progress bar)."""
    if not search.configured:
        raise ValueError("OPENSEARCH_URL is not set")
    client = search.client
    for index, model, document in SOURCES:
        with database.session() as session:
            rows = session.execute(select(model).order_by(model.id).execution_options(yield_per=BATCH)).scalars()
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(index_op(index, row.id, document(row)))
                if len(batch) == BATCH:
                    apply_index_ops(client, [{"ops": batch}])
                    yield len(batch)
                    batch = []
            if batch:
                apply_index_ops(client, [{"ops": batch}])
                yield len(batch)
