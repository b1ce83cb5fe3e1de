"""The whole PostgreSQL server paused (postmaster and backends, SIGSTOP): requests end in 503/504, not a hang.

A paused server enforces nothing — no ``statement_timeout`` fires, TCP
keepalives never do — so only the client can end the wait. The requests run
in a thread joined with a generous bound, so a regression fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import text

from api.adapters import database as database_module
from runtime.errors import GatewayTimeout
from runtime.telemetry.context import RequestContext, request_scope
from tests.fault.conftest import FAST_BREAKERS
from tests.support.helpers import moc_body
from tests.support.waiting import wait_until

pytestmark = pytest.mark.fault

BUDGET_MS = 1500
HANG_BOUND_S = 60.0  # far above any bounded answer; only a hang reaches it


def _in_thread(call):
    """Run ``call`` in a thread; fail (instead of hanging) if it has not returned within the bound."""
    outcome: list = []

    def run():
        try:
            outcome.append((call(), None))
        except Exception as exc:
            outcome.append((None, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_BOUND_S)
    assert not thread.is_alive(), "call still waiting on PostgreSQL"
    result, error = outcome[0]
    if error is not None:
        raise error
    return result


def test_paused_postgres_answers_504_within_the_budget_then_recovers(guarded_app, dedicated_postgres, metrics):
    user = f"paused-{uuid.uuid4().hex[:8]}"
    server = dedicated_postgres()
    client, deps = guarded_app(db_url=server.url)
    assert client.call("POST", "/api/mocs", json_body=moc_body("Paused Crane"), user=user).status == 201
    assert client.call("GET", "/api/mocs?search=crane", user=user).status == 200  # a warm pooled connection

    server.pause()
    try:
        first = _in_thread(lambda: client.call("GET", "/api/mocs?search=crane", user=user, remaining_ms=BUDGET_MS))
        later = [
            _in_thread(lambda: client.call("GET", "/api/mocs?search=crane", user=user, remaining_ms=BUDGET_MS))
            for _ in range(4)
        ]
    finally:
        server.resume()

    assert first.status == 504, first.text
    assert first.json["error"]["code"] == "GATEWAY_TIMEOUT"
    assert first.json["error"]["requestId"]
    assert metrics.count("DependencyError", dependency="postgres") >= 1  # the abandoned call is counted
    for reply in later:
        assert reply.status in (503, 504), reply.text
        assert reply.json["error"]["code"] in ("SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT")
    assert deps.breakers["postgres"].state in ("open", "half-open")  # the outage opened the breaker

    def back():
        reply = client.call("GET", "/api/mocs?search=crane", user=user)
        return reply.status == 200 and reply.json

    listed = wait_until(back, "reads to succeed again after PostgreSQL resumed")
    assert [item["title"] for item in listed["data"]] == ["Paused Crane"]


def test_a_statement_longer_than_the_budget_is_abandoned_and_only_its_connection_discarded(guarded_app):
    """Not a paused server: one slow statement. Its request gets a 504; the pool and the breaker are fine."""
    _client, deps = guarded_app()
    database = deps.database
    database.ping()

    def slow_read():
        with request_scope(RequestContext(request_id="slow", backend="serverless", deadline=time.monotonic() + 0.5)):
            return database.read(lambda session: session.execute(text("SELECT pg_sleep(3)")).scalar())

    with pytest.raises(GatewayTimeout):
        _in_thread(slow_read)
    assert database.read(lambda session: session.execute(text("SELECT 42")).scalar()) == 42
    assert deps.breakers["postgres"].state == "closed"


def test_a_new_connection_to_a_paused_server_waits_no_longer_than_the_budget(
    guarded_app, dedicated_postgres, metrics, monkeypatch
):
    """No pooled connection left, so the request must open one: its handshake is cut at the budget too.

    libpq's ``connect_timeout`` is made far longer than the hang bound, so only a handshake
    bounded by the request's own remaining time lets the answer arrive.
    """
    monkeypatch.setattr(database_module, "CONNECT_TIMEOUT_S", 120)
    user = f"fresh-{uuid.uuid4().hex[:8]}"
    server = dedicated_postgres()
    client, deps = guarded_app(db_url=server.url)
    assert client.call("GET", "/api/mocs", user=user).status == 200
    deps.database.dispose()  # the pool is empty: the next request must open a connection

    server.pause()
    try:
        replies = [
            _in_thread(lambda: client.call("GET", "/api/mocs?search=crane", user=user, remaining_ms=400))
            for _ in range(FAST_BREAKERS["postgres"].minimum_calls + 1)
        ]
    finally:
        server.resume()

    for reply in replies:
        assert reply.status in (503, 504), reply.text
        assert reply.json["error"]["code"] in ("SERVICE_UNAVAILABLE", "GATEWAY_TIMEOUT")
    assert replies[0].status == 504  # the first one ran out of time in the handshake
    assert metrics.count("DependencyError", dependency="postgres") >= 1
    assert replies[-1].status == 503  # the abandoned handshakes opened the breaker: no more waiting
    assert "retry-after" in replies[-1].headers


def _probe_within(database, seconds: float) -> None:
    with request_scope(RequestContext(request_id="probe", backend="serverless", deadline=time.monotonic() + seconds)):
        database.probe()


def test_the_health_probe_on_a_paused_server_is_cut_at_the_deadline_counted_then_reconnects(
    guarded_app, dedicated_postgres, metrics
):
    """The probe's own psycopg connection is guarded as the pool's: the watchdog cuts it, the breaker hears it."""
    server = dedicated_postgres()
    _client, deps = guarded_app(db_url=server.url)
    deps.database.probe()  # the probe connection is open and kept
    failures_before = deps.breakers["postgres"].snapshot()["failures"]

    server.pause()
    try:
        with pytest.raises(GatewayTimeout):
            _in_thread(lambda: _probe_within(deps.database, 0.5))
    finally:
        server.resume()

    assert metrics.count("DependencyError", dependency="postgres") >= 1  # the abandoned probe is counted
    assert deps.breakers["postgres"].snapshot()["failures"] > failures_before
    wait_until(lambda: _probe_within(deps.database, 5.0) is None, "the probe to answer after PostgreSQL resumed")


def test_the_health_probe_runs_once_more_on_a_fresh_connection_when_its_kept_one_died(guarded_app, dedicated_postgres):
    server = dedicated_postgres()
    _client, deps = guarded_app(db_url=server.url)
    deps.database.probe()
    with deps.database.session() as session:  # every other backend ends: the kept probe connection is dead
        others = session.execute(text(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )).scalars().all()
        ended = [session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() for pid in others]
    assert ended and all(ended)

    deps.database.probe()  # no error: the dead connection was replaced on the spot
    deps.database.probe()
