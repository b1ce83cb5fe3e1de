"""Parts-list CSVs: stored by the upload function, parsed asynchronously by the csv-parser function.

Through all three entry points the upload queues an ``Event`` invocation on the local Lambda of
``brickguard up`` (the in-process handlers, composed once ``up`` has named its parser, reach it through
``AWS_ENDPOINT_URL_LAMBDA``); the hostile-file cases run the parser's handler in-process against the
same PostgreSQL and S3.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from api.composition import build_handlers
from api.dependencies import Dependencies
from api.services import parts_import
from cli import running
from tests.support.clients import FakeLambdaContext, LambdaClient
from tests.support.helpers import assert_envelope, moc_body
from tests.support.uploads import queued_parts_import, upload
from tests.support.waiting import wait_until

HEADER = "Part ID,Part Name,Quantity,Color\n"
POLL_S = 60.0


@pytest.fixture(scope="module")
def parsing(up_urls, api_settings, api_dependencies) -> Iterator[Dependencies]:
    """Dependencies naming the parser of the session's ``brickguard up``, whose Invoke API the handlers' boto3 uses."""
    import os

    url = running.running_url(api_settings.data_dir, "invoke_url")
    parser = running.running_url(api_settings.data_dir, "csv_parser")
    assert url and parser, "brickguard up announced no Invoke API or parser"
    saved = os.environ.get("AWS_ENDPOINT_URL_LAMBDA")
    os.environ["AWS_ENDPOINT_URL_LAMBDA"] = url
    deps = Dependencies(dataclasses.replace(api_settings, csv_parser_function=parser))
    yield deps
    deps.database.dispose()
    if saved is None:
        os.environ.pop("AWS_ENDPOINT_URL_LAMBDA", None)
    else:
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = saved


def _moc(client, user: str, **extra) -> str:
    reply = client.call("POST", "/api/mocs", user=user, json_body=moc_body("Parts MOC", **extra))
    assert reply.status == 201, reply.text
    return reply.json["data"]["id"]


def _wait_for_import(client, user: str, moc: str, file_id: str) -> dict:
    def settled() -> dict | None:
        state = client.call("GET", f"/api/mocs/{moc}/upload-parts-list/{file_id}", user=user).json["data"]
        return state if state["status"] != "queued" else None

    return wait_until(settled, f"the import of {file_id} to leave the queue", limit=POLL_S, step=0.2)


def test_an_uploaded_parts_list_is_parsed_asynchronously(client, user) -> None:
    moc = _moc(client, user, partsCount=500)  # the author's estimate
    csv = (HEADER + "3001,Brick 2 x 4,4,Red\n3002,\"Brick\n2 x 3\",2,Blue\n,nameless,1,Red\n3003,=CMD(),1,Red\n"
           "3004,Plate,lots,Red\n").encode()
    reply = upload(client, f"/api/mocs/{moc}/upload-parts-list", user, {"title": "Main build"},
                   [("file", "parts.csv", csv, "text/csv")])
    assert reply.status == 202, reply.text
    queued = reply.json["data"]
    assert queued["status"] == "queued"
    state = _wait_for_import(client, user, moc, queued["fileId"])
    assert state["status"] == "imported", state
    assert state["acceptedRows"] == 2 and state["rejectedRows"] == 3
    assert [item["line"] for item in state["rejections"]] == [5, 6, 7]  # the quoted newline spans lines 3-4
    detail = client.call("GET", f"/api/mocs/{moc}", user=user).json["data"]
    assert detail["totalPieceCount"] == 6  # the parser's sum
    assert detail["partsCount"] == 500  # the author's estimate, untouched
    assert [item["title"] for item in detail["partsLists"]] == ["Main build"]


def test_a_parts_list_must_be_a_csv(client, user) -> None:
    moc = _moc(client, user)
    reply = upload(client, f"/api/mocs/{moc}/upload-parts-list", user, {},
                   [("file", "parts.csv", b"%PDF-1.7\n%%EOF\n", "text/csv")])
    assert_envelope(reply, 400, "VALIDATION_ERROR")


@pytest.fixture(scope="module")
def parsing_handlers(parsing: Dependencies) -> dict:
    return build_handlers(parsing)


@pytest.fixture(params=["lambda", "express", "serverless"])
def client(request: pytest.FixtureRequest, parsing_handlers: dict):
    """The three entry points; in-process, the handlers whose upload route names ``up``'s parser."""
    if request.param == "lambda":
        return LambdaClient(parsing_handlers)
    return request.getfixturevalue(f"{request.param}_client")


