"""Helpers of the upload tests: multipart bodies, images made on the spot, S3 objects read back."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import requests
from urllib3 import encode_multipart_formdata

from tests.support.clients import Reply

RED = (220, 20, 20)
BLUE = (20, 20, 220)


FilePart = tuple[str, str, bytes, str]


def multipart(fields: dict[str, Any] | None = None, files: Sequence[FilePart] = ()) -> tuple[bytes, dict]:
    """``(body, headers)`` of a multipart/form-data request: text ``fields`` plus ``(field, name, data, type)``."""
    parts: list[tuple[str, Any]] = []
    for name, value in (fields or {}).items():
        for item in value if isinstance(value, list) else [value]:
            parts.append((name, str(item)))
    for field, filename, data, content_type in files:
        parts.append((field, (filename, data, content_type)))
    body, content_type = encode_multipart_formdata(parts)
    return body, {"Content-Type": content_type}


def upload(client: Any, path: str, user: str, fields: dict[str, Any], files: Sequence[FilePart]) -> Reply:
    body, headers = multipart(fields, files)
    return client.call("POST", path, raw_body=body, headers=headers, user=user)


def two_colour_jpeg(width: int, height: int, *, orientation: int | None = None, quality: int = 90) -> bytes:
    """Top half red, bottom half blue, with camera-like EXIF (maker, GPS) and an optional orientation."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, width, height // 2 - 1), fill=RED)
    exif = Image.Exif()
    exif[0x010F] = "BrickCam"  # Make
    exif[0x0110] = "Model 42"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPS IFD
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def body_of_exactly(total_bytes: int, fields: dict[str, Any]) -> tuple[bytes, dict]:
    """A multipart body of exactly ``total_bytes``: ``fields`` plus a ``file`` padded to fit (JPEG signature)."""
    empty, _ = multipart(fields, [("file", "big.jpg", b"", "image/jpeg")])
    padding = total_bytes - len(empty)
    assert padding > 3
    body, headers = multipart(fields, [("file", "big.jpg", b"\xff\xd8\xff" + b"\x00" * (padding - 3), "image/jpeg")])
    assert len(body) == total_bytes
    return body, headers


def s3_key(url: str, bucket: str) -> str:
    """The object key inside a response URL (``{endpoint}/{bucket}/{key}``)."""
    from urllib.parse import unquote

    return unquote(url.split(f"/{bucket}/", 1)[1])


def read_image(s3_client: Any, bucket: str, key: str) -> Any:
    from PIL import Image

    data = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png(width: int, height: int, colour: tuple[int, ...] = (10, 200, 10, 128)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA" if len(colour) == 4 else "RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def object_exists(s3_client: Any, bucket: str, key: str) -> bool:
    return s3_client.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) > 0


def send_to_s3(offer: dict, data: bytes, content_type: str) -> None:
    """What a browser does with a presigned-upload offer: the fields as given, then the file."""
    fields = {**offer["fields"], "Content-Type": content_type}
    answer = requests.post(offer["url"], data=fields, files={"file": ("upload", data, content_type)}, timeout=30)
    assert answer.status_code in (200, 201, 204), answer.text


def staged_uploads(local_s3: Any, user: str) -> int:
    """Files waiting under the user's staging prefix (sent to a presigned POST, not yet confirmed)."""
    listing = local_s3.client().list_objects_v2(Bucket=local_s3.bucket, Prefix=f"uploads/{user}/")
    return listing.get("KeyCount", 0)


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel[:3], colour, strict=True))


def assert_delete_waits_in_the_outbox_for_s3(deps: Any, local_s3: Any, key: str, delete: Callable[[], Reply]) -> None:
    """``delete()`` succeeds with ``deps``' ``s3`` breaker open; the object stays until a later drain deletes it."""
    from guards import outbox

    deps.breakers.force("s3", "open")
    try:
        assert delete().status == 200
        assert deps.outbox.pending()[outbox.STORAGE] >= 1
        assert object_exists(local_s3.client(), local_s3.bucket, key)
    finally:
        deps.breakers.force("s3", None)
    assert deps.outbox.drain([outbox.STORAGE]).pending[outbox.STORAGE] == 0
    assert not object_exists(local_s3.client(), local_s3.bucket, key)


def queued_parts_import(deps: Any, user: str, csv: bytes, local_s3: Any, title: str = "Hostile") -> dict[str, str]:
    """A stored CSV with its queued import, as the upload route leaves it (no invocation): the parser's event."""
    import uuid

    from api import object_keys
    from api.models import MocFile, MocInstruction, PartsListImport
    from api.services import parts_import

    moc_id, file_id = uuid.uuid4(), uuid.uuid4()
    key = object_keys.moc_file(user, moc_id, file_id, "csv")
    local_s3.client().put_object(Bucket=local_s3.bucket, Key=key, Body=csv)

    def rows(session: Any) -> None:
        session.add(MocInstruction(id=moc_id, user_id=user, type="moc", title="Hostile", author="t"))
        session.flush()
        session.add(MocFile(id=file_id, moc_id=moc_id, file_type="parts-list", file_url=key))
        session.flush()
        session.add(PartsListImport(file_id=file_id, moc_id=moc_id, status="queued", rejections=[]))
        session.commit()

    deps.database.write(rows)
    return parts_import.parser_event(user_id=user, moc_id=moc_id, file_id=file_id, key=key, title=title)
