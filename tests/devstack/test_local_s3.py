"""brickguard up's local S3: a moto server process whose bucket serves the URLs the API answers with."""

from __future__ import annotations

import contextlib
from pathlib import Path

import boto3
import requests

from runtime import config
from runtime.cli import local_s3


def test_the_local_bucket_serves_images_and_mocs_but_not_staged_uploads(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        settings = local_s3.start(stack, config.Settings(), tmp_path)
        assert settings.s3_bucket == local_s3.LOCAL_BUCKET and settings.s3_endpoint_url
        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name="us-east-1")
        for key in ("images/u/1.webp", "mocs/u/m/2.pdf", "uploads/u/3"):
            client.put_object(Bucket=settings.s3_bucket, Key=key, Body=b"x")
        status = {key: requests.get(f"{settings.s3_endpoint_url}/{settings.s3_bucket}/{key}", timeout=10).status_code
                  for key in ("images/u/1.webp", "mocs/u/m/2.pdf", "uploads/u/3")}
    assert status == {"images/u/1.webp": 200, "mocs/u/m/2.pdf": 200, "uploads/u/3": 403}


def test_a_configured_bucket_starts_nothing(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        given = config.Settings(s3_bucket="mine", s3_endpoint_url="http://127.0.0.1:1")
        assert local_s3.start(stack, given, tmp_path) is given
    assert not (tmp_path / "s3.log").exists()
