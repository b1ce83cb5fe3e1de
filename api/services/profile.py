"""The user's profile: identity from the token, a chosen name, and activity stats."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import cache_keys
from api.models import GalleryImage, MocInstruction, UserProfile, WishlistItem
from api.services.changes import commit_change


def stats(session: Session, user_id: str) -> dict[str, int]:
    """Counts of the user's MOCs, images and wishlist items, in one round trip."""
    row = session.execute(
        select(
            select(func.count()).where(MocInstruction.user_id == user_id).scalar_subquery(),
            select(func.count()).where(GalleryImage.user_id == user_id).scalar_subquery(),
            select(func.count()).where(WishlistItem.user_id == user_id).scalar_subquery(),
        )
    ).one()
    return {"totalMOCs": row[0], "totalImages": row[1], "totalWishlistItems": row[2]}


def stored_profile(session: Session, user_id: str) -> dict[str, Any]:
    """What the database knows about the user (cacheable: no token claims in it)."""
    stored = session.get(UserProfile, user_id)
    return {"name": stored.name if stored else None, "stats": stats(session, user_id)}


def compose(user_id: str, stored: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """The profile: identity from the token, a chosen name over the token's, and the stats."""
    return {
        "id": user_id,
        "email": claims.get("email"),
        "name": stored["name"] or claims.get("name"),
        "stats": stored["stats"],
    }


def update_name(session: Session, user_id: str, name: str, claims: dict[str, Any]) -> dict[str, Any]:
    stored = session.get(UserProfile, user_id)
    if stored is None:
        session.add(UserProfile(user_id=user_id, name=name))
    else:
        stored.name = name
    commit_change(session, namespaces=[cache_keys.profile_ns(user_id)])
    return compose(user_id, stored_profile(session, user_id), claims)
