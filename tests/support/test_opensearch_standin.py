"""The real opensearch-py client works against the stand-in, and sees each fault mode as it would a cluster's."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError, ConnectionTimeout, RequestError, TransportError

from tests.support.opensearch_standin import OpenSearchStandIn, auto_edits, edit_distance

INDEX = "mocs"


def _client(standin: OpenSearchStandIn, timeout: float = 5.0) -> OpenSearch:
    return OpenSearch(hosts=[standin.url], timeout=timeout, max_retries=1)


def _design_query(text: str, user_id: str, **page: int) -> dict[str, Any]:
    """DESIGN.md's search: multi_match with boosts and AUTO fuzziness, filtered by user."""
    return {
        "query": {
            "bool": {
                "must": [
                    {
                        "multi_match": {
                            "query": text,
                            "fields": ["title^3", "description", "tags^2"],
                            "fuzziness": "AUTO",
                        }
                    }
                ],
                "filter": [{"term": {"userId": user_id}}],
            }
        },
        "sort": ["_score", {"updatedAt": {"order": "desc"}}],
        **page,
    }


def _ids(response: dict[str, Any]) -> list[str]:
    return [hit["_id"] for hit in response["hits"]["hits"]]


USER_KEYWORD = {"mappings": {"properties": {"userId": {"type": "keyword"}}}}


@pytest.fixture
def catalogue(opensearch_standin: OpenSearchStandIn) -> OpenSearch:
    client = _client(opensearch_standin)
    client.indices.create(index=INDEX, body=USER_KEYWORD)
    docs = {
        "crane": ("u1", "Technic Crane", "a tall crane", ["technic"], "2024-01-01T00:00:00Z"),
        "bakery": ("u1", "City Bakery", "with a technic oven", ["city"], "2024-01-02T00:00:00Z"),
        "castle": ("u1", "Castle", "medieval", [], "2024-01-03T00:00:00Z"),
        "other": ("u2", "Technic Crane", "someone else's", ["technic"], "2024-01-04T00:00:00Z"),
        "crane-old": ("u1", "Crane", "", [], "2023-06-01T00:00:00Z"),
        "crane-new": ("u1", "Crane", "", [], "2024-06-01T00:00:00Z"),
    }
    for doc_id, (user, title, description, tags, updated) in docs.items():
        body = {"userId": user, "title": title, "description": description, "tags": tags, "updatedAt": updated}
        client.index(index=INDEX, body=body, id=doc_id)
    client.indices.refresh(index=INDEX)
    return client


def test_info_health_and_index_existence(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin)
    assert client.info()["version"]["distribution"] == "opensearch"
    assert client.ping()
    assert client.cluster.health()["status"] == "green"
    assert not client.indices.exists(index=INDEX)
    client.indices.create(index=INDEX)
    assert client.indices.exists(index=INDEX)
    with pytest.raises(RequestError) as raised:
        client.indices.create(index=INDEX)
    assert raised.value.error == "resource_already_exists_exception"


def test_fuzzy_boosted_search_is_scoped_to_the_user(catalogue: OpenSearch) -> None:
    found = catalogue.search(index=INDEX, body=_design_query("technc", "u1"))
    assert _ids(found) == ["crane", "bakery"]  # title^3 beats description; u2's crane filtered out
    assert found["hits"]["total"]["value"] == 2
    scores = [hit["_score"] for hit in found["hits"]["hits"]]
    assert scores[0] > scores[1] > 0


def test_equal_scores_are_ordered_by_newest_update(catalogue: OpenSearch) -> None:
    found = catalogue.search(index=INDEX, body=_design_query("crane", "u1"))
    assert len({hit["_score"] for hit in found["hits"]["hits"]}) == 1  # best field: title^3 for all three
    assert _ids(found) == ["crane-new", "crane", "crane-old"]
    assert found["hits"]["hits"][0]["sort"] == [found["hits"]["hits"][0]["_score"], "2024-06-01T00:00:00Z"]


def test_from_and_size_page_through_the_total(catalogue: OpenSearch) -> None:
    everything = _ids(catalogue.search(index=INDEX, body=_design_query("crane", "u1")))
    page = catalogue.search(index=INDEX, body=_design_query("crane", "u1", **{"from": 1, "size": 1}))
    assert page["hits"]["total"]["value"] == len(everything) == 3
    assert _ids(page) == everything[1:2]


