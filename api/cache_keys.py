"""DESIGN.md's cache keys and TTLs, and the namespaces writes invalidate.

Keys are exactly the architecture's; each belongs to a per-user namespace whose
generation counter a write bumps (see ``guards.cache``). Namespaces are coarse
on purpose: one bump invalidates a user's lists *and* details of a family, so
no write can forget a key. Paging is part of the album-list key
(``gallery:albums:user:{userId}:{page}:{limit}``) because a page is what is cached.

Keys are injective: a user id (a JWT ``sub``) and the search and tag filters are
free text, so ``%`` and ``:`` in them are percent-escaped. Otherwise the user
``vic:gen`` would write ``profile:user:vic:gen``, the generation counter of
``vic``'s profile namespace. Ids without ``%`` or ``:`` (every Cognito ``sub``)
appear as they are, exactly the architecture's keys.
"""

from __future__ import annotations

import uuid

LIST_TTL_S = 5 * 60
DETAIL_TTL_S = 10 * 60
STATS_TTL_S = 30 * 60


def _part(value: str | None) -> str:
    """``value`` as one key segment: ``%`` and ``:`` escaped, so no segment can forge another."""
    return "" if value is None else value.replace("%", "%25").replace(":", "%3A")


def moc_list(user: str, page: int, limit: int, search: str | None, tag: str | None) -> str:
    return f"moc:user:{_part(user)}:list:{page}:{limit}:{_part(search)}:{_part(tag)}"


def moc_detail(moc_id: uuid.UUID) -> str:
    return f"moc:detail:{moc_id}"


def image_list(user: str, page: int, limit: int) -> str:
    return f"gallery:images:user:{_part(user)}:{page}:{limit}"


def image_detail(image_id: uuid.UUID) -> str:
    return f"gallery:image:detail:{image_id}"


def album_list(user: str, page: int, limit: int) -> str:
    return f"gallery:albums:user:{_part(user)}:{page}:{limit}"


def album_detail(album_id: uuid.UUID) -> str:
    return f"gallery:album:detail:{album_id}"


def wishlist_all(user: str) -> str:
    return f"wishlist:user:{_part(user)}:all"


def wishlist_item(item_id: uuid.UUID) -> str:
    return f"wishlist:item:{item_id}"


def profile(user: str) -> str:
    return f"profile:user:{_part(user)}"


# namespaces (generation counters), one per user and resource family
def mocs_ns(user: str) -> str:
    return f"moc:user:{_part(user)}"


def gallery_ns(user: str) -> str:
    return f"gallery:user:{_part(user)}"


def wishlist_ns(user: str) -> str:
    return f"wishlist:user:{_part(user)}"


def profile_ns(user: str) -> str:
    return f"profile:user:{_part(user)}"
