"""Presigned uploads: offer a POST form, the client sends the file to S3 (moto), confirm re-checks it itself.

moto does not enforce a presigned POST's policy (content-length-range, Content-Type), which
makes it the right place to prove that the confirm call does not rely on it either.
"""

from __future__ import annotations

import uuid

import pytest

from api.uploads.upload_limits import PRESIGNED_UPLOAD_MAX_BYTES, PRESIGNED_URL_TTL_SECONDS
from tests.conftest import LocalS3
from tests.support.helpers import assert_envelope, moc_body
from tests.support.uploads import read_image, s3_key, send_to_s3, staged_uploads, two_colour_jpeg


def _offer(client, user: str, content_type: str = "image/jpeg") -> dict:
    reply = client.call("POST", "/api/images/upload-url", user=user, json_body={"contentType": content_type})
    assert reply.status == 200, reply.text
    return reply.json["data"]


def test_an_offer_is_a_signed_form_with_the_policy_limits(client, user) -> None:
    offer = _offer(client, user)
    assert offer["maxBytes"] == PRESIGNED_UPLOAD_MAX_BYTES and offer["expiresIn"] == PRESIGNED_URL_TTL_SECONDS
    assert offer["fields"]["key"] == f"uploads/{user}/{offer['uploadId']}"
    assert offer["fields"]["Content-Type"] == "image/jpeg"
    assert "policy" in offer["fields"] and offer["url"].startswith("http")


def test_a_presigned_upload_is_processed_on_confirm(client, user, local_s3: LocalS3) -> None:
    offer = _offer(client, user)
    send_to_s3(offer, two_colour_jpeg(5000, 1000), "image/jpeg")
    reply = client.call("POST", "/api/images/confirm", user=user,
                        json_body={"uploadId": offer["uploadId"], "title": "Panorama", "tags": ["wide"]})
    assert reply.status == 201, reply.text
    data = reply.json["data"]
    assert data["title"] == "Panorama" and data["tags"] == ["wide"]
    full = read_image(local_s3.client(), local_s3.bucket, s3_key(data["imageUrl"], local_s3.bucket))
    assert full.format == "WEBP" and full.size == (2048, 410)
    assert staged_uploads(local_s3, user) == 0  # the staged original is gone
    again = client.call("POST", "/api/images/confirm", user=user,
                        json_body={"uploadId": offer["uploadId"], "title": "Twice"})
    assert_envelope(again, 404, "NOT_FOUND")


def test_confirming_an_upload_never_sent_or_someone_elses_is_a_404(client, user) -> None:
    assert_envelope(client.call("POST", "/api/images/confirm", user=user,
                                json_body={"uploadId": str(uuid.uuid4()), "title": "Ghost"}), 404, "NOT_FOUND")
    offer = _offer(client, "someone-else-" + user)
    send_to_s3(offer, two_colour_jpeg(64, 64), "image/jpeg")
    assert_envelope(client.call("POST", "/api/images/confirm", user=user,
                                json_body={"uploadId": offer["uploadId"], "title": "Theirs"}), 404, "NOT_FOUND")


@pytest.mark.parametrize("content_type", ["application/pdf", "image/gif", "text/plain", ""])
def test_only_image_types_are_offered(client, user, content_type: str) -> None:
    reply = client.call("POST", "/api/images/upload-url", user=user, json_body={"contentType": content_type})
    assert_envelope(reply, 400, "VALIDATION_ERROR")


def test_a_file_sent_past_the_type_condition_is_judged_by_content(client, user, local_s3: LocalS3) -> None:
    offer = _offer(client, user, "image/png")
    send_to_s3(offer, b"%PDF-1.7 not an image at all", "image/png")  # moto takes it, S3 would too: the type matches
    reply = client.call("POST", "/api/images/confirm", user=user,
                        json_body={"uploadId": offer["uploadId"], "title": "Pdf"})
    assert_envelope(reply, 400, "VALIDATION_ERROR")
    assert staged_uploads(local_s3, user) == 0


# -- MOC files past the direct ceiling: the same offer and confirm, judged like a direct upload --------

BIG_PDF = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n"  # over the 4 MiB direct ceiling


def _moc_offer(client, user: str, moc: str, content_type: str = "application/pdf"):
    return client.call("POST", f"/api/mocs/{moc}/files/upload-url", user=user, json_body={"contentType": content_type})