def test_auto_fuzziness_allows_more_edits_for_longer_words() -> None:
    assert [auto_edits(word) for word in ("ab", "abc", "abcde", "abcdef")] == [0, 1, 1, 2]
    assert edit_distance("technic", "tehcnic") == 1  # an adjacent swap is one edit
    assert edit_distance("crane", "crane") == 0
    assert edit_distance("castle", "cattle") == 1
    assert edit_distance("lego", "") == 4


def test_short_words_must_match_exactly(catalogue: OpenSearch) -> None:
    catalogue.index(index=INDEX, body={"userId": "u3", "title": "AT", "updatedAt": "2024"}, id="at", refresh=True)
    assert _ids(catalogue.search(index=INDEX, body=_design_query("at", "u3"))) == ["at"]
    assert _ids(catalogue.search(index=INDEX, body=_design_query("ax", "u3"))) == []


def test_get_is_realtime_but_search_waits_for_a_refresh() -> None:
    with OpenSearchStandIn(refresh_interval=3600) as standin:
        client = _client(standin)
        client.indices.create(index=INDEX, body=USER_KEYWORD)
        client.index(index=INDEX, body={"userId": "u1", "title": "Lighthouse"}, id="l1")
        assert client.get(index=INDEX, id="l1")["_source"]["title"] == "Lighthouse"
        assert client.count(index=INDEX)["count"] == 0
        client.indices.refresh(index=INDEX)
        assert _ids(client.search(index=INDEX, body=_design_query("lighthouse", "u1"))) == ["l1"]


def test_bulk_indexes_and_deletes(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin)
    actions = [{"_index": INDEX, "_id": f"m{n}", "_source": {"userId": "u1", "title": f"MOC {n}"}} for n in range(5)]
    assert helpers.bulk(client, actions, refresh=True) == (5, [])
    deletes = [{"_op_type": "delete", "_index": INDEX, "_id": doc_id} for doc_id in ("m0", "m1")]
    assert helpers.bulk(client, deletes) == (2, [])
    assert sorted(opensearch_standin.documents(INDEX)) == ["m2", "m3", "m4"]

    raw = client.bulk(
        body=[{"delete": {"_index": INDEX, "_id": "missing"}}, {"create": {"_index": INDEX, "_id": "m2"}}, {}]
    )
    assert raw["errors"] is True
    assert raw["items"][0]["delete"]["status"] == 404
    assert raw["items"][1]["create"]["error"]["type"] == "version_conflict_engine_exception"

    malformed = [{"index": {"_index": INDEX, "_id": "m9"}}, {"title": "x"}, {"update": {"_index": INDEX, "_id": "m2"}}]
    with pytest.raises(RequestError):
        client.bulk(body=malformed)
    assert sorted(opensearch_standin.documents(INDEX)) == ["m2", "m3", "m4"]  # nothing applied


def test_update_and_delete_by_id(catalogue: OpenSearch, opensearch_standin: OpenSearchStandIn) -> None:
    updated = catalogue.index(index=INDEX, body={"userId": "u1", "title": "Castle Keep"}, id="castle", refresh=True)
    assert (updated["result"], updated["_version"]) == ("updated", 2)
    assert _ids(catalogue.search(index=INDEX, body=_design_query("keep", "u1"))) == ["castle"]
    assert catalogue.delete(index=INDEX, id="castle", refresh=True)["result"] == "deleted"
    assert "castle" not in opensearch_standin.documents(INDEX)
    assert _ids(catalogue.search(index=INDEX, body=_design_query("castle", "u1"))) == []


def test_unsupported_query_is_rejected_loudly(catalogue: OpenSearch) -> None:
    with pytest.raises(RequestError) as raised:
        catalogue.search(index=INDEX, body={"query": {"query_string": {"query": "crane"}}})
    assert raised.value.status_code == 400
    assert "query_string" in str(raised.value.info)


@pytest.mark.fault
def test_refuse_mode_refuses_connects_then_listens_again_on_the_same_port(
    opensearch_standin: OpenSearchStandIn,
) -> None:
    client = _client(opensearch_standin)
    assert client.ping()  # a pooled keep-alive connection now exists

    opensearch_standin.set_mode("refuse")
    with pytest.raises(ConnectionError) as raised:
        client.info()
    assert not isinstance(raised.value, ConnectionTimeout)

    opensearch_standin.set_mode("normal")
    assert client.info()["cluster_name"] == "brickguard-standin"


