"""Guard errors answered through real requests: the Lambda handler in-process, real PostgreSQL and S3 (moto).

One mapping (api/dependency_errors.py): breaker open or down → 503 with ``Retry-After`` and the dependency
named in ``details``; out of time → 504; a transaction that keeps losing to another → 409.
"""

from __future__ import annotations

import uuid

from tests.support.helpers import assert_envelope, moc_body
from tests.support.uploads import png, upload


def test_an_open_database_breaker_is_a_503_naming_postgres_with_retry_after(lambda_client, api_dependencies) -> None:
    user = f"breaker-{uuid.uuid4().hex[:8]}"
    api_dependencies.breakers.force("postgres", "open")
    try:
        reply = lambda_client.call("POST", "/api/mocs", json_body=moc_body("Refused Crane"), user=user)
    finally:
        api_dependencies.breakers.force("postgres", None)
    error = assert_envelope(reply, 503, "SERVICE_UNAVAILABLE")
    assert error["details"] == {"dependency": "postgres"}
    assert int(reply.headers["retry-after"]) >= 1


def test_an_open_storage_breaker_is_a_503_naming_s3_with_retry_after(lambda_client, api_dependencies) -> None:
    user = f"breaker-{uuid.uuid4().hex[:8]}"
    api_dependencies.breakers.force("s3", "open")
    try:
        reply = upload(lambda_client, "/api/images", user, {"title": "Later"},
                       [("file", "a.png", png(32, 32), "image/png")])
    finally:
        api_dependencies.breakers.force("s3", None)
    error = assert_envelope(reply, 503, "SERVICE_UNAVAILABLE")
    assert error["details"] == {"dependency": "s3"}
    assert int(reply.headers["retry-after"]) >= 1


def test_a_dependency_that_is_down_is_a_503_naming_it() -> None:
    from api.dependency_errors import api_error

    answer = api_error(ConnectionRefusedError("refused"), "s3")
    assert answer is not None and (answer.status, answer.details) == (503, {"dependency": "s3"})
    assert answer.headers == {"Retry-After": "5"}


def test_a_request_without_time_left_for_the_database_is_a_504(lambda_client) -> None:
    user = f"deadline-{uuid.uuid4().hex[:8]}"
    reply = lambda_client.call("POST", "/api/mocs", json_body=moc_body("Late Crane"), user=user, remaining_ms=10)
    error = assert_envelope(reply, 504, "GATEWAY_TIMEOUT")
    assert "details" not in error
    assert lambda_client.call("GET", "/api/mocs", user=user).json["total"] == 0


def test_a_write_that_keeps_failing_serialization_is_a_409(lambda_client, api_dependencies) -> None:
    """PostgreSQL itself raises ``serialization_failure`` (a trigger on this one row): retried, then 409."""
    from sqlalchemy import text

    user = f"conflict-{uuid.uuid4().hex[:8]}"
    created = lambda_client.call("POST", "/api/mocs", json_body=moc_body("Contested Crane"), user=user)
    moc_id = created.json["data"]["id"]
    trigger = f"conflict_{uuid.uuid4().hex[:8]}"
    engine = api_dependencies.database.engine
    with engine.begin() as connection:
        connection.execute(text(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'lost to another transaction' USING ERRCODE = 'serialization_failure'; END $$"
        ))
        connection.execute(text(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON moc_instructions FOR EACH ROW "
            f"WHEN (OLD.id = '{moc_id}') EXECUTE FUNCTION {trigger}()"
        ))
    try:
        reply = lambda_client.call("PATCH", f"/api/mocs/{moc_id}", json_body={"title": "Renamed"}, user=user)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TRIGGER {trigger} ON moc_instructions"))
            connection.execute(text(f"DROP FUNCTION {trigger}()"))
    assert_envelope(reply, 409, "CONFLICT")
    assert lambda_client.call("GET", f"/api/mocs/{moc_id}", user=user).json["data"]["title"] == "Contested Crane"
