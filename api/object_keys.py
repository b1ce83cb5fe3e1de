"""S3 keys of uploaded objects, as DESIGN.md lays them out (one place, so deletes find what uploads wrote).

A user id becomes one path segment: Cognito's ``sub`` is a UUID and passes
unchanged, anything else is percent-encoded, so a crafted id such as
``victim/thumbnails`` or ``..`` can never reach into another user's prefix.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

GALLERY_PREFIX = "images/"
WISHLIST_PREFIX = "wishlist/"
AVATAR_PREFIX = "avatars/"
MOC_FILES_PREFIX = "mocs/"
STAGING_PREFIX = "uploads/"
"""Where a presigned POST leaves a file until it is confirmed (expired by the bucket's lifecycle rule)."""
PUBLIC_PREFIXES = (GALLERY_PREFIX, MOC_FILES_PREFIX, WISHLIST_PREFIX, AVATAR_PREFIX)
"""What the URLs in responses point at (a CDN reads them in AWS; the local S3 lets anyone read them)."""


def _segment(user_id: str) -> str:
    encoded = quote(user_id, safe="-_")
    return encoded.replace(".", "%2E")


def gallery_image(user_id: str, image_id: uuid.UUID) -> str:
    return f"{GALLERY_PREFIX}{_segment(user_id)}/{image_id}.webp"


def gallery_thumbnail(user_id: str, image_id: uuid.UUID) -> str:
    return f"{GALLERY_PREFIX}{_segment(user_id)}/thumbnails/{image_id}.webp"


def gallery_image_keys(user_id: str, image_id: uuid.UUID) -> list[str]:
    """Both objects of an uploaded gallery image (what deleting the image deletes)."""
    return [gallery_image(user_id, image_id), gallery_thumbnail(user_id, image_id)]


def wishlist_image(user_id: str, item_id: uuid.UUID) -> str:
    """One image per wishlist item, replaced in place (the URL's ``?v=`` tells caches it changed)."""
    return f"{WISHLIST_PREFIX}{_segment(user_id)}/{item_id}.webp"


def avatar(user_id: str) -> str:
    """One avatar per user, replaced in place."""
    return f"{AVATAR_PREFIX}{_segment(user_id)}/avatar.webp"


def staged_upload(user_id: str, upload_id: uuid.UUID) -> str:
    """Where a presigned POST puts a file until the confirm call processes it (expired by a lifecycle rule)."""
    return f"{STAGING_PREFIX}{_segment(user_id)}/{upload_id}"


def moc_prefix(user_id: str, moc_id: uuid.UUID) -> str:
    return f"{MOC_FILES_PREFIX}{_segment(user_id)}/{moc_id}/"


def moc_file(user_id: str, moc_id: uuid.UUID, file_id: uuid.UUID, extension: str) -> str:
    return f"{moc_prefix(user_id, moc_id)}{file_id}.{extension}"