def _moc(client, user: str) -> str:
    reply = client.call("POST", "/api/mocs", user=user, json_body=moc_body("Presigned MOC"))
    assert reply.status == 201, reply.text
    return reply.json["data"]["id"]


def test_a_moc_file_over_the_direct_ceiling_is_attached_on_confirm(client, user, local_s3: LocalS3) -> None:
    moc = _moc(client, user)
    offer = _moc_offer(client, user, moc)
    assert offer.status == 200, offer.text
    assert offer.json["data"]["fields"]["Content-Type"] == "application/pdf"
    send_to_s3(offer.json["data"], BIG_PDF, "application/pdf")
    reply = client.call("POST", f"/api/mocs/{moc}/files/confirm", user=user,
                        json_body={"uploadId": offer.json["data"]["uploadId"], "filename": "C:\\docs\\build.pdf"})
    assert reply.status == 201, reply.text
    (row,) = reply.json["data"]
    assert row["fileType"] == "instructions" and row["originalFilename"] == "build.pdf"
    key = s3_key(row["fileUrl"], local_s3.bucket)
    assert key == f"mocs/{user}/{moc}/{row['id']}.pdf"
    assert local_s3.client().head_object(Bucket=local_s3.bucket, Key=key)["ContentLength"] == len(BIG_PDF)
    assert staged_uploads(local_s3, user) == 0
    detail = client.call("GET", f"/api/mocs/{moc}", user=user).json["data"]
    assert [item["id"] for item in detail["files"]] == [row["id"]]


def test_a_moc_file_is_offered_only_for_the_callers_moc_and_the_file_types(client, user) -> None:
    moc = _moc(client, user)
    assert_envelope(_moc_offer(client, "other-" + user, moc), 404, "NOT_FOUND")
    assert_envelope(_moc_offer(client, user, moc, "image/png"), 400, "VALIDATION_ERROR")


def test_a_moc_file_sent_past_the_type_condition_is_judged_by_content(client, user, local_s3: LocalS3) -> None:
    moc = _moc(client, user)
    offer = _moc_offer(client, user, moc).json["data"]
    send_to_s3(offer, b"MZ\x90\x00 an executable", "application/x-msdownload")  # not the policy's type: moto takes it
    assert staged_uploads(local_s3, user) == 1
    reply = client.call("POST", f"/api/mocs/{moc}/files/confirm", user=user, json_body={"uploadId": offer["uploadId"]})
    assert_envelope(reply, 400, "VALIDATION_ERROR")
    assert staged_uploads(local_s3, user) == 0
    assert client.call("GET", f"/api/mocs/{moc}", user=user).json["data"]["files"] == []


@pytest.mark.parametrize("kind", ["image", "moc-file"])
def test_a_file_sent_past_the_size_condition_is_refused_on_confirm(
    lambda_client, user, local_s3: LocalS3, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The policy says at most N bytes; moto accepts N + 1 (a real bucket would not); confirm answers 413."""
    from api.services import presigned_uploads

    limit = 64 * 1024
    monkeypatch.setattr(presigned_uploads, "PRESIGNED_UPLOAD_MAX_BYTES", limit)
    if kind == "image":
        offer, confirm = _offer(lambda_client, user), ("/api/images/confirm", {"title": "Too big"})
        data, content_type = b"\xff\xd8\xff" + b"\x00" * (limit - 2), "image/jpeg"
    else:
        moc = _moc(lambda_client, user)
        offer, confirm = _moc_offer(lambda_client, user, moc).json["data"], (f"/api/mocs/{moc}/files/confirm", {})
        data, content_type = b"%PDF-1.7\n" + b"0" * (limit - 15) + b"\n%%EOF\n", "application/pdf"
    assert offer["maxBytes"] == limit and len(data) == limit + 1
    send_to_s3(offer, data, content_type)
    assert staged_uploads(local_s3, user) == 1
    path, fields = confirm
    reply = lambda_client.call("POST", path, user=user, json_body={"uploadId": offer["uploadId"], **fields})
    error = assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")
    assert str(limit) in error["message"]
    assert staged_uploads(local_s3, user) == 0
    assert lambda_client.call("GET", "/api/images", user=user).json["total"] == 0
    if kind == "moc-file":
        assert lambda_client.call("GET", f"/api/mocs/{moc}", user=user).json["data"]["files"] == []
