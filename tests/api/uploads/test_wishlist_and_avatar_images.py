"""Wishlist item images (800 px) and avatars (256x256, centre-cropped), both backends, on S3 (moto).

Each has one key, replaced in place; whatever stops naming it (image removed, item deleted, a
link PATCHed over it, avatar removed) deletes the object through the outbox.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from api.uploads.upload_limits import DIRECT_UPLOAD_MAX_BYTES
from guards import outbox
from tests.conftest import LocalS3
from tests.support.helpers import assert_envelope
from tests.support.uploads import (
    BLUE,
    RED,
    assert_delete_waits_in_the_outbox_for_s3,
    body_of_exactly,
    close_to,
    object_exists,
    png,
    read_image,
    send_to_s3,
    staged_uploads,
    two_colour_jpeg,
    upload,
)
from tests.support.waiting import wait_until

GREEN = (20, 200, 20)


def _item(client, user: str, title: str = "Millennium Falcon") -> str:
    reply = client.call("POST", "/api/wishlist", user=user, json_body={"title": title})
    assert reply.status == 201, reply.text
    return reply.json["data"]["id"]


def _key(url: str, bucket: str) -> str:
    """The object key of a versioned URL (``{base}/{bucket}/{key}?v={digest}``)."""
    path, _, version = url.partition("?v=")
    assert len(version) == 16, url
    return path.split(f"/{bucket}/", 1)[1]


def _thirds(width: int, height: int) -> bytes:
    """Red left third, green middle third, blue right third."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), GREEN)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 3, height), fill=RED)
    draw.rectangle((2 * width // 3, 0, width, height), fill=BLUE)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _stored(client, user: str, path: str, field: str, part: tuple, local_s3: LocalS3) -> tuple[str, str, Any]:
    """Upload ``part`` to ``path``: the URL the answer names in ``field``, its key, the image stored there."""
    reply = upload(client, path, user, {}, [part])
    assert reply.status == 200, reply.text
    url = reply.json["data"][field]
    key = _key(url, local_s3.bucket)
    return url, key, read_image(local_s3.client(), local_s3.bucket, key)


def test_a_wishlist_image_is_stored_upright_at_800_pixels_and_replaced_in_place(
    client, user, local_s3: LocalS3
) -> None:
    item = _item(client, user)
    path = f"/api/wishlist/{item}/image"
    photo = two_colour_jpeg(1600, 1000, orientation=6)  # upright it is 1000x1600 portrait
    first_url, key, stored = _stored(client, user, path, "imageUrl", ("file", "f.jpg", photo, "image/jpeg"), local_s3)
    assert key == f"wishlist/{user}/{item}.webp"
    assert stored.format == "WEBP" and stored.size == (800, 1280)
    assert close_to(stored.getpixel((780, 640)), RED) and close_to(stored.getpixel((20, 640)), BLUE)  # turned
    assert not stored.getexif() and "icc_profile" not in stored.info
    assert client.call("GET", f"/api/wishlist/{item}", user=user).json["data"]["imageUrl"] == first_url

    second_url, second_key, replaced = _stored(
        client, user, path, "imageUrl", ("file", "b.png", png(300, 200), "image/png"), local_s3
    )
    assert second_key == key and second_url != first_url  # same key, new version
    assert replaced.size == (300, 200)  # never enlarged
    listed = client.call("GET", "/api/wishlist", user=user).json["data"]
    assert [entry["imageUrl"] for entry in listed] == [second_url]


def test_removing_replacing_by_a_link_or_deleting_the_item_deletes_the_object(
    client, user, local_s3: LocalS3
) -> None:
    s3 = local_s3.client()
    photo = [("file", "a.png", png(40, 30), "image/png")]
    removed, linked, deleted = _item(client, user, "A"), _item(client, user, "B"), _item(client, user, "C")
    for item in (removed, linked, deleted):
        assert upload(client, f"/api/wishlist/{item}/image", user, {}, photo).status == 200
        assert object_exists(s3, local_s3.bucket, f"wishlist/{user}/{item}.webp")

    reply = client.call("DELETE", f"/api/wishlist/{removed}/image", user=user)
    assert reply.status == 200 and "imageUrl" not in reply.json["data"]
    reply = client.call("PATCH", f"/api/wishlist/{linked}", user=user, json_body={"imageUrl": "https://e.x/b.jpg"})
    assert reply.status == 200 and reply.json["data"]["imageUrl"] == "https://e.x/b.jpg"
    assert client.call("DELETE", f"/api/wishlist/{deleted}", user=user).status == 200
    for item in (removed, linked, deleted):
        assert not object_exists(s3, local_s3.bucket, f"wishlist/{user}/{item}.webp"), item


def test_a_patch_that_keeps_the_image_keeps_the_object(client, user, local_s3: LocalS3) -> None:
    item = _item(client, user)
    stored = upload(client, f"/api/wishlist/{item}/image", user, {}, [("file", "a.png", png(40, 30), "image/png")])
    same = {"title": "Renamed", "imageUrl": stored.json["data"]["imageUrl"]}
    reply = client.call("PATCH", f"/api/wishlist/{item}", user=user, json_body=same)
    assert reply.status == 200, reply.text
    assert object_exists(local_s3.client(), local_s3.bucket, f"wishlist/{user}/{item}.webp")


def test_a_failed_delete_of_an_items_image_stays_in_the_outbox_until_s3_is_back(
    lambda_client, api_dependencies, user, local_s3: LocalS3
) -> None:
    item = _item(lambda_client, user)
    upload(lambda_client, f"/api/wishlist/{item}/image", user, {}, [("file", "a.png", png(32, 32), "image/png")])
    assert_delete_waits_in_the_outbox_for_s3(
        api_dependencies,
        local_s3,
        f"wishlist/{user}/{item}.webp",
        lambda: lambda_client.call("DELETE", f"/api/wishlist/{item}", user=user),
    )


@pytest.mark.parametrize(
    ("fields", "files", "status"),
    [
        ({}, [("file", "a.gif", b"GIF89a not taken", "image/jpeg")], 400),
        ({}, [("file", "a.jpg", two_colour_jpeg(64, 48)[:300], "image/jpeg")], 400),
        ({"title": "x"}, [("file", "a.png", png(8, 8), "image/png")], 400),
        ({}, [], 400),
        ({}, [("file", "a.png", png(8, 8), "image/png")] * 2, 400),
    ],
    ids=["gif", "truncated", "extra-field", "no-file", "two-files"],
)
def test_bad_wishlist_images_and_avatars_are_a_400_and_store_nothing(
    client, user, local_s3: LocalS3, fields, files, status
) -> None:
    item = _item(client, user)
    assert_envelope(upload(client, f"/api/wishlist/{item}/image", user, fields, files), status, "VALIDATION_ERROR")
    assert_envelope(upload(client, f"/api/users/{user}/avatar", user, fields, files), status, "VALIDATION_ERROR")
    assert client.call("GET", f"/api/wishlist/{item}", user=user).json["data"].get("imageUrl") is None
    assert client.call("GET", f"/api/users/{user}", user=user).json["data"].get("picture") is None
    s3 = local_s3.client()
    assert not object_exists(s3, local_s3.bucket, f"wishlist/{user}/")
    assert not object_exists(s3, local_s3.bucket, f"avatars/{user}/")


def test_someone_elses_item_or_profile_is_refused_before_anything_is_stored(client, user, local_s3) -> None:
    item = _item(client, "owner-" + user)
    photo = [("file", "a.png", png(16, 16), "image/png")]
    assert_envelope(upload(client, f"/api/wishlist/{item}/image", user, {}, photo), 404, "NOT_FOUND")
    assert_envelope(client.call("DELETE", f"/api/wishlist/{item}/image", user=user), 404, "NOT_FOUND")
    assert_envelope(upload(client, f"/api/users/owner-{user}/avatar", user, {}, photo), 403, "FORBIDDEN")
    assert_envelope(client.call("DELETE", f"/api/users/owner-{user}/avatar", user=user), 403, "FORBIDDEN")
    s3 = local_s3.client()
    assert not object_exists(s3, local_s3.bucket, f"wishlist/{user}/")
    assert not object_exists(s3, local_s3.bucket, f"wishlist/owner-{user}/")
    assert not object_exists(s3, local_s3.bucket, f"avatars/owner-{user}/")


def test_an_avatar_is_a_256_pixel_centre_crop_replaced_in_place_and_deleted(client, user, local_s3: LocalS3) -> None:
    path = f"/api/users/{user}/avatar"
    part = ("file", "me.png", _thirds(900, 300), "image/png")
    first_url, key, avatar = _stored(client, user, path, "picture", part, local_s3)
    assert key == f"avatars/{user}/avatar.webp"
    assert avatar.format == "WEBP" and avatar.size == (256, 256)
    assert all(close_to(avatar.getpixel(corner), GREEN) for corner in ((3, 3), (252, 3), (3, 252), (252, 252)))
    assert client.call("GET", f"/api/users/{user}", user=user).json["data"]["picture"] == first_url

    second_url, second_key, small = _stored(
        client, user, path, "picture", ("file", "s.png", png(64, 32, RED), "image/png"), local_s3
    )
    assert second_key == key and second_url != first_url
    assert small.size == (256, 256)  # enlarged to the square

    removed = client.call("DELETE", f"/api/users/{user}/avatar", user=user)
    assert removed.status == 200 and removed.json["data"].get("picture") is None
    assert not object_exists(local_s3.client(), local_s3.bucket, key)
    assert client.call("GET", f"/api/users/{user}", user=user).json["data"].get("picture") is None


@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["below", "at", "above"])
def test_the_direct_ceiling_holds_for_wishlist_images_and_avatars(client, user, offset: int) -> None:
    item = _item(client, user)
    body, headers = body_of_exactly(DIRECT_UPLOAD_MAX_BYTES + offset, {})
    for path in (f"/api/wishlist/{item}/image", f"/api/users/{user}/avatar"):
        reply = client.call("POST", path, user=user, raw_body=body, headers=headers)
        if offset <= 0:
            error = assert_envelope(reply, 400, "VALIDATION_ERROR")  # read and judged: a signature, then zeros
            assert "JPEG" in error["message"], path
        else:
            error = assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")
            assert "upload-url" in error["message"], path


def test_images_over_the_ceiling_go_through_a_presigned_upload(client, user, local_s3: LocalS3) -> None:
    item = _item(client, user)
    photo = two_colour_jpeg(1200, 600)
    for base, field in ((f"/api/wishlist/{item}/image", "imageUrl"), (f"/api/users/{user}/avatar", "picture")):
        offer = client.call("POST", f"{base}/upload-url", user=user, json_body={"contentType": "image/jpeg"})
        assert offer.status == 200, offer.text
        send_to_s3(offer.json["data"], photo, "image/jpeg")
        confirmed = client.call("POST", f"{base}/confirm", user=user,
                                json_body={"uploadId": offer.json["data"]["uploadId"]})
        assert confirmed.status == 200, confirmed.text
        stored = read_image(local_s3.client(), local_s3.bucket, _key(confirmed.json["data"][field], local_s3.bucket))
        assert stored.size == ((800, 400) if field == "imageUrl" else (256, 256))
    assert staged_uploads(local_s3, user) == 0
    other = _item(client, "owner-" + user)
    refused = client.call("POST", f"/api/wishlist/{other}/image/upload-url", user=user,
                          json_body={"contentType": "image/png"})
    assert_envelope(refused, 404, "NOT_FOUND")


def test_an_avatar_that_cannot_be_recorded_is_a_503_and_leaves_the_avatar_as_it_was(
    lambda_client, api_dependencies, user, local_s3: LocalS3
) -> None:
    """The object is written inside the row's transaction: no row, no new object over the old one."""
    path = f"/api/users/{user}/avatar"
    part = ("file", "a.png", png(40, 40, GREEN), "image/png")
    first_url, key, _ = _stored(lambda_client, user, path, "picture", part, local_s3)
    api_dependencies.breakers.force("postgres", "open")
    try:
        reply = upload(lambda_client, path, user, {}, [("file", "b.png", png(50, 30, BLUE), "image/png")])
    finally:
        api_dependencies.breakers.force("postgres", None)
    assert_envelope(reply, 503, "SERVICE_UNAVAILABLE")
    assert close_to(read_image(local_s3.client(), local_s3.bucket, key).getpixel((128, 128)), GREEN)
    assert lambda_client.call("GET", path.rsplit("/", 1)[0], user=user).json["data"]["picture"] == first_url


@pytest.mark.parametrize("kind", ["wishlist", "avatar"])
def test_a_new_upload_outlives_a_pending_delete_of_the_same_key(
    lambda_client, api_dependencies, user, local_s3: LocalS3, kind: str
) -> None:
    """Remove the image while S3 refuses (its delete waits in the outbox), upload a new one: the new one stays."""
    path = f"/api/wishlist/{_item(lambda_client, user)}/image" if kind == "wishlist" else f"/api/users/{user}/avatar"
    field = "imageUrl" if kind == "wishlist" else "picture"
    _, key, _ = _stored(lambda_client, user, path, field, ("file", "old.png", png(40, 40), "image/png"), local_s3)
    api_dependencies.breakers.force("s3", "open")
    try:
        assert lambda_client.call("DELETE", path, user=user).status == 200
        assert api_dependencies.outbox.pending()[outbox.STORAGE] >= 1  # the delete of the key waits
    finally:
        api_dependencies.breakers.force("s3", None)
    new_url, _, new = _stored(lambda_client, user, path, field, ("file", "new.png", png(60, 30, RED), "image/png"),
                              local_s3)
    assert api_dependencies.outbox.drain([outbox.STORAGE]).pending[outbox.STORAGE] == 0
    assert object_exists(local_s3.client(), local_s3.bucket, key), "the pending delete removed the new upload"
    assert new.size == ((60, 30) if kind == "wishlist" else (256, 256))
    current = lambda_client.call("GET", path.rsplit("/", 1)[0], user=user).json["data"][field]
    assert current == new_url


def test_an_upload_waits_for_a_drain_deleting_the_same_key_and_then_writes_its_object(
    lambda_client, api_dependencies, user, local_s3: LocalS3
) -> None:
    """A drain applying the previous picture's delete holds the entry: the upload waits, then writes after it."""
    from sqlalchemy import text

    item = _item(lambda_client, user)
    path = f"/api/wishlist/{item}/image"
    _, key, _ = _stored(lambda_client, user, path, "imageUrl", ("file", "old.png", png(40, 40), "image/png"), local_s3)
    api_dependencies.breakers.force("s3", "open")
    try:
        assert lambda_client.call("DELETE", path, user=user).status == 200
    finally:
        api_dependencies.breakers.force("s3", None)
    engine = api_dependencies.database.engine
    replies: list = []
    with engine.connect() as drain:  # plays a drain in the middle of applying the entry
        drain.begin()
        (entry,) = drain.execute(
            text("SELECT id FROM brickguard_outbox WHERE target = 'storage' AND payload::jsonb = CAST(:p AS jsonb) "
                 "FOR UPDATE"), {"p": f'{{"keys": ["{key}"]}}'}
        ).scalars()
        uploader = threading.Thread(target=lambda: replies.append(
            upload(lambda_client, path, user, {}, [("file", "new.png", png(60, 30, RED), "image/png")])
        ))
        uploader.start()
        _wait_until_blocked_on_a_lock(engine, drain)
        local_s3.client().delete_object(Bucket=local_s3.bucket, Key=key)  # the drain's S3 delete
        drain.execute(text("DELETE FROM brickguard_outbox WHERE id = :id"), {"id": entry})
        drain.commit()
    uploader.join(30)
    assert replies and replies[0].status == 200, replies
    assert read_image(local_s3.client(), local_s3.bucket, key).size == (60, 30)


def _wait_until_blocked_on_a_lock(engine, holder, timeout_s: float = 20.0) -> None:
    """Until another session waits for a lock that ``holder``'s transaction holds (bounded)."""
    from sqlalchemy import text

    holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with engine.connect() as watcher:

        def blocked() -> int:
            count = watcher.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
                {"pid": holder_pid},
            ).scalar_one()
            watcher.rollback()
            return count

        wait_until(blocked, "the upload to wait for the entry the drain holds", limit=timeout_s, step=0.02)
