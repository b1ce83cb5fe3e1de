"""MOC files: up to ten PDF/XML/CSV files per request, judged by content, on S3 with a moc_files row each."""

from __future__ import annotations

import pytest

from tests.conftest import LocalS3
from tests.support.helpers import assert_envelope, moc_body
from tests.support.uploads import s3_key, upload

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
XML = b'<?xml version="1.0" encoding="UTF-8"?><LXFML versionMajor="5"><Bricks/></LXFML>'
CSV = "\ufeffPart ID,Part Name,Quantity,Color\n3001,Brick 2 x 4,4,Red\n".encode()


def _moc(client, user: str, title: str = "Files MOC") -> str:
    reply = client.call("POST", "/api/mocs", user=user, json_body=moc_body(title))
    assert reply.status == 201, reply.text
    return reply.json["data"]["id"]


def test_files_are_stored_by_content_with_a_row_each(client, user, local_s3: LocalS3) -> None:
    moc = _moc(client, user)
    files = [
        ("files", "instructions.bin", PDF, "application/octet-stream"),  # the name and type say nothing
        ("files", "../../etc/model.lxfml", XML, "text/plain"),
        ("files", "parts.txt", CSV, "application/pdf"),
    ]
    reply = upload(client, f"/api/mocs/{moc}/files", user, {}, files)
    assert reply.status == 201, reply.text
    rows = reply.json["data"]
    assert [(row["fileType"], row["mimeType"]) for row in rows] == [
        ("instructions", "application/pdf"), ("model", "application/xml"), ("parts-list", "text/csv"),
    ]
    assert [row["originalFilename"] for row in rows] == ["instructions.bin", "model.lxfml", "parts.txt"]
    s3 = local_s3.client()
    for row, (_, _, data, _) in zip(rows, files, strict=True):
        key = s3_key(row["fileUrl"], local_s3.bucket)
        extension = row["mimeType"].split("/")[1]
        assert key == f"mocs/{user}/{moc}/{row['id']}.{extension}"
        assert s3.get_object(Bucket=local_s3.bucket, Key=key)["Body"].read() == data
    detail = client.call("GET", f"/api/mocs/{moc}", user=user).json["data"]
    assert sorted(item["id"] for item in detail["files"]) == sorted(row["id"] for row in rows)


def test_ten_files_pass_and_eleven_are_a_400(client, user) -> None:
    moc = _moc(client, user)
    ten = upload(client, f"/api/mocs/{moc}/files", user, {},
                 [("files", f"{n}.pdf", PDF, "application/pdf") for n in range(10)])
    assert ten.status == 201, ten.text
    assert len(ten.json["data"]) == 10
    eleven = upload(client, f"/api/mocs/{moc}/files", user, {}, [("files", "x.pdf", PDF, "application/pdf")] * 11)
    assert_envelope(eleven, 400, "VALIDATION_ERROR")
    detail = client.call("GET", f"/api/mocs/{moc}", user=user).json["data"]
    assert len(detail["files"]) == 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n....", "not a PDF, XML or CSV"),
        (b"%PDF-1.7\n1 0 obj", "truncated"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>', "entit"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "entit"),
        (b"<unclosed><tag>", "well-formed"),
        (b"just one line of prose", "not a PDF, XML or CSV"),
        ("Part ID,Quantity\n".encode("utf-16"), "not a PDF, XML or CSV"),
    ],
    ids=["png", "truncated-pdf", "billion-laughs", "external-entity", "broken-xml", "prose", "utf16-csv"],
)
def test_a_bad_file_refuses_the_whole_request(client, user, local_s3: LocalS3, data: bytes, message: str) -> None:
    moc = _moc(client, user)
    files = [("files", "good.pdf", PDF, "application/pdf"), ("files", "bad", data, "application/pdf")]
    error = assert_envelope(upload(client, f"/api/mocs/{moc}/files", user, {}, files), 400, "VALIDATION_ERROR")
    assert message in error["message"] and "File 2" in error["message"]
    listing = local_s3.client().list_objects_v2(Bucket=local_s3.bucket, Prefix=f"mocs/{user}/")
    assert listing.get("KeyCount", 0) == 0  # nothing stored when any file is refused


def test_someone_elses_moc_is_a_404_and_stores_nothing(client, user, local_s3: LocalS3) -> None:
    moc = _moc(client, "owner-" + user)
    reply = upload(client, f"/api/mocs/{moc}/files", user, {}, [("files", "a.pdf", PDF, "application/pdf")])
    assert_envelope(reply, 404, "NOT_FOUND")
    listing = local_s3.client().list_objects_v2(Bucket=local_s3.bucket, Prefix=f"mocs/owner-{user}/")
    assert listing.get("KeyCount", 0) == 0


def test_files_in_another_field_are_a_400(client, user) -> None:
    moc = _moc(client, user)
    reply = upload(client, f"/api/mocs/{moc}/files", user, {}, [("file", "a.pdf", PDF, "application/pdf")])
    assert_envelope(reply, 400, "VALIDATION_ERROR")


def test_deleting_the_moc_deletes_its_files(client, user, local_s3: LocalS3) -> None:
    moc = _moc(client, user)
    reply = upload(client, f"/api/mocs/{moc}/files", user, {}, [("files", "a.pdf", PDF, "application/pdf")] * 3)
    assert reply.status == 201, reply.text
    s3 = local_s3.client()
    assert s3.list_objects_v2(Bucket=local_s3.bucket, Prefix=f"mocs/{user}/{moc}/")["KeyCount"] == 3
    assert client.call("DELETE", f"/api/mocs/{moc}", user=user).status == 200
    assert s3.list_objects_v2(Bucket=local_s3.bucket, Prefix=f"mocs/{user}/{moc}/").get("KeyCount", 0) == 0
