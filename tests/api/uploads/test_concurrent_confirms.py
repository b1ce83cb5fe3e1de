"""One presigned upload, one resource, whatever the concurrency (issue 22, item 2).

Six confirm calls of one ``uploadId`` start together — in-process through the real handlers from
six threads, and over HTTP against ``brickguard up`` — on the session's real PostgreSQL and local
S3: exactly one succeeds, the others are the 404 a later confirm gets, and one resource exists.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.clients import ExpressClient, Reply
from tests.support.helpers import moc_body
from tests.support.uploads import send_to_s3, two_colour_jpeg

CONFIRMS = 6
BIG_PDF = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n"


@pytest.fixture(params=["lambda", "express"])
def client(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"{request.param}_client")


def _together(client, call: Callable[[object], Reply]) -> list[Reply]:
    """``call(a client)`` from :data:`CONFIRMS` threads released at once, each with its own connection."""
    start = threading.Barrier(CONFIRMS)

    def one(_: int) -> Reply:
        own = type(client)(client.base_url, client._mint) if isinstance(client, ExpressClient) else client
        start.wait(timeout=30)
        return call(own)

    with ThreadPoolExecutor(CONFIRMS) as pool:
        return list(pool.map(one, range(CONFIRMS)))


def _offer(client, user: str, path: str, content_type: str, data: bytes) -> str:
    reply = client.call("POST", path, user=user, json_body={"contentType": content_type})
    assert reply.status == 200, reply.text
    offer = reply.json["data"]
    send_to_s3(offer, data, content_type)
    return offer["uploadId"]


def _statuses(replies: list[Reply], success: int) -> None:
    statuses = sorted(reply.status for reply in replies)
    assert statuses == sorted([success] + [404] * (CONFIRMS - 1)), [(r.status, r.text[:120]) for r in replies]
    for reply in replies:
        if reply.status == 404:
            assert reply.json["error"]["code"] == "NOT_FOUND"


def test_concurrent_confirms_of_one_image_upload_make_one_image(client, user) -> None:
    upload_id = _offer(client, user, "/api/images/upload-url", "image/jpeg", two_colour_jpeg(800, 600))
    body = {"uploadId": upload_id, "title": "Once"}
    _statuses(_together(client, lambda own: own.call("POST", "/api/images/confirm", user=user, json_body=body)), 201)
    images = client.call("GET", "/api/images", user=user).json
    assert [image["title"] for image in images["data"]] == ["Once"] and images["total"] == 1


def test_concurrent_confirms_of_one_moc_file_attach_one_file(client, user) -> None:
    moc = client.call("POST", "/api/mocs", user=user, json_body=moc_body("Confirmed once")).json["data"]["id"]
    upload_id = _offer(client, user, f"/api/mocs/{moc}/files/upload-url", "application/pdf", BIG_PDF)
    path = f"/api/mocs/{moc}/files/confirm"
    body = {"uploadId": upload_id, "filename": "manual.pdf"}
    _statuses(_together(client, lambda own: own.call("POST", path, user=user, json_body=body)), 201)
    assert len(client.call("GET", f"/api/mocs/{moc}", user=user).json["data"]["files"]) == 1


def test_concurrent_confirms_of_one_wishlist_image_succeed_once(client, user) -> None:
    item = client.call("POST", "/api/wishlist", user=user, json_body={"title": "Falcon"}).json["data"]["id"]
    base = f"/api/wishlist/{item}/image"
    upload_id = _offer(client, user, f"{base}/upload-url", "image/jpeg", two_colour_jpeg(900, 300))
    body = {"uploadId": upload_id}
    _statuses(_together(client, lambda own: own.call("POST", f"{base}/confirm", user=user, json_body=body)), 200)


def test_concurrent_confirms_of_one_avatar_succeed_once(client, user) -> None:
    base = f"/api/users/{user}/avatar"
    upload_id = _offer(client, user, f"{base}/upload-url", "image/jpeg", two_colour_jpeg(300, 300))
    body = {"uploadId": upload_id}
    _statuses(_together(client, lambda own: own.call("POST", f"{base}/confirm", user=user, json_body=body)), 200)


def test_a_confirm_that_failed_for_an_outage_can_be_made_again(lambda_client, user, monkeypatch) -> None:
    from api.services import image_uploads
    from runtime.errors import ServiceUnavailable

    upload_id = _offer(lambda_client, user, "/api/images/upload-url", "image/jpeg", two_colour_jpeg(64, 64))
    store = image_uploads.store_gallery_image

    def outage(*args, **kwargs):
        monkeypatch.setattr(image_uploads, "store_gallery_image", store)
        raise ServiceUnavailable("Database unavailable", retry_after=1)

    monkeypatch.setattr(image_uploads, "store_gallery_image", outage)
    body = {"uploadId": upload_id, "title": "Later"}
    failed = lambda_client.call("POST", "/api/images/confirm", user=user, json_body=body)
    assert failed.status == 503, failed.text
    again = lambda_client.call("POST", "/api/images/confirm", user=user, json_body=body)
    assert again.status == 201, again.text
