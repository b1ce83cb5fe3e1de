"""The user's profile: identity from the token, a chosen name, an uploaded avatar, and activity stats."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api import cache_keys, object_keys
from api.adapters.outbox import Outbox
from api.models import GalleryImage, MocInstruction, UserAvatar, UserProfile, WishlistItem
from api.services.changes import commit_change


def stored_profile(session: Session, user_id: str) -> dict[str, Any]:
    """What the database knows about the user, in one round trip (cacheable: no token claims in it)."""
    name, avatar, mocs, images, wishes = session.execute(
        select(
            select(UserProfile.name).where(UserProfile.user_id == user_id).scalar_subquery(),
            select(UserAvatar.image_url).where(UserAvatar.user_id == user_id).scalar_subquery(),
            select(func.count()).where(MocInstruction.user_id == user_id).scalar_subquery(),
            select(func.count()).where(GalleryImage.user_id == user_id).scalar_subquery(),
            select(func.count()).where(WishlistItem.user_id == user_id).scalar_subquery(),
        )
    ).one()
    return {
        "name": name,
        "avatarUrl": avatar,
        "stats": {"totalMOCs": mocs, "totalImages": images, "totalWishlistItems": wishes},
    }


def compose(user_id: str, stored: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """The profile: identity from the token, a chosen name over the token's, and the stats."""
    return {
        "id": user_id,
        "email": claims.get("email"),
        "name": stored["name"] or claims.get("name"),
        "avatarUrl": stored.get("avatarUrl"),  # absent from profiles cached before avatars existed
        "stats": stored["stats"],
    }


def update_name(session: Session, changes: Outbox, user_id: str, name: str, claims: dict[str, Any]) -> dict[str, Any]:
    """Set the chosen name: one upsert, so two first PATCHes of a profile cannot both insert."""
    session.execute(
        insert(UserProfile)
        .values(user_id=user_id, name=name)
        .on_conflict_do_update(index_elements=[UserProfile.user_id], set_={"name": name, "updated_at": func.now()})
    )
    commit_change(session, changes, namespaces=[cache_keys.profile_ns(user_id)])
    return compose(user_id, stored_profile(session, user_id), claims)


def _lock_avatar(session: Session, user_id: str) -> None:
    """Serialize the user's avatar changes until the transaction ends (there may be no row to lock)."""
    key = int.from_bytes(hashlib.blake2b(f"avatar:{user_id}".encode(), digest_size=8).digest(), "big", signed=True)
    session.execute(select(func.pg_advisory_xact_lock(key)))


def set_avatar(
    session: Session, changes: Outbox, user_id: str, image_url: str, claims: dict[str, Any],
    *, put_object: Callable[[Session], None],
) -> dict[str, Any]:
    """Name the new avatar (an upsert, like the name); ``put_object`` writes it at the one avatar key, locked."""
    _lock_avatar(session, user_id)
    put_object(session)
    session.execute(
        insert(UserAvatar)
        .values(user_id=user_id, image_url=image_url)
        .on_conflict_do_update(
            index_elements=[UserAvatar.user_id], set_={"image_url": image_url, "updated_at": func.now()}
        )
    )
    commit_change(session, changes, namespaces=[cache_keys.profile_ns(user_id)])
    return compose(user_id, stored_profile(session, user_id), claims)


def remove_avatar(session: Session, changes: Outbox, user_id: str, claims: dict[str, Any]) -> dict[str, Any]:
    """No avatar any more; its object is deleted through the outbox (a no-op when there was none)."""
    _lock_avatar(session, user_id)
    session.execute(delete(UserAvatar).where(UserAvatar.user_id == user_id))
    commit_change(
        session,
        changes,
        namespaces=[cache_keys.profile_ns(user_id)],
        deleted_objects={"keys": [object_keys.avatar(user_id)]},
    )
    return compose(user_id, stored_profile(session, user_id), claims)
