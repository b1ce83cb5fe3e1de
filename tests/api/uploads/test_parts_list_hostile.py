"""Hostile parts lists (issue 22, item 1): every input ends ``imported`` or ``failed`` with a reason,
no row value reaches a log or Lambda's error output, and no import stays ``queued`` for ever.

The parser's handler runs in-process against the session's real PostgreSQL and local S3.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.composition import build_handlers
from api.services import parts_import
from api.uploads import parts_csv
from runtime.event_handler import EventFailed, guarded_event_handler
from tests.support.clients import FakeLambdaContext
from tests.support.helpers import assert_envelope, moc_body
from tests.support.uploads import queued_parts_import, upload

HEADER = b"Part ID,Part Name,Quantity,Color\n"
SECRET = "s3cr3t-row-value"
THIRD_PARTY_CLIENT_LOGGERS = ("botocore", "urllib3", "werkzeug", "moto", "redis", "s3transfer")
"""Debug logs of the clients and of the in-process moto server, which name the S3 key (off in Lambda)."""


def test_a_unicode_digit_quantity_is_a_rejected_line_not_a_crash() -> None:
    result = parts_csv.parse([HEADER + "3001,Brick,\u00b2,Red\n3002,Plate,\u0664,Red\n3003,Tile,2,Red\n".encode()])
    assert [part.part_id for part in result.parts] == ["3003"]
    assert [rejection.line for rejection in result.rejections] == [2, 3]
    assert all("whole number" in rejection.reason for rejection in result.rejections)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=400), with_header=st.booleans())
def test_any_bytes_parse_or_are_refused_with_a_reason(body: bytes, with_header: bool) -> None:
    data = (HEADER + body) if with_header else body
    try:
        result = parts_csv.parse([data[i:i + 7] for i in range(0, len(data), 7)])
    except parts_csv.FileRefused as refused:
        assert str(refused)
        return
    for part in result.parts:
        assert 1 <= part.quantity <= parts_csv.MAX_QUANTITY and part.part_id and "\x00" not in part.part_name
    assert all(rejection.reason for rejection in result.rejections)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.text(max_size=12), min_size=4, max_size=4))
def test_any_text_line_is_kept_or_rejected_with_a_reason(cells: list[str]) -> None:
    line = ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)
    try:
        result = parts_csv.parse([HEADER + line.encode("utf-8", "surrogatepass")])
    except parts_csv.FileRefused as refused:
        assert str(refused)
        return
    assert len(result.parts) + len(result.rejections) <= 1


@pytest.fixture(scope="module")
def csv_parser(api_dependencies):
    return build_handlers(api_dependencies)["csv-parser"]


def _stored_state(deps, file_id: str) -> str:
    from api.models import PartsListImport

    return deps.database.read(lambda session: session.get(PartsListImport, uuid.UUID(file_id)).status)


def test_a_nul_in_the_title_ends_failed_with_a_reason_and_logs_no_value(
    api_dependencies, csv_parser, user, local_s3, caplog, capsys
) -> None:
    event = queued_parts_import(api_dependencies, user, HEADER + b"3001,Brick,2,Red\n", local_s3, f"{SECRET}\x00title")
    with caplog.at_level(logging.DEBUG):
        result = csv_parser(event, FakeLambdaContext())
    assert result["status"] == "failed" and result["error"] == parts_import.NOT_STORABLE, result
    assert _stored_state(api_dependencies, event["fileId"]) == "failed"
    ours = [record for record in caplog.records if not record.name.startswith(THIRD_PARTY_CLIENT_LOGGERS)]
    assert any(record.name == "api.services.parts_import" for record in ours)
    written = "".join(f"{record.getMessage()} {record.__dict__}" for record in ours) + "".join(capsys.readouterr())
    assert SECRET not in written and event["mocId"] not in written


def test_a_database_error_hides_its_parameters(api_dependencies) -> None:
    from sqlalchemy import text

    with pytest.raises(Exception) as raised:
        api_dependencies.database.write(lambda session: session.execute(text("select 1 / :zero"), {"zero": 0}))
    assert "parameters hidden" in str(raised.value) or "parameters:" not in str(raised.value)
    with pytest.raises(Exception) as raised:
        api_dependencies.database.write(
            lambda session: session.execute(text("select length(:v)"), {"v": f"{SECRET}\x00"})
        )
    assert SECRET not in str(raised.value)


def test_an_escaping_error_reaches_lambda_without_its_message() -> None:
    def work(event: dict) -> dict:
        raise RuntimeError(f"INSERT … [parameters: {SECRET}]")

    handler = guarded_event_handler(work, function="csv-parser", route="Event csv-parser")
    with pytest.raises(EventFailed) as raised:
        handler({"fileId": "x"}, FakeLambdaContext())
    printed = "".join(traceback.format_exception(raised.value))  # what a runtime client prints of it
    assert SECRET not in printed and "RuntimeError" in printed
    assert raised.value.error_type == "RuntimeError"


def test_an_import_queued_past_every_attempt_of_lambda_shows_failed(api_dependencies, user, local_s3) -> None:
    from api.models import PartsListImport

    event = queued_parts_import(api_dependencies, user, HEADER + b"3001,Brick,2,Red\n", local_s3, "Late")

    def state(session, now: datetime) -> dict:
        return parts_import.import_json(session.get(PartsListImport, uuid.UUID(event["fileId"])), now)

    fresh = api_dependencies.database.read(lambda session: state(session, datetime.now(UTC)))
    assert fresh["status"] == "queued"
    later = datetime.now(UTC) + parts_import.GIVE_UP_AFTER + timedelta(minutes=1)
    stale = api_dependencies.database.read(lambda session: state(session, later))
    assert stale["status"] == "failed" and stale["error"] == parts_import.GAVE_UP


def test_the_upload_refuses_a_title_postgresql_cannot_store(lambda_client, user) -> None:
    moc = lambda_client.call("POST", "/api/mocs", user=user, json_body=moc_body("Parts MOC")).json["data"]["id"]
    reply = upload(lambda_client, f"/api/mocs/{moc}/upload-parts-list", user, {"title": "bad\x00title"},
                   [("file", "parts.csv", HEADER + b"3001,Brick,1,Red\n", "text/csv")])
    assert_envelope(reply, 400, "VALIDATION_ERROR")
