"""PostgreSQL stopped and restarted; OpenSearch refusing, hanging, answering 500 and 429."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from api.adapters.search_index import init_indices
from guards import outbox
from tests.support.helpers import assert_envelope, moc_body
from tests.support.waiting import wait_until

pytestmark = pytest.mark.fault


@pytest.fixture
def user() -> str:
    return f"fault-{uuid.uuid4().hex[:10]}"


def test_postgres_stopped_answers_503_then_recovers(guarded_app, dedicated_postgres, metrics, user):
    server = dedicated_postgres(durable=True)
    client, deps = guarded_app(db_url=server.url)
    created = client.call("POST", "/api/mocs", json_body=moc_body("Survivor"), user=user)
    assert created.status == 201  # acknowledged before the outage
    server.stop()
    for _ in range(5):
        reply = client.call("GET", "/api/mocs", user=user)
        assert_envelope(reply, 503, "SERVICE_UNAVAILABLE")
        assert int(reply.headers["retry-after"]) >= 1
    assert deps.breakers["postgres"].state in ("open", "half-open")
    assert metrics.count("BreakerOpened", dependency="postgres") >= 1
    server.start()

    def back():
        reply = client.call("GET", "/api/mocs", user=user)
        return reply.status == 200 and reply.json

    listed = wait_until(back, "requests to succeed again after PostgreSQL restarted")
    assert [item["title"] for item in listed["data"]] == ["Survivor"]
    assert deps.breakers["postgres"].state == "closed"


def _search(client, user, term):
    reply = client.call("GET", f"/api/mocs?search={quote(term)}", user=user)
    assert reply.status == 200, reply.text
    body = reply.json
    assert body["meta"]["searchBackend"] == reply.headers["x-search-backend"]
    return {item["title"] for item in body["data"]}, body["meta"]["searchBackend"]


@pytest.mark.parametrize("mode", ["refuse", "hang", "error500", "error429"])
def test_search_answers_through_opensearch_failure(guarded_app, opensearch_standin, metrics, user, mode):
    client, deps = guarded_app(opensearch_url=opensearch_standin.url)
    init_indices(deps.search.client)
    assert client.call("POST", "/api/mocs", json_body=moc_body("Harbour Crane"), user=user).status == 201
    assert _search(client, user, "crane") == ({"Harbour Crane"}, "opensearch")
    assert _search(client, user, "harbor") == ({"Harbour Crane"}, "opensearch")  # fuzzy: only the engine finds it

    opensearch_standin.set_mode(mode)
    assert _search(client, user, "crane") == ({"Harbour Crane"}, "postgres")
    written = client.call("POST", "/api/mocs", json_body=moc_body("Lighthouse Crane"), user=user)
    assert written.status == 201  # acknowledged during the outage
    assert deps.outbox.pending()[outbox.SEARCH] > 0
    for _ in range(4):
        assert _search(client, user, "crane") == ({"Harbour Crane", "Lighthouse Crane"}, "postgres")
    wait_until(lambda: deps.breakers["opensearch"].state == "open", "opensearch breaker to open")
    assert metrics.count("SearchFallback") >= 5

    opensearch_standin.set_mode("normal")

    def engine_back():
        titles, engine = _search(client, user, "crane")
        return engine == "opensearch" and titles

    titles = wait_until(engine_back, "search to be answered by OpenSearch again")
    assert titles == {"Harbour Crane", "Lighthouse Crane"}  # written during the outage, now indexed
    assert deps.breakers["opensearch"].state == "closed"
    assert deps.outbox.pending()[outbox.SEARCH] == 0
