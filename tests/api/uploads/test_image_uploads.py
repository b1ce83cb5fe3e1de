"""Gallery image uploads, both backends: resized WebP on S3 (moto), judged by content, deleted via the outbox."""

from __future__ import annotations

import struct
import zlib

import pytest

from api.uploads.upload_limits import DIRECT_UPLOAD_MAX_BYTES
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
    s3_key,
    two_colour_jpeg,
    upload,
)


def test_an_upload_is_stored_upright_resized_and_without_metadata(client, user, local_s3: LocalS3) -> None:
    # 3000x2000 landscape pixels with EXIF orientation 6: the camera was held upright (portrait)
    photo = two_colour_jpeg(3000, 2000, orientation=6)
    reply = upload(client, "/api/images", user, {"title": "Castle", "tags": ["castle", "grey"]},
                   [("file", "castle.jpg", photo, "image/jpeg")])
    assert reply.status == 201, reply.text
    data = reply.json["data"]
    assert data["title"] == "Castle" and data["tags"] == ["castle", "grey"] and data["userId"] == user
    image_key = s3_key(data["imageUrl"], local_s3.bucket)
    thumbnail_key = s3_key(data["thumbnailUrl"], local_s3.bucket)
    assert image_key == f"images/{user}/{data['id']}.webp"
    assert thumbnail_key == f"images/{user}/thumbnails/{data['id']}.webp"

    s3 = local_s3.client()
    full = read_image(s3, local_s3.bucket, image_key)
    thumbnail = read_image(s3, local_s3.bucket, thumbnail_key)
    assert full.format == "WEBP" and thumbnail.format == "WEBP"
    assert full.size == (2000, 3000)  # upright portrait; not wider than 2048, so not scaled
    assert thumbnail.size == (400, 600)
    # orientation 6 rotates 90° clockwise: the red top of the stored pixels ends on the right
    assert close_to(full.getpixel((1900, 1500)), RED) and close_to(full.getpixel((100, 1500)), BLUE)
    assert not full.getexif() and "icc_profile" not in full.info and "xmp" not in full.info
    head = s3.head_object(Bucket=local_s3.bucket, Key=image_key)
    assert head["ContentType"] == "image/webp"


def test_a_wide_image_is_scaled_to_2048_pixels(client, user, local_s3: LocalS3) -> None:
    reply = upload(client, "/api/images", user, {"title": "Wide"},
                   [("file", "wide.jpg", two_colour_jpeg(4096, 1024), "image/jpeg")])
    assert reply.status == 201, reply.text
    full = read_image(local_s3.client(), local_s3.bucket, s3_key(reply.json["data"]["imageUrl"], local_s3.bucket))
    assert full.size == (2048, 512)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width``x``height`` in its IHDR and carries almost no data: a decompression bomb."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "claimed_type", "message"),
    [
        (b"GIF89a not what we take", "image/jpeg", "not a JPEG, PNG or WebP"),
        (b"%PDF-1.7 a pdf", "image/png", "not a JPEG, PNG or WebP"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "image/jpeg", "JPEG"),
        (_png_header_only(30_000, 30_000), "image/png", "pixels"),
        (_png_header_only(60_000, 60_000), "image/png", "pixels"),
        (two_colour_jpeg(400, 300)[:600], "image/jpeg", "JPEG"),
    ],
    ids=["gif-named-jpeg", "pdf-named-png", "jpeg-signature-only", "bomb-30k", "bomb-60k", "truncated-jpeg"],
)
def test_images_are_judged_by_content_not_by_their_claimed_type(client, user, data, claimed_type, message) -> None:
    reply = upload(client, "/api/images", user, {"title": "Bad"}, [("file", "photo.jpg", data, claimed_type)])
    error = assert_envelope(reply, 400, "VALIDATION_ERROR")
    assert message in error["message"]
    listing = client.call("GET", "/api/images", user=user)
    assert listing.json["total"] == 0  # nothing recorded


@pytest.mark.parametrize(
    ("fields", "files", "status", "code"),
    [
        ({"title": "No file"}, [], 400, "VALIDATION_ERROR"),
        ({}, [("file", "a.jpg", b"x", "image/jpeg")], 400, "VALIDATION_ERROR"),
        ({"title": "Two"}, [("file", "a.jpg", b"x", "image/jpeg")] * 2, 400, "VALIDATION_ERROR"),
        ({"title": "Stray"}, [("photo", "a.jpg", b"x", "image/jpeg")], 400, "VALIDATION_ERROR"),
        ({"title": "Empty"}, [("file", "a.jpg", b"", "image/jpeg")], 400, "VALIDATION_ERROR"),
        ({"title": "x", "flagged": "true"}, [("file", "a.jpg", b"x", "image/jpeg")], 400, "VALIDATION_ERROR"),
        ({"title": "x", "albumId": "not-a-uuid"}, [("file", "a.jpg", b"x", "image/jpeg")], 400, "VALIDATION_ERROR"),
    ],
    ids=["no-file", "no-title", "two-files", "wrong-field", "empty-file", "unknown-field", "bad-album-id"],
)
def test_malformed_forms_are_a_400(client, user, fields, files, status, code) -> None:
    assert_envelope(upload(client, "/api/images", user, fields, files), status, code)


