"""The OpenSearch side of search: documents, DESIGN.md's query, and applying index writes.

Index writes travel through the outbox (``guards.outbox``), so a document
written during an OpenSearch outage is indexed once OpenSearch is back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from api import models

MOCS_INDEX = "mocs"
IMAGES_INDEX = "gallery_images"
WISHLIST_INDEX = "wishlist_items"
INDICES = (MOCS_INDEX, IMAGES_INDEX, WISHLIST_INDEX)
SEARCH_TIMEOUT_S = 0.5
SEARCH_FIELDS = ["title^3", "description", "tags^2"]


class IndexWriteError(RuntimeError):
    """OpenSearch rejected part of a bulk write; the outbox keeps the batch for the next drain."""


def moc_document(moc: models.MocInstruction) -> dict[str, Any]:
    return {
        "userId": moc.user_id,
        "title": moc.title,
        "description": moc.description or "",
        "tags": list(moc.tags or []),
        "type": moc.type,
        "updatedAt": moc.updated_at.isoformat() if moc.updated_at else None,
    }


def image_document(image: models.GalleryImage) -> dict[str, Any]:
    return {
        "userId": image.user_id,
        "title": image.title,
        "description": image.description or "",
        "tags": list(image.tags or []),
        "updatedAt": image.last_updated_at.isoformat() if image.last_updated_at else None,
    }


def wishlist_document(item: models.WishlistItem) -> dict[str, Any]:
    return {
        "userId": item.user_id,
        "title": item.title,
        "description": item.description or "",
        "tags": [item.category] if item.category else [],
        "updatedAt": item.updated_at.isoformat() if item.updated_at else None,
    }


def index_op(index: str, doc_id: object, document: Mapping[str, Any]) -> dict[str, Any]:
    return {"op": "index", "index": index, "id": str(doc_id), "doc": dict(document)}


def delete_op(index: str, doc_id: object) -> dict[str, Any]:
    return {"op": "delete", "index": index, "id": str(doc_id)}


def search_body(user_id: str, term: str, *, offset: int, size: int) -> dict[str, Any]:
    """DESIGN.md's query: fuzzy ``multi_match`` filtered to the user, by score then recency."""
    return {
        "query": {
            "bool": {
                "must": [{"multi_match": {"query": term, "fields": SEARCH_FIELDS, "fuzziness": "AUTO"}}],
                "filter": [{"term": {"userId": user_id}}],
            }
        },
        "sort": ["_score", {"updatedAt": {"order": "desc"}}],
        "from": offset,
        "size": size,
        "track_total_hits": True,
    }


def search_ids(client: Any, index: str, user_id: str, term: str, *, offset: int, size: int) -> tuple[list[str], int]:
    """Matching document ids (in rank order) and the total number of matches."""
    response = client.search(index=index, body=search_body(user_id, term, offset=offset, size=size),
                             request_timeout=SEARCH_TIMEOUT_S)
    hits = response["hits"]
    total = hits["total"]["value"] if isinstance(hits["total"], dict) else int(hits["total"])
    return [hit["_id"] for hit in hits["hits"]], total


def apply_index_ops(client: Any, batches: Sequence[Mapping[str, Any]]) -> None:
    """Apply outbox payloads ``{"ops": [...]}`` in one bulk request; raise if any op failed."""
    lines: list[dict[str, Any]] = []
    for payload in batches:
        for op in payload["ops"]:
            meta = {"_index": op["index"], "_id": op["id"]}
            if op["op"] == "index":
                lines += [{"index": meta}, op["doc"]]
            else:
                lines.append({"delete": meta})
    if not lines:
        return
    response = client.bulk(body=lines, refresh=True, request_timeout=SEARCH_TIMEOUT_S * 4)
    if response.get("errors"):
        failed = [
            item for item in response["items"]
            for action, result in item.items()
            if result.get("status", 500) >= 300 and not (action == "delete" and result.get("status") == 404)
        ]
        if failed:
            raise IndexWriteError(f"{len(failed)} index operation(s) failed")
