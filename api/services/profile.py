"""The user's profile: identity from the token, a chosen name, and activity stats."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import GalleryImage, MocInstruction, UserProfile, WishlistItem


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


def get_profile(session: Session, user_id: str, claims: dict[str, Any]) -> dict[str, Any]:
    stored = session.get(UserProfile, user_id)
    return {
        "id": user_id,
        "email": claims.get("email"),
        "name": stored.name if stored else claims.get("name"),
        "stats": stats(session, user_id),
    }


def update_name(session: Session, user_id: str, name: str, claims: dict[str, Any]) -> dict[str, Any]:
    stored = session.get(UserProfile, user_id)
    if stored is None:
        session.add(UserProfile(user_id=user_id, name=name))
    else:
        stored.name = name
    session.commit()
    return get_profile(session, user_id, claims)