def test_a_broken_multipart_body_is_a_400_and_another_type_a_415(client, user) -> None:
    broken = client.call("POST", "/api/images", user=user, raw_body=b"--xyz\r\nno headers end",
                         headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert_envelope(broken, 400, "VALIDATION_ERROR")
    no_boundary = client.call("POST", "/api/images", user=user, raw_body=b"--x--",
                              headers={"Content-Type": "multipart/form-data"})
    assert_envelope(no_boundary, 400, "VALIDATION_ERROR")
    other = client.call("POST", "/api/images", user=user, raw_body=b"\x89PNG", headers={"Content-Type": "image/png"})
    assert_envelope(other, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_json_still_records_an_image_hosted_elsewhere(client, user) -> None:
    reply = client.call("POST", "/api/images", user=user, json_body={"title": "Linked", "imageUrl": "https://e.x/a.jpg"})
    assert reply.status == 201, reply.text
    assert reply.json["data"]["imageUrl"] == "https://e.x/a.jpg"
    assert_envelope(client.call("POST", "/api/images", user=user, json_body={"title": "No url"}), 400,
                    "VALIDATION_ERROR")


@pytest.mark.parametrize("offset", [-1, 0], ids=["below", "at"])
def test_a_body_up_to_the_direct_ceiling_reaches_the_function(client, user, offset: int) -> None:
    body, headers = body_of_exactly(DIRECT_UPLOAD_MAX_BYTES + offset, {"title": "Big"})
    reply = client.call("POST", "/api/images", user=user, raw_body=body, headers=headers)
    error = assert_envelope(reply, 400, "VALIDATION_ERROR")  # read and judged: a signature, then zeros
    assert "JPEG" in error["message"]


def test_a_body_over_the_direct_ceiling_is_a_413_pointing_at_presigned_uploads(client, user) -> None:
    body, headers = body_of_exactly(DIRECT_UPLOAD_MAX_BYTES + 1, {"title": "Huge"})
    reply = client.call("POST", "/api/images", user=user, raw_body=body, headers=headers)
    error = assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")
    assert "upload-url" in error["message"]


def test_past_lambdas_limit_the_client_still_gets_a_413(client, user) -> None:
    """Express answers with the envelope; the local gateway with API Gateway's own body (docs/uploads.md)."""
    body, headers = body_of_exactly(5 * 1024 * 1024, {"title": "Huger"})
    reply = client.call("POST", "/api/images", user=user, raw_body=body, headers=headers)
    assert reply.status == 413
    if client.name == "serverless":
        assert reply.json == {"message": "Request Entity Too Large"}
    else:
        assert reply.json["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_deleting_an_image_deletes_its_objects(client, user, local_s3: LocalS3) -> None:
    reply = upload(client, "/api/images", user, {"title": "Short-lived"},
                   [("file", "a.png", png(64, 48), "image/png")])
    assert reply.status == 201, reply.text
    data = reply.json["data"]
    keys = [s3_key(data[name], local_s3.bucket) for name in ("imageUrl", "thumbnailUrl")]
    s3 = local_s3.client()
    assert all(object_exists(s3, local_s3.bucket, key) for key in keys)
    assert client.call("DELETE", f"/api/images/{data['id']}", user=user).status == 200
    assert not any(object_exists(s3, local_s3.bucket, key) for key in keys)


def test_an_s3_delete_that_fails_stays_in_the_outbox_until_s3_is_back(
    lambda_client, api_dependencies, user, local_s3
) -> None:
    reply = upload(lambda_client, "/api/images", user, {"title": "Kept"},
                   [("file", "a.png", png(32, 32), "image/png")])
    data = reply.json["data"]
    assert_delete_waits_in_the_outbox_for_s3(
        api_dependencies,
        local_s3,
        s3_key(data["imageUrl"], local_s3.bucket),
        lambda: lambda_client.call("DELETE", f"/api/images/{data['id']}", user=user),
    )


def test_an_open_s3_breaker_is_a_503_and_records_nothing(lambda_client, api_dependencies, user) -> None:
    deps = api_dependencies
    deps.breakers.force("s3", "open")
    try:
        reply = upload(lambda_client, "/api/images", user, {"title": "Later"},
                       [("file", "a.png", png(32, 32), "image/png")])
    finally:
        deps.breakers.force("s3", None)
    assert_envelope(reply, 503, "SERVICE_UNAVAILABLE")
    assert "retry-after" in reply.headers
    assert lambda_client.call("GET", "/api/images", user=user).json["total"] == 0
