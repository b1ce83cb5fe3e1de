"""Parity's diffing on scripted backends: noise ignored, real differences reported per route."""

from __future__ import annotations

import itertools

from rollout.parity import ParityRun, Step, flatten

counter = itertools.count()


def scripted(serverless_quirk: bool):
    """Two backends over one 'database'; serverless spells one field differently when asked to."""
    made: dict[str, str] = {}

    def send(backend, method, path, body, user):
        stamp = f"2026-11-29T12:00:{next(counter) % 60:02d}Z"
        if method == "POST":
            new_id = f"id-{next(counter)}"
            made[new_id] = user
            return 201, {"success": True, "data": {"id": new_id, "userId": user, "createdAt": stamp}}
        if path.startswith("/api/mocs/") and method == "GET":
            data = {"id": path.rsplit("/", 1)[1], "userId": made.get(path.rsplit("/", 1)[1], user), "title": "T"}
            if serverless_quirk and backend == "serverless":
                data["title"] = "t"
            return 200, {"success": True, "data": data}
        if path == "/api/mocs?limit=1":
            return 200, {"success": True, "data": [{"id": "m1"}]}
        return 400, {"error": {"code": "VALIDATION_ERROR", "requestId": f"r-{next(counter)}", "timestamp": stamp}}

    return send


READS = (Step("GET", "/api/mocs/{moc}"), Step("GET", "/api/mocs?limit=0"))
WRITES = (Step("POST", "/api/mocs", {"title": "x"}, capture="moc"), Step("GET", "/api/mocs/{moc}"))


def test_identical_backends_have_only_noise():
    report = ParityRun(scripted(False), read_user="demo").run(READS, WRITES)
    assert report.unexplained == 0 and report.compared == 16
    assert report.routes["GET /api/mocs?limit=0"].noise == {"body.error.requestId", "body.error.timestamp"}
    assert report.routes["POST /api/mocs"].noise == {"body.data.createdAt"}  # created ids became <moc>


def test_a_field_that_differs_only_between_backends_is_reported_with_both_values():
    report = ParityRun(scripted(True), read_user="demo").run(READS, WRITES)
    differences = report.routes["GET /api/mocs/{moc}"].differences
    assert differences == {"body.data.title": {"express": "T", "serverless": "t"}}
    assert report.unexplained == 1


def test_list_elements_share_one_field_path():
    flat = flatten({"data": [{"id": 1}, {"id": 2}]})
    assert flat == {"data[].length": 2, "data[].id": (1, 2)}


def test_one_shared_user_runs_every_write_slot_under_titles_of_its_own():
    """A deployed pool gives the operator's one user: the four write sequences must not collide on a title."""
    titles: dict[str, str] = {}  # title -> user: a MOC title is unique per user (409 otherwise)
    users_seen = set()

    def send(backend, method, path, body, user):
        users_seen.add(user)
        if method == "POST":
            if titles.get(body["title"]) == user:
                return 409, {"error": {"code": "CONFLICT"}}
            titles[body["title"]] = user
            return 201, {"success": True, "data": {"id": f"id-{next(counter)}", "title": body["title"]}}
        return 200, {"success": True, "data": []}

    writes = (Step("POST", "/api/mocs", {"title": "Parity castle {slot}"}, capture="moc"),
              Step("POST", "/api/mocs", {"title": "Parity castle {slot}"}))  # the same slot again: 409
    report = ParityRun(send, read_user="operator-sub", shared_user="operator-sub").run((), writes)
    assert users_seen == {"operator-sub"} and len(titles) == 4
    assert report.unexplained == 0 and report.compared == 8
    assert "body.data.title" not in report.routes["POST /api/mocs"].noise  # "Parity castle <slot>" on every slot
