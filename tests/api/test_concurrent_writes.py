"""One request's trouble is not an outage: real concurrent writes on real PostgreSQL.

Each test starts its requests together behind a barrier in real threads, so
they contend for the same rows; the assertions are on statuses and data, and
on the PostgreSQL breaker, which must stay closed (it speaks for every user).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from devstack.cognito import local_user_pool
from tests.support.clients import Reply
from tests.support.helpers import moc_body

JOIN_BOUND_S = 60.0


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released at once; their results in order (bounded wait)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_BOUND_S)
    assert not any(thread.is_alive() for thread in threads), "a request did not finish"
    return results


@pytest.fixture
def user() -> str:
    return f"race-{uuid.uuid4().hex[:10]}"


def _create_items(client, user: str, count: int) -> list[str]:
    ids = []
    for n in range(count):
        reply = client.call("POST", "/api/wishlist", json_body={"title": f"Item {n}"}, user=user)
        assert reply.status == 201, reply.text
        ids.append(reply.json["data"]["id"])
    return ids


def test_twenty_concurrent_reorders_all_succeed_and_leave_other_users_alone(api, user):
    client, deps = api
    ids = _create_items(client, user, 8)
    other = f"{user}-other"
    assert client.call("POST", "/api/mocs", json_body=moc_body("Bystander"), user=other).status == 201
    orders = [random.Random(seed).sample(ids, len(ids)) for seed in range(20)]
    calls = [
        lambda order=order: client.call("POST", "/api/wishlist/reorder", json_body={"itemIds": order}, user=user)
        for order in orders
    ]
    calls.append(lambda: client.call("GET", "/api/mocs", user=other))
    replies: list[Reply] = together(calls)
    assert [reply.status for reply in replies] == [200] * 21, [r.text for r in replies if r.status != 200]
    assert deps.breakers["postgres"].state == "closed"
    final = client.call("GET", "/api/wishlist", user=user).json["data"]
    keys = [item["sortOrder"] for item in final]
    assert keys == sorted(keys, key=str.encode) and len(set(keys)) == 8  # string keys in the listed order
    assert [item["id"] for item in final] in orders  # one reorder won, whole


def test_concurrent_patch_and_delete_of_one_item_never_500(api, user):
    client, _deps = api
    for _round in range(5):
        (item,) = _create_items(client, user, 1)
        calls = [
            lambda n=n, item=item: client.call(
                "PATCH", f"/api/wishlist/{item}", json_body={"title": f"Renamed {n}"}, user=user
            )
            for n in range(8)
        ]
        calls.insert(4, lambda item=item: client.call("DELETE", f"/api/wishlist/{item}", user=user))
        replies: list[Reply] = together(calls)
        statuses = [reply.status for reply in replies]
        assert set(statuses) <= {200, 404}, [r.text for r in replies if r.status not in (200, 404)]
        assert statuses[4] == 200  # the DELETE itself always wins eventually
        assert client.call("GET", f"/api/wishlist/{item}", user=user).status == 404


def test_second_of_two_concurrent_deletes_is_a_404(api, user):
    client, _deps = api
    for _round in range(5):
        created = client.call("POST", "/api/mocs", json_body=moc_body(f"Doomed {uuid.uuid4().hex[:6]}"), user=user)
        path = f"/api/mocs/{created.json['data']['id']}"
        replies = together([lambda path=path: client.call("DELETE", path, user=user)] * 2)
        assert sorted(reply.status for reply in replies) == [200, 404], [r.text for r in replies]


def test_first_concurrent_patches_of_a_profile_all_succeed(api, user, local_s3, user_pool_id):
    client, _deps = api
    local_user_pool.ensure_user(local_s3.endpoint, user_pool_id, user)
    names = [f"Name {n}" for n in range(8)]
    replies = together(
        [
            lambda name=name: client.call("PATCH", f"/api/users/{user}", json_body={"name": name}, user=user)
            for name in names
        ]
    )
    assert [reply.status for reply in replies] == [200] * 8, [r.text for r in replies if r.status != 200]
    assert client.call("GET", f"/api/users/{user}", user=user).json["data"]["name"] in names


def test_concurrent_creates_get_distinct_sort_orders(api, user):
    client, _deps = api
    replies = together(
        [
            lambda n=n: client.call("POST", "/api/wishlist", json_body={"title": f"Wish {n}"}, user=user)
            for n in range(10)
        ]
    )
    assert [reply.status for reply in replies] == [201] * 10
    assert len({reply.json["data"]["sortOrder"] for reply in replies}) == 10


def test_a_deadlock_is_retried_and_never_opens_the_breaker(api):
    """Two transactions lock two rows in opposite orders: PostgreSQL kills one, it is run again."""
    _client, deps = api
    database = deps.database
    table = f"deadlock_{uuid.uuid4().hex[:8]}"
    with database.session() as session:
        session.execute(text(f"CREATE TABLE {table} (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)"))
        session.execute(text(f"INSERT INTO {table} (id) VALUES (1), (2)"))
        session.commit()
    first_locks = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}

    def transfer(name: str, first: int, second: int) -> str:
        def work(session) -> str:
            attempts[name] += 1
            session.execute(text(f"UPDATE {table} SET n = n + 1 WHERE id = :id"), {"id": first})
            if attempts[name] == 1:
                first_locks.wait(timeout=JOIN_BOUND_S)  # both hold their first row: the next step deadlocks
            session.execute(text(f"UPDATE {table} SET n = n + 1 WHERE id = :id"), {"id": second})
            session.commit()
            return name

        return database.write(work)

    results = together([lambda: transfer("a", 1, 2), lambda: transfer("b", 2, 1)])
    assert sorted(results) == ["a", "b"]
    assert sorted(attempts.values()) == [1, 2]  # exactly one was chosen as the deadlock victim and rerun
    with database.session() as session:
        assert session.execute(text(f"SELECT sum(n) FROM {table}")).scalar() == 4
        session.execute(text(f"DROP TABLE {table}"))
        session.commit()
    snapshot = deps.breakers["postgres"].snapshot()
    assert snapshot["state"] == "closed"
    assert snapshot["failures"] == snapshot["slow_calls"]  # the deadlock itself never counts (slowness may)