@pytest.mark.fault
def test_hang_mode_times_out_the_client_then_recovers(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin, timeout=0.5)
    opensearch_standin.set_mode("hang")
    seen = opensearch_standin.request_count
    with pytest.raises(ConnectionTimeout):
        client.info()
    assert opensearch_standin.request_count > seen  # the request arrived; no answer came

    opensearch_standin.set_mode("normal")
    assert client.info()["cluster_name"] == "brickguard-standin"


@pytest.mark.fault
def test_stop_releases_hung_connections() -> None:
    standin = OpenSearchStandIn()
    standin.start()
    standin.set_mode("hang")
    outcome: list[BaseException] = []

    def hung_call() -> None:
        try:
            _client(standin, timeout=60).info()
        except BaseException as error:  # recorded for the assertion below
            outcome.append(error)

    caller = threading.Thread(target=hung_call, daemon=True)
    caller.start()
    while standin.request_count == 0 and caller.is_alive():
        caller.join(0.05)

    standin.stop()

    caller.join(30)
    assert not caller.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ConnectionError)


@pytest.mark.fault
@pytest.mark.parametrize(
    ("mode", "status", "error_type"),
    [("error500", 500, "internal_server_error"), ("error429", 429, "rejected_execution_exception")],
)
def test_error_modes_answer_with_opensearch_error_bodies(
    catalogue: OpenSearch, opensearch_standin: OpenSearchStandIn, mode: str, status: int, error_type: str
) -> None:
    opensearch_standin.set_mode(mode)
    with pytest.raises(TransportError) as raised:
        catalogue.search(index=INDEX, body=_design_query("crane", "u1"))
    assert raised.value.status_code == status
    assert raised.value.error == error_type
    info = raised.value.info
    assert isinstance(info, dict) and info["error"]["root_cause"][0]["type"] == error_type

    opensearch_standin.set_mode("normal")
    assert _ids(catalogue.search(index=INDEX, body=_design_query("crane", "u1"))) == ["crane-new", "crane", "crane-old"]


def test_unknown_mode_is_rejected(opensearch_standin: OpenSearchStandIn) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        opensearch_standin.set_mode("flaky")


def test_a_term_query_on_an_analysed_field_is_refused(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin)
    sub = "0b6e4f2a-Cognito-Sub"
    client.index(index=INDEX, body={"userId": sub, "title": "Crane"}, id="c1", refresh=True)  # dynamic: text
    mapped = client.indices.get_mapping(index=INDEX)[INDEX]["mappings"]["properties"]["userId"]
    assert mapped == {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
    with pytest.raises(RequestError) as raised:
        client.search(index=INDEX, body=_design_query("crane", sub))
    assert raised.value.status_code == 400 and "analysed text field [userId]" in str(raised.value.info)
    keyword = {"query": {"bool": {"filter": [{"term": {"userId.keyword": sub}}]}}}
    assert _ids(client.search(index=INDEX, body=keyword)) == ["c1"]


def test_mappings_are_explicit_strict_and_never_change_type(opensearch_standin: OpenSearchStandIn) -> None:
    client = _client(opensearch_standin)
    body = {"mappings": {"dynamic": "strict", "properties": {"userId": {"type": "keyword"}, "title": {"type": "text"}}}}
    client.indices.create(index=INDEX, body=body)
    assert client.indices.get_mapping(index=INDEX)[INDEX]["mappings"] == body["mappings"]
    with pytest.raises(RequestError) as raised:
        client.index(index=INDEX, body={"userId": "u1", "colour": "red"}, id="x")
    assert raised.value.error == "strict_dynamic_mapping_exception"
    with pytest.raises(RequestError) as raised:
        client.indices.put_mapping(index=INDEX, body={"properties": {"userId": {"type": "text"}}})
    assert "cannot be changed from type [keyword] to [text]" in str(raised.value.info)
    client.indices.put_mapping(index=INDEX, body={"properties": {"colour": {"type": "keyword"}}})
    assert client.index(index=INDEX, body={"userId": "u1", "colour": "red"}, id="x")["result"] == "created"
