"""The OpenSearch indices as code: explicit mappings, ``brickguard search init`` (idempotent), and
searches refusing to trust indices that were never initialised (through the real client)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch

from api.adapters.search_index import (
    INDEX_BODY,
    INDICES,
    IndexNotReady,
    MappingGate,
    init_indices,
    mapping_problems,
    search_ids,
)
from cli.main import cli
from tests.support.opensearch_standin import OpenSearchStandIn

SUB = "3f9a2c1e-7b4d-4e8a-9c2f-Cognito"


def _client(standin: OpenSearchStandIn) -> OpenSearch:
    return OpenSearch(hosts=[standin.url], timeout=5, max_retries=0)


def test_mappings_make_user_id_a_keyword_and_text_fields_analysed() -> None:
    properties = INDEX_BODY["mappings"]["properties"]
    assert properties["userId"] == {"type": "keyword"}
    assert {properties[name]["type"] for name in ("title", "description", "tags")} == {"text"}
    assert INDEX_BODY["mappings"]["dynamic"] == "strict"


def test_init_creates_then_changes_nothing_then_adds_a_missing_field(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin)
    assert mapping_problems(client) == [f"index {index} does not exist" for index in INDICES]
    assert init_indices(client) == {index: "created" for index in INDICES}
    assert init_indices(client) == {index: "unchanged" for index in INDICES}
    assert mapping_problems(client) == []
    client.indices.delete(index=INDICES[0])
    client.indices.create(index=INDICES[0], body={"mappings": {"properties": {"userId": {"type": "keyword"}}}})
    assert init_indices(client)[INDICES[0]] == "updated"
    assert mapping_problems(client) == []


def test_init_refuses_an_index_that_dynamic_mapping_made(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin)
    client.index(index=INDICES[0], body={"userId": SUB, "title": "Crane"}, id="1")  # what a write without init does
    with pytest.raises(IndexNotReady, match=rf"{INDICES[0]}.userId is text, expected keyword.*search init"):
        init_indices(client)


def test_search_waits_for_init_then_finds_the_users_hyphenated_sub(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin)
    now = [0.0]
    gate = MappingGate(recheck_s=30, clock=lambda: now[0])
    with pytest.raises(IndexNotReady, match="does not exist"):
        gate.require(client)
    init_indices(client)
    with pytest.raises(IndexNotReady):
        gate.require(client)  # a failed check is remembered until the recheck interval
    now[0] = 31
    gate.require(client)
    client.index(index=INDICES[0], body={"userId": SUB, "title": "Harbour Crane", "updatedAt": "2024-01-01"},
                 id="m1", refresh=True)
    assert search_ids(client, INDICES[0], SUB, "crane", offset=0, size=10, timeout=5) == (["m1"], 1)


def test_cli_search_init_reports_each_index(opensearch_standin: OpenSearchStandIn, monkeypatch) -> None:
    monkeypatch.setenv("OPENSEARCH_URL", opensearch_standin.url)
    first = CliRunner().invoke(cli, ["search", "init"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [f"{index}: created" for index in INDICES]
    second = CliRunner().invoke(cli, ["search", "init"])
    assert second.output.splitlines() == [f"{index}: unchanged" for index in INDICES]
    monkeypatch.delenv("OPENSEARCH_URL")
    assert "OPENSEARCH_URL is not set" in CliRunner().invoke(cli, ["search", "init"]).output


def test_warmup_checks_the_mappings_before_any_search(opensearch_standin: OpenSearchStandIn, database_url: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    from api.adapters.search_index import mapping_gate
    from api.dependencies import Dependencies
    from runtime.config import Settings

    deps = Dependencies(Settings(database_url=database_url, opensearch_url=opensearch_standin.url, tracing="off"))
    with caplog.at_level("ERROR", logger="brickguard.api.search_index"):
        deps.warmup()  # no indices yet: logged, not raised (the ping still warms the rest)
    assert "search index not ready" in caplog.text
    init_indices(_client(opensearch_standin))
    fresh = Dependencies(Settings(database_url=database_url, opensearch_url=opensearch_standin.url, tracing="off"))
    fresh.warmup()
    opensearch_standin.set_mode("refuse")
    mapping_gate.require(fresh.search.client)  # no call needed: the warm-up found the mappings right