@pytest.fixture
def csv_parser(parsing_handlers: dict):
    return parsing_handlers["csv-parser"]


def _parts(deps, moc_id: str) -> tuple[int, int | None]:
    """How many part lines the MOC's lists hold, and its totalPieceCount (the parser's sum)."""
    from sqlalchemy import func, select

    from api.models import MocInstruction, MocPart, MocPartsList

    def count(session) -> tuple[int, int | None]:
        lines = session.scalar(
            select(func.count()).select_from(MocPart).join(MocPartsList).where(MocPartsList.moc_id == moc_id)
        )
        return int(lines), session.get(MocInstruction, uuid.UUID(moc_id)).total_piece_count  # the parser's sum

    return deps.database.read(count)


@pytest.mark.parametrize(
    ("csv", "error"),
    [
        ((HEADER + "3001,Caf\xe9,1,Red\n").encode("latin-1"), "not UTF-8"),
        ((HEADER + "3001,Brick,1,Red\n").encode("utf-16"), "not UTF-8"),
        ((HEADER + '3001,"' + "x" * 5000 + '",1,Red\n').encode(), "longer than 1000"),
        ((HEADER + "3001,Brick,1,Red\n" * 20_001).encode(), "More than 20000"),
        (b"Part,Qty\n3001,1\n", "lacks the column"),
        ((HEADER + '3001,"never closed,1,Red\n').encode(), "Line"),
        (b"", "empty"),
    ],
    ids=["latin-1", "utf-16", "huge-field", "too-many-rows", "wrong-header", "unclosed-quote", "empty"],
)
def test_a_hostile_file_fails_clearly_and_writes_nothing(parsing, csv_parser, user, local_s3, csv, error) -> None:
    event = queued_parts_import(parsing, user, csv, local_s3)
    result = csv_parser(event, FakeLambdaContext())
    assert result["status"] == "failed" and error in result["error"], result
    assert _parts(parsing, event["mocId"]) == (0, None)


def test_a_bom_and_formulas_are_handled_and_a_second_run_changes_nothing(parsing, csv_parser, user, local_s3) -> None:
    csv = ("\ufeff" + HEADER + "3001,Brick,3,Red\n3002,@SUM(A1),1,Red\n3003,Tile,+2,Red\n3004,Plate,2,-Red\n"
           "3005,Slope,4,Blue\n").encode()
    event = queued_parts_import(parsing, user, csv, local_s3)
    first = csv_parser(event, FakeLambdaContext())
    assert first["status"] == "imported" and first["acceptedRows"] == 2 and first["rejectedRows"] == 3
    assert _parts(parsing, event["mocId"]) == (2, 7)
    second = csv_parser(event, FakeLambdaContext())  # Lambda delivers an event at least once
    assert second == first
    assert _parts(parsing, event["mocId"]) == (2, 7)


def test_a_parser_event_with_nothing_behind_it_is_ignored(csv_parser) -> None:
    assert csv_parser({"something": "else"}, FakeLambdaContext())["status"] == "ignored"
    event = parts_import.parser_event(user_id="nobody", moc_id=uuid.uuid4(), file_id=uuid.uuid4(), key="k", title="t")
    assert csv_parser(event, FakeLambdaContext())["status"] == "ignored"


def test_s3_down_raises_so_that_lambda_retries(parsing, csv_parser, user, local_s3) -> None:
    deps = parsing
    event = queued_parts_import(deps, user, (HEADER + "3001,Brick,1,Red\n").encode(), local_s3)
    deps.breakers.force("s3", "open")
    try:
        with pytest.raises(Exception, match=r"(?i)open"):
            csv_parser(event, FakeLambdaContext())
    finally:
        deps.breakers.force("s3", None)
    assert csv_parser(event, FakeLambdaContext())["status"] == "imported"  # the retry works
