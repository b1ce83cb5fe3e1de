"""Wishlist items in the user's own order — per user.

The order is ``sortOrder``, a string compared byte by byte: fractional-indexing keys (the npm
``fractional-indexing`` format), so a client may move one item between two others by sending a
key between theirs, and the server appends and renumbers with the same library. A client may
send any key of ``[0-9A-Za-z]``; when the last key is not one the library can extend, an append
re-keys the list first (same order, fresh keys). The legacy integer column is kept equal to the
rank whenever the order is renumbered (see ``models.WishlistItem``).

An item's uploaded image lives at one key (``wishlist/{userId}/{itemId}.webp``); whenever the
item stops naming it — the image removed or replaced by a link, the item deleted — the
change enqueues its delete in the outbox, so a delete S3 refuses is retried, not lost.
A key that holds nothing (the item only ever had a link) makes that delete a no-op.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from fractional_indexing import FIError, generate_key_between, generate_n_keys_between
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import cache_keys, object_keys, schemas
from api.adapters.outbox import Outbox
from api.adapters.search_index import WISHLIST_INDEX, delete_op, index_op, wishlist_document
from api.models import WishlistItem
from api.services.changes import commit_change
from api.services.updates import apply_patch, owned
from runtime.errors import NotFound, ValidationError


def _changed(user_id: str) -> list[str]:
    return [cache_keys.wishlist_ns(user_id), cache_keys.profile_ns(user_id)]


def _item(session: Session, user_id: str, item_id: uuid.UUID, *, for_update: bool = False) -> WishlistItem:
    return owned(session, WishlistItem, user_id, item_id, "Wishlist item", for_update=for_update)


def _lock_wishlist(session: Session, user_id: str) -> None:
    """Serialize the user's order-changing writes (append, reorder) until the transaction ends.

    ``max(sort_order) + 1`` read by two concurrent creates would give both the
    same position; a transaction-scoped advisory lock on the user's wishlist
    makes them take turns (other users' writes are not held up).
    """
    key = int.from_bytes(hashlib.blake2b(f"wishlist:{user_id}".encode(), digest_size=8).digest(), "big", signed=True)
    session.execute(select(func.pg_advisory_xact_lock(key)))


def list_items(session: Session, user_id: str, *, category: str | None) -> tuple[list[dict[str, Any]], int]:
    """The whole wishlist (it is small and kept in a user-chosen order), optionally one category."""
    conditions: list[Any] = [WishlistItem.user_id == user_id]
    if category:
        conditions.append(WishlistItem.category == category)
    rows = session.scalars(
        select(WishlistItem).where(*conditions).order_by(WishlistItem.sort_order, WishlistItem.created_at)
    ).all()
    return [schemas.wishlist_json(row) for row in rows], len(rows)


def get_item(session: Session, user_id: str, item_id: uuid.UUID) -> dict[str, Any]:
    return schemas.wishlist_json(_item(session, user_id, item_id))


def create_item(session: Session, changes: Outbox, user_id: str, body: schemas.WishlistCreate) -> dict[str, Any]:
    """Add an item; without ``sortOrder`` it goes to the end."""
    values = body.model_dump()
    key = values.pop("sort_order")
    _lock_wishlist(session, user_id)
    items = _in_order(session, user_id)
    item = WishlistItem(user_id=user_id, position=len(items), sort_key=key or _key_after(items), **values)
    session.add(item)
    return _commit_item_change(session, changes, item)


def _in_order(session: Session, user_id: str) -> list[WishlistItem]:
    return list(
        session.scalars(
            select(WishlistItem)
            .where(WishlistItem.user_id == user_id)
            .order_by(WishlistItem.sort_order, WishlistItem.created_at)
        )
    )


def _key_after(items: list[WishlistItem]) -> str:
    """A key after every item's; re-keys ``items`` first when the last key is not a fractional-indexing key."""
    last = items[-1].sort_order if items else None
    try:
        return generate_key_between(last, None)
    except FIError:
        _renumber(items)
        return generate_key_between(items[-1].sort_key, None)


def _renumber(ordered: list[WishlistItem]) -> None:
    """Fresh evenly spread keys in this order; the legacy integer position follows."""
    keys = generate_n_keys_between(None, None, len(ordered))
    for position, (item, key) in enumerate(zip(ordered, keys, strict=True)):
        item.sort_key = key
        item.position = position


def _uploaded_image(user_id: str, item_id: uuid.UUID) -> dict[str, list[str]]:
    return {"keys": [object_keys.wishlist_image(user_id, item_id)]}


def update_item(
    session: Session, changes: Outbox, user_id: str, item_id: uuid.UUID, body: schemas.WishlistUpdate
) -> dict[str, Any]:
    item = _item(session, user_id, item_id, for_update=True)
    previous_image = item.image_url
    apply_patch(item, body, required=("title", "sort_order"))
    replaced = item.image_url != previous_image  # an uploaded image no longer named is deleted
    return _commit_item_change(session, changes, item, _uploaded_image(user_id, item_id) if replaced else None)


def set_image(
    session: Session, changes: Outbox, user_id: str, item_id: uuid.UUID, image_url: str,
    *, put_object: Callable[[Session], None],
) -> dict[str, Any]:
    """Name the item's new image; ``put_object`` writes it at the item's one key, with the item locked."""
    item = _item(session, user_id, item_id, for_update=True)
    put_object(session)
    item.image_url = image_url
    return _commit_item_change(session, changes, item)


def remove_image(session: Session, changes: Outbox, user_id: str, item_id: uuid.UUID) -> dict[str, Any]:
    """No image any more (an uploaded one is deleted through the outbox; a link is just cleared)."""
    item = _item(session, user_id, item_id, for_update=True)
    item.image_url = None
    return _commit_item_change(session, changes, item, _uploaded_image(user_id, item_id))


def _commit_item_change(
    session: Session, changes: Outbox, item: WishlistItem, deleted_objects: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """Commit a change of ``item`` with its cache, index and (orphaned) object side effects."""
    session.flush()
    commit_change(
        session,
        changes,
        namespaces=_changed(item.user_id),
        index_ops=[index_op(WISHLIST_INDEX, item.id, wishlist_document(item))],
        deleted_objects=deleted_objects,
    )
    return schemas.wishlist_json(item)


def delete_item(session: Session, changes: Outbox, user_id: str, item_id: uuid.UUID) -> None:
    session.delete(_item(session, user_id, item_id, for_update=True))
    commit_change(
        session,
        changes,
        namespaces=_changed(user_id),
        index_ops=[delete_op(WISHLIST_INDEX, item_id)],
        deleted_objects=_uploaded_image(user_id, item_id),
    )


def reorder(session: Session, changes: Outbox, user_id: str, body: schemas.WishlistReorder) -> list[dict[str, Any]]:
    """Put the listed items first, in the given order; all-or-nothing.

    Every id must be one of the caller's items and appear once, otherwise nothing
    changes. Items not listed keep their relative order after the listed ones.
    """
    ids = body.item_ids
    if len(set(ids)) != len(ids):
        raise ValidationError("itemIds contains duplicates")
    _lock_wishlist(session, user_id)
    locked = session.scalars(  # rows locked in id order: concurrent reorders never wait on each other in a cycle
        select(WishlistItem).where(WishlistItem.user_id == user_id).order_by(WishlistItem.id).with_for_update()
    ).all()
    items = sorted(locked, key=lambda item: (item.sort_order.encode(), item.created_at))
    by_id = {item.id: item for item in items}
    unknown = [str(item_id) for item_id in ids if item_id not in by_id]
    if unknown:
        session.rollback()
        raise NotFound("Wishlist item not found", details={"itemIds": unknown})
    listed = set(ids)
    ordered = [by_id[item_id] for item_id in ids] + [item for item in items if item.id not in listed]
    _renumber(ordered)
    commit_change(session, changes, namespaces=_changed(user_id))
    return [schemas.wishlist_json(item) for item in ordered]
