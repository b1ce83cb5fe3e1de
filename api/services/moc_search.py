"""Listing a user's MOCs, searched or not: which engine answers, the fallback, and the header saying which did.

A search term without a tag goes to OpenSearch (ranked ids, then the rows from PostgreSQL in that
order); when OpenSearch is unavailable or its breaker is open, :class:`guards.search.FallbackSearch`
runs PostgreSQL's ILIKE instead. A tag (which the index does not hold) or no term at all is a plain
PostgreSQL page. The page says which engine produced it (``meta.searchBackend``), and so does the
``X-Search-Backend`` response header — also when the page came from the cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from api.adapters.search_index import MOCS_INDEX, search_ids
from api.pagination import list_body, offset
from api.services import mocs
from guards.search import SEARCH_BACKEND_HEADER
from runtime.telemetry import catalogue, context

if TYPE_CHECKING:
    from api.adapters.database import Database
    from api.adapters.search import Search


def announce_engine(page: dict[str, Any]) -> dict[str, Any]:
    """Say in a header which engine produced a searched ``page`` (fresh or cached)."""
    context.set_response_header(SEARCH_BACKEND_HEADER, page["meta"]["searchBackend"])
    return page


def list_or_search(
    database: Database, search: Search, user: str, page: int, limit: int, term: str | None, tag: str | None
) -> dict[str, Any]:
    """One page of ``user``'s MOCs, searched for ``term`` (and filtered by ``tag``) when given."""
    if not term or tag:
        items, total = database.read(
            lambda session: mocs.list_mocs(session, user, page=page, limit=limit, search=term, tag=tag)
        )
        body = list_body(items, total, page, limit)
        if term:
            body["meta"] = {"searchBackend": catalogue.POSTGRES}
        return body

    def with_opensearch(client: Any, timeout: float) -> tuple[list[str], int]:
        return search_ids(client, MOCS_INDEX, user, term, offset=offset(page, limit), size=limit, timeout=timeout)

    def with_postgres() -> tuple[list[dict[str, Any]], int]:
        return database.read(
            lambda session: mocs.list_mocs(session, user, page=page, limit=limit, search=term, tag=None)
        )

    result, engine = search.run(with_opensearch, with_postgres)
    if engine == catalogue.OPENSEARCH:
        ids, total = cast(tuple[list[str], int], result)
        items = database.read(lambda session: mocs.ranked_mocs(session, user, ids))
    else:
        items, total = cast(tuple[list[dict[str, Any]], int], result)
    return {**list_body(items, total, page, limit), "meta": {"searchBackend": engine}}
