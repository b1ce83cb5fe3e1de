"""brickguard up's local S3: a moto server process whose bucket serves the URLs the API answers with."""

from __future__ import annotations

import contextlib
from pathlib import Path

import boto3
import requests

from api import object_keys
from devstack.s3 import local_s3
from runtime import config


def test_the_local_bucket_serves_uploaded_objects_but_not_staged_uploads(tmp_path: Path) -> None:
    keys = ("images/u/1.webp", "mocs/u/m/2.pdf", "wishlist/u/4.webp", "avatars/u/avatar.webp", "uploads/u/3")
    with contextlib.ExitStack() as stack:
        settings = local_s3.start(stack, config.Settings(), tmp_path, public_prefixes=object_keys.PUBLIC_PREFIXES)
        assert settings.s3_bucket == local_s3.LOCAL_BUCKET and settings.s3_endpoint_url
        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name="us-east-1")
        for key in keys:
            client.put_object(Bucket=settings.s3_bucket, Key=key, Body=b"x")
        base = f"{settings.s3_endpoint_url}/{settings.s3_bucket}"
        status = {key: requests.get(f"{base}/{key}", timeout=10).status_code for key in keys}
        versioned = requests.get(f"{base}/avatars/u/avatar.webp?v=0123456789abcdef", timeout=10)  # cache-busting URL
    assert status == {key: 403 if key.startswith("uploads/") else 200 for key in keys}
    assert versioned.status_code == 200 and versioned.content == b"x"


def test_a_configured_bucket_starts_nothing(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        given = config.Settings(s3_bucket="mine", s3_endpoint_url="http://127.0.0.1:1")
        assert local_s3.start(stack, given, tmp_path, public_prefixes=object_keys.PUBLIC_PREFIXES) is given
    assert not (tmp_path / "s3.log").exists()
