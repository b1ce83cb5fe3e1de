"""Presigned uploads: offer a POST form, the client sends the file to S3 (moto), confirm re-checks it itself.

moto does not enforce a presigned POST's policy (content-length-range, Content-Type), which
makes it the right place to prove that the confirm call does not rely on it either.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from api.upload_limits import PRESIGNED_UPLOAD_MAX_BYTES, PRESIGNED_URL_TTL_SECONDS
from tests.api.helpers import assert_envelope
from tests.api.uploads import read_image, s3_key, two_colour_jpeg
from tests.conftest import LocalS3


def _offer(client, user: str, content_type: str = "image/jpeg") -> dict:
    reply = client.call("POST", "/api/images/upload-url", user=user, json_body={"contentType": content_type})
    assert reply.status == 200, reply.text
    return reply.json["data"]


def _send(offer: dict, data: bytes, content_type: str) -> None:
    """What a browser does with the offer: the fields as given, then the file."""
    fields = {**offer["fields"], "Content-Type": content_type}
    answer = requests.post(offer["url"], data=fields, files={"file": ("photo", data, content_type)}, timeout=30)
    assert answer.status_code in (200, 201, 204), answer.text


def _staged(local_s3: LocalS3, user: str) -> int:
    return local_s3.client().list_objects_v2(Bucket=local_s3.bucket, Prefix=f"uploads/{user}/").get("KeyCount", 0)


def test_an_offer_is_a_signed_form_with_the_policy_limits(client, user) -> None:
    offer = _offer(client, user)
    assert offer["maxBytes"] == PRESIGNED_UPLOAD_MAX_BYTES and offer["expiresIn"] == PRESIGNED_URL_TTL_SECONDS
    assert offer["fields"]["key"] == f"uploads/{user}/{offer['uploadId']}"
    assert offer["fields"]["Content-Type"] == "image/jpeg"
    assert "policy" in offer["fields"] and offer["url"].startswith("http")


def test_a_presigned_upload_is_processed_on_confirm(client, user, local_s3: LocalS3) -> None:
    offer = _offer(client, user)
    _send(offer, two_colour_jpeg(5000, 1000), "image/jpeg")
    reply = client.call("POST", "/api/images/confirm", user=user,
                        json_body={"uploadId": offer["uploadId"], "title": "Panorama", "tags": ["wide"]})
    assert reply.status == 201, reply.text
    data = reply.json["data"]
    assert data["title"] == "Panorama" and data["tags"] == ["wide"]
    full = read_image(local_s3.client(), local_s3.bucket, s3_key(data["imageUrl"], local_s3.bucket))
    assert full.format == "WEBP" and full.size == (2048, 410)
    assert _staged(local_s3, user) == 0  # the staged original is gone
    again = client.call("POST", "/api/images/confirm", user=user,
                        json_body={"uploadId": offer["uploadId"], "title": "Twice"})
    assert_envelope(again, 404, "NOT_FOUND")


def test_confirming_an_upload_never_sent_or_someone_elses_is_a_404(client, user) -> None:
    assert_envelope(client.call("POST", "/api/images/confirm", user=user,
                                json_body={"uploadId": str(uuid.uuid4()), "title": "Ghost"}), 404, "NOT_FOUND")
    offer = _offer(client, "someone-else-" + user)
    _send(offer, two_colour_jpeg(64, 64), "image/jpeg")
    assert_envelope(client.call("POST", "/api/images/confirm", user=user,
                                json_body={"uploadId": offer["uploadId"], "title": "Theirs"}), 404, "NOT_FOUND")


@pytest.mark.parametrize("content_type", ["application/pdf", "image/gif", "text/plain", ""])
def test_only_image_types_are_offered(client, user, content_type: str) -> None:
    reply = client.call("POST", "/api/images/upload-url", user=user, json_body={"contentType": content_type})
    assert_envelope(reply, 400, "VALIDATION_ERROR")


def test_a_file_sent_past_the_type_condition_is_judged_by_content(client, user, local_s3: LocalS3) -> None:
    offer = _offer(client, user, "image/png")
    _send(offer, b"%PDF-1.7 not an image at all", "image/png")  # moto takes it, S3 would too: the type matches
    reply = client.call("POST", "/api/images/confirm", user=user,
                        json_body={"uploadId": offer["uploadId"], "title": "Pdf"})
    assert_envelope(reply, 400, "VALIDATION_ERROR")
    assert _staged(local_s3, user) == 0


def test_a_file_sent_past_the_size_condition_is_refused_on_confirm(
    lambda_client, user, local_s3: LocalS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policy says at most N bytes; moto accepts N + 1; confirm answers 413 and deletes the object."""
    from api.services import presigned_uploads

    limit = 256 * 1024
    monkeypatch.setattr(presigned_uploads, "PRESIGNED_UPLOAD_MAX_BYTES", limit)
    offer = _offer(lambda_client, user)
    assert offer["maxBytes"] == limit
    _send(offer, b"\xff\xd8\xff" + b"\x00" * (limit - 2), "image/jpeg")
    assert _staged(local_s3, user) == 1
    reply = lambda_client.call("POST", "/api/images/confirm", user=user,
                               json_body={"uploadId": offer["uploadId"], "title": "Too big"})
    error = assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")
    assert str(limit) in error["message"]
    assert _staged(local_s3, user) == 0
