"""The OpenSearch side of search: the indices as code, documents, DESIGN.md's query, index writes.

Index writes travel through the outbox (``guards.outbox``), so a document
written during an OpenSearch outage is indexed once OpenSearch is back.

Mappings are explicit (``INDEX_BODY``) and created by ``brickguard search init``: left to dynamic
mapping, ``userId`` would become an analysed ``text`` field, the ``term`` filter on a Cognito sub
would match nothing, and search would return empty pages without ever falling back. So nothing
here lets OpenSearch create an index: before the first search or write through a client, the
mappings are checked (:class:`MappingGate`); while they are missing or wrong, searches fall back to
PostgreSQL and index writes wait in the outbox, and the log says to run ``brickguard search init``.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from api import models

MOCS_INDEX = "mocs"
IMAGES_INDEX = "gallery_images"
WISHLIST_INDEX = "wishlist_items"
INDICES = (MOCS_INDEX, IMAGES_INDEX, WISHLIST_INDEX)
SEARCH_TIMEOUT_S = 0.5
SEARCH_FIELDS = ["title^3", "description", "tags^2"]
MAPPING_RECHECK_S = 30.0
MAPPING_TIMEOUT_S = SEARCH_TIMEOUT_S * 4
"""Per index, for a check nobody waits on (warm-up, ``search init``, index writes); a search passes its own."""

# Text fields use the standard analyser (lower-cased words, what multi_match with fuzziness needs);
# userId and type are exact values; tags are searchable words and exact values (tags.keyword).
INDEX_BODY: dict[str, Any] = {
    "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 1}},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "userId": {"type": "keyword"},
            "title": {"type": "text", "analyzer": "standard"},
            "description": {"type": "text", "analyzer": "standard"},
            "tags": {"type": "text", "analyzer": "standard",
                     "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
            "type": {"type": "keyword"},
            "updatedAt": {"type": "date"},
        },
    },
}

log = logging.getLogger("brickguard.api.search_index")


class IndexWriteError(RuntimeError):
    """OpenSearch rejected part of a bulk write; the outbox keeps the batch for the next drain."""


class IndexNotReady(RuntimeError):
    """An index is missing or mapped differently from ``INDEX_BODY``: run ``brickguard search init``."""


def _status(error: Exception) -> int | None:
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) else None


def mapping_problems(client: Any, timeout: float = MAPPING_TIMEOUT_S) -> list[str]:
    """What differs between the cluster's indices and ``INDEX_BODY`` (empty: ready); ``timeout`` per index."""
    expected = INDEX_BODY["mappings"]["properties"]
    problems: list[str] = []
    for index in INDICES:
        try:
            actual = client.indices.get_mapping(index=index, request_timeout=timeout)
        except Exception as error:
            if _status(error) == 404:
                problems.append(f"index {index} does not exist")
                continue
            raise
        properties = actual.get(index, {}).get("mappings", {}).get("properties", {})
        for name, spec in expected.items():
            found = properties.get(name, {}).get("type")
            if found is None:
                problems.append(f"{index}.{name} is not mapped")
            elif found != spec["type"]:
                problems.append(f"{index}.{name} is mapped as {found}, expected {spec['type']}")
    return problems


def init_indices(client: Any) -> dict[str, str]:
    """Create each index with ``INDEX_BODY``, or add the fields an existing one lacks; idempotent.

    Returns ``{index: created | updated | unchanged}``. A field mapped with another type cannot be
    changed in place: that raises :class:`IndexNotReady` naming it (delete the index, init, reindex).
    """
    outcome: dict[str, str] = {}
    expected = INDEX_BODY["mappings"]["properties"]
    for index in INDICES:
        try:
            client.indices.create(index=index, body=INDEX_BODY)
            outcome[index] = "created"
            continue
        except Exception as error:
            if _status(error) != 400 or "resource_already_exists" not in str(error):
                raise
        current = client.indices.get_mapping(index=index)[index]["mappings"].get("properties", {})
        conflicts = [f"{index}.{name} is {current[name]['type']}, expected {spec['type']}"
                     for name, spec in expected.items() if name in current and current[name]["type"] != spec["type"]]
        if conflicts:
            raise IndexNotReady("; ".join(conflicts) + ": delete the index, run `brickguard search init`, then reindex")
        missing = {name: spec for name, spec in expected.items() if name not in current}
        if missing:
            client.indices.put_mapping(index=index, body={"properties": missing})
        outcome[index] = "updated" if missing else "unchanged"
    return outcome


class MappingGate:
    """Lets a client search and write only once the mappings were found right; rechecks a failure
    after ``recheck_s`` (an operator may have run ``search init`` meanwhile).

    The check runs inside a user's search when nothing checked before (a process whose earlier
    searches were all answered from the cache), so a search passes its own ``timeout``: a hung
    cluster then costs that search what the search call itself would have, and the failure counts
    against the breaker like any other. With the former fixed 2 s, every worker thread that searched
    during an OpenSearch hang waited 2 s on its own check, and the whole server stopped answering.
    """

    def __init__(self, recheck_s: float = MAPPING_RECHECK_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._recheck_s = recheck_s
        self._clock = clock
        self._ready: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
        self._failed: weakref.WeakKeyDictionary[Any, tuple[float, str]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def require(self, client: Any, timeout: float = MAPPING_TIMEOUT_S) -> None:
        """Return when ``client``'s indices are ready; raise :class:`IndexNotReady` otherwise."""
        with self._lock:
            if self._ready.get(client):
                return
            failed = self._failed.get(client)
            if failed is not None and self._clock() - failed[0] < self._recheck_s:
                raise IndexNotReady(failed[1])
        problems = mapping_problems(client, timeout)
        with self._lock:
            if not problems:
                self._ready[client] = True
                self._failed.pop(client, None)
                return
            reason = "; ".join(problems) + ": run `brickguard search init`"
            self._failed[client] = (self._clock(), reason)
        log.error("search index not ready, searching PostgreSQL and holding index writes", extra={"reason": reason})
        raise IndexNotReady(reason)


mapping_gate = MappingGate()


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


def search_ids(
    client: Any, index: str, user_id: str, term: str, *, offset: int, size: int, timeout: float
) -> tuple[list[str], int]:
    """Matching document ids (in rank order) and the total number of matches, within ``timeout`` seconds."""
    mapping_gate.require(client, timeout)
    response = client.search(index=index, body=search_body(user_id, term, offset=offset, size=size),
                             request_timeout=timeout)
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
    mapping_gate.require(client)
    response = client.bulk(body=lines, refresh=True, request_timeout=SEARCH_TIMEOUT_S * 4)
    if response.get("errors"):
        failed = [
            item for item in response["items"]
            for action, result in item.items()
            if result.get("status", 500) >= 300 and not (action == "delete" and result.get("status") == 404)
        ]
        if failed:
            raise IndexWriteError(f"{len(failed)} index operation(s) failed")
