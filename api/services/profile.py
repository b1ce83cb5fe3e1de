"""The user's profile: identity in the Cognito user pool, activity stats from PostgreSQL.

``name`` and ``picture`` (with ``sub`` and ``email``) are the pool's standard attributes, read
with AdminGetUser and written with AdminUpdateUserAttributes (:mod:`api.adapters.user_pool`); an
avatar upload stores the image on S3 and sets ``picture`` to its URL. ``stats`` are counted in
PostgreSQL and cached (``profile:user:{id}``).

When the pool cannot be reached (or has no such configuration) a read degrades instead of failing:
the identity comes from the token's claims (``sub``, ``email``, ``name``: what the JWT authorizer
validated; no ``picture``), and ``meta.identitySource`` says so (``"token"`` instead of
``"cognito"``); so does a user the pool no longer has, or one whose id no pool could hold. A write
needs the pool: while it is down, or missing (``COGNITO_USER_POOL_ID`` names no pool), a 503 with
``Retry-After`` naming ``cognito`` (:func:`api.dependency_errors.unavailable`); a 404 for a user it
does not have, a 400 for an id Cognito refuses as a username; never a 500.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import cache_keys, dependency_errors, object_keys, responses
from api.adapters.outbox import Outbox
from api.adapters.user_pool import InvalidUsername, UnknownUser, UserPool, UserPoolUnavailable
from api.models import GalleryImage, MocInstruction, WishlistItem
from api.services.changes import commit_change
from runtime.errors import NotFound, ServiceUnavailable, ValidationError
from runtime.telemetry import catalogue

FROM_POOL = "cognito"
FROM_TOKEN = "token"  # noqa: S105 - where the identity came from, not a secret
NOT_A_USERNAME = (
    "This user id cannot be a user pool username: Cognito takes 1 to 128 letters, marks, symbols, digits "
    "or punctuation (no spaces or control characters)"
)
TOKEN_ATTRIBUTES = ("email", "name")
"""What a degraded answer takes from the token's claims (the pool's values when it last issued it)."""


def stats(session: Session, user_id: str) -> dict[str, int]:
    """The user's activity, counted in one round trip (cacheable: nothing of the identity in it)."""
    mocs, images, wishes = session.execute(
        select(
            select(func.count()).where(MocInstruction.user_id == user_id).scalar_subquery(),
            select(func.count()).where(GalleryImage.user_id == user_id).scalar_subquery(),
            select(func.count()).where(WishlistItem.user_id == user_id).scalar_subquery(),
        )
    ).one()
    return {"totalMOCs": mocs, "totalImages": images, "totalWishlistItems": wishes}


def identity(pool: UserPool, user_id: str, claims: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The profile's attributes and where they came from: the pool, or (pool unavailable) the token."""
    if pool.configured:
        try:
            return pool.attributes(user_id), FROM_POOL
        except (UserPoolUnavailable, UnknownUser):  # unknown: deleted since the token was issued, or never a username
            pass
    from_token = {name: str(claims[name]) for name in TOKEN_ATTRIBUTES if claims.get(name)}
    return {"sub": user_id, **from_token}, FROM_TOKEN


def answer(user_id: str, attributes: dict[str, str], source: str, activity: dict[str, int]) -> dict[str, Any]:
    """The success envelope of a profile: ``data`` plus ``meta.identitySource``."""
    data = responses.Profile.of({"id": user_id, **attributes, "sub": user_id, "stats": activity})
    return {"success": True, "data": data, "meta": {"identitySource": source}}


def update_attributes(pool: UserPool, user_id: str, changes: dict[str, str | None]) -> dict[str, str]:
    """Write ``changes`` to the pool (``None`` deletes) and read the attributes back; 503 while it is down."""
    if not pool.configured:
        raise ServiceUnavailable("Profiles are not configured (COGNITO_USER_POOL_ID is not set)", retry_after=60)
    try:
        pool.update(user_id, changes)
        return pool.attributes(user_id)
    except InvalidUsername:
        raise ValidationError(NOT_A_USERNAME) from None
    except UnknownUser:
        raise NotFound("User not found") from None
    except UserPoolUnavailable as exc:
        raise dependency_errors.unavailable(catalogue.COGNITO, exc.retry_after) from None


def _lock_avatar(session: Session, user_id: str) -> None:
    """Serialize the user's avatar writes until the transaction ends (there is no row to lock)."""
    key = int.from_bytes(hashlib.blake2b(f"avatar:{user_id}".encode(), digest_size=8).digest(), "big", signed=True)
    session.execute(select(func.pg_advisory_xact_lock(key)))


def store_avatar_object(
    session: Session, changes: Outbox, user_id: str, *, put_object: Callable[[Session], None]
) -> None:
    """Write the avatar at its one key, locked, withdrawing a pending delete of the previous one."""
    _lock_avatar(session, user_id)
    put_object(session)
    commit_change(session, changes, namespaces=[cache_keys.profile_ns(user_id)])


def delete_avatar_object(session: Session, changes: Outbox, user_id: str) -> None:
    """The avatar's object is deleted through the outbox (a no-op when there was none)."""
    _lock_avatar(session, user_id)
    commit_change(
        session,
        changes,
        namespaces=[cache_keys.profile_ns(user_id)],
        deleted_objects={"keys": [object_keys.avatar(user_id)]},
    )
