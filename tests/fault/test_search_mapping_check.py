"""A hung OpenSearch at the moment a process first checks its index mappings stalls one search, not the server.

The mapping check (``api.adapters.search_index.MappingGate``) runs inside a user's search
when nothing checked before — a process whose earlier searches were all answered
from the cache. In the open-loop benchmark with the search backend hung, every
worker thread made its own check with a 2 s timeout and the server answered
nothing for 2 s (259 and 549 requests over 150 ms in two runs). Now the check is
bounded by the search's own timeout, so a cold gate costs a search no more than
the search call itself, and its failure counts against the breaker. Reproduced
with the real client against the stand-in in ``hang`` mode; what is checked is
the timeout the check was given, not how long anything took.
"""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionTimeout

from api.adapters.search_index import INDICES, MappingGate, init_indices, search_ids
from guards.errors import is_dependency_failure
from tests.support.opensearch_standin import OpenSearchStandIn

pytestmark = pytest.mark.fault

SUB = "b1c2d3e4-mapping-check"
HANG_BOUND_S = 30.0  # only a hang reaches it


class MappingCalls:
    """Records each ``indices.get_mapping`` call's timeout, then makes the real call."""

    def __init__(self, client: OpenSearch) -> None:
        self.timeouts: list[Any] = []
        self._real = client.indices.get_mapping
        client.indices.get_mapping = self  # type: ignore[method-assign]

    def __call__(self, **kwargs: Any) -> Any:
        self.timeouts.append(kwargs.get("request_timeout"))
        return self._real(**kwargs)


@pytest.fixture
def client(opensearch_standin: OpenSearchStandIn) -> OpenSearch:
    client = OpenSearch(hosts=[opensearch_standin.url], timeout=HANG_BOUND_S, max_retries=0)
    init_indices(client)
    return client


def test_the_mapping_check_inside_a_search_is_bounded_by_the_search_timeout(client, opensearch_standin, monkeypatch):
    gate = MappingGate()
    monkeypatch.setattr("api.adapters.search_index.mapping_gate", gate)
    calls = MappingCalls(client)
    opensearch_standin.set_mode("hang")
    with pytest.raises(ConnectionTimeout) as failure:
        search_ids(client, INDICES[0], SUB, "crane", offset=0, size=10, timeout=0.05)
    opensearch_standin.set_mode("normal")

    assert calls.timeouts == [0.05]  # not the 2 s a check nobody waits on may take
    assert is_dependency_failure(failure.value)  # the search's breaker counts it

    assert search_ids(client, INDICES[0], SUB, "crane", offset=0, size=10, timeout=HANG_BOUND_S) == ([], 0)
    assert calls.timeouts[1:] == [HANG_BOUND_S] * len(INDICES)  # checked once more, now passing, for every index
    search_ids(client, INDICES[0], SUB, "crane", offset=0, size=10, timeout=HANG_BOUND_S)
    assert len(calls.timeouts) == 1 + len(INDICES)  # and never again
