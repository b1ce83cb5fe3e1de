"""Two compositions of the API in one process serve side by side, each from its own dependency objects.

Routes are handed their dependencies when their resolver is built, not looked up
at request time: with a process-wide accessor, both compositions would answer from
whichever was installed last.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from api.composition import build_handlers
from api.dependencies import Dependencies
from migrations.apply import upgrade as migrate_schema
from runtime import config, process
from tests.support.clients import LambdaClient
from tests.support.guard_process import restore_guard_process
from tests.support.helpers import moc_body

ROUNDS = 20


@pytest.fixture
def compose(database_url: str, tmp_path) -> Iterator[Callable[[str], tuple[LambdaClient, Dependencies]]]:
    """Factory: a composition on a database of its own (created on the session server, dropped after)."""
    saved_process = process._current
    process.install(config.Settings(backend="serverless", data_dir=str(tmp_path), tracing="off"))
    made: list[tuple[str, Dependencies]] = []

    def build(service: str) -> tuple[LambdaClient, Dependencies]:
        name = f"side_by_side_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
        settings = config.Settings(
            backend="serverless", service=service, database_url=url, data_dir=str(tmp_path), tracing="off"
        )
        deps = Dependencies(settings)
        migrate_schema(deps.database.engine)
        made.append((name, deps))
        return LambdaClient(build_handlers(deps)), deps

    yield build
    for name, deps in made:
        deps.database.dispose()
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    restore_guard_process(saved_process)


def test_two_compositions_in_one_process_each_answer_from_their_own_dependencies(compose):
    (first, _), (second, _) = compose("lego-api-first"), compose("lego-api-second")
    user = f"user-{uuid.uuid4().hex[:12]}"
    created = {
        client: client.call("POST", "/api/mocs", json_body=moc_body(title), user=user).json["data"]["id"]
        for client, title in ((first, "Only in the first"), (second, "Only in the second"))
    }

    def titles(client: LambdaClient) -> list[str]:
        reply = client.call("GET", "/api/mocs", user=user)
        assert reply.status == 200, reply.text
        return [moc["title"] for moc in reply.json["data"]]

    with ThreadPoolExecutor(max_workers=4) as pool:  # both serving at once, interleaved
        answers = [(client, pool.submit(titles, client)) for _ in range(ROUNDS) for client in (first, second)]
        seen = [(client, future.result(timeout=30)) for client, future in answers]
    assert {tuple(found) for client, found in seen if client is first} == {("Only in the first",)}
    assert {tuple(found) for client, found in seen if client is second} == {("Only in the second",)}
    assert second.call("GET", f"/api/mocs/{created[first]}", user=user).status == 404
    assert first.call("GET", f"/api/mocs/{created[first]}", user=user).status == 200
    assert [client.call("GET", "/health", user=None).json["service"] for client in (first, second)] == [
        "lego-api-first",
        "lego-api-second",
    ]
