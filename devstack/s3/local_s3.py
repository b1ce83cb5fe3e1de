"""The local S3 that ``brickguard up`` starts when no bucket is configured: a moto server process on loopback.

With ``S3_BUCKET`` set (and ``S3_ENDPOINT_URL`` / AWS credentials as the
environment gives them) ``up`` uses that bucket instead and starts nothing.
moto keeps objects in memory: they are gone after ``up`` stops, while the rows
naming them stay in PostgreSQL (docs/uploads.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from devstack.embedded import free_port
from runtime import config
from stack import function_environment as env

LOCAL_BUCKET = "lego-uploads-local"
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}
STARTUP_TIMEOUT_S = 30.0
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
                        "AWS_REGION")


def local_credentials() -> dict[str, str]:
    """boto3 client arguments for a moto server (which takes any credentials), leaving the environment alone."""
    return {"aws_access_key_id": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}


class LocalS3Unavailable(RuntimeError):
    """moto's server is not installed or did not start."""


def start(
    stack: contextlib.ExitStack, settings: config.Settings, data_dir: Path, *, public_prefixes: Sequence[str]
) -> config.Settings:
    """``settings`` pointing at a fresh moto S3 with the local bucket, unless a bucket is configured.

    The URLs in responses point under ``public_prefixes`` (the API's object keys): in AWS a CDN
    (``S3_PUBLIC_URL``) reads them, here anyone may.
    """
    if settings.s3_bucket:
        return settings
    try:
        import moto.server  # noqa: F401 - only to say clearly that it is missing
    except ImportError:
        raise LocalS3Unavailable("no S3: set S3_BUCKET, or install moto[server] (pip install -e '.[test]')") from None
    for name, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)  # the express backend's boto3, and the environments below
    endpoint = start_moto(stack, data_dir, "s3.log", ready=lambda client: _create_bucket(client, public_prefixes))
    return dataclasses.replace(settings, s3_bucket=LOCAL_BUCKET, s3_endpoint_url=endpoint)


def start_moto(
    stack: contextlib.ExitStack, data_dir: Path, log_name: str, *, ready: Callable[[Any], object] = lambda c: None
) -> str:
    """A moto server process on loopback, stopped with ``stack``; ``ready(s3 client)`` once it answers."""
    port = free_port()
    log = (data_dir / log_name).open("wb")
    stack.callback(log.close)
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    stack.callback(_stop, process)
    endpoint = f"http://127.0.0.1:{port}"
    _when_ready(endpoint, process, ready)
    return endpoint


def environment(settings: config.Settings) -> dict[str, str]:
    """What a Lambda environment needs to reach the bucket: its settings and the credentials in force."""
    variables = {
        env.S3_BUCKET: settings.s3_bucket or "",
        env.S3_ENDPOINT_URL: settings.s3_endpoint_url or "",
        env.S3_PUBLIC_URL: settings.s3_public_url or "",
        **{name: os.environ.get(name, "") for name in CREDENTIAL_VARIABLES},
    }
    return {name: value for name, value in variables.items() if value}


def _when_ready(endpoint: str, process: subprocess.Popen[bytes], ready: Callable[[Any], object]) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **local_credentials())
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise LocalS3Unavailable(f"the moto server exited with status {process.returncode}")
        try:
            client.list_buckets()
        except Exception as exc:
            if time.monotonic() > deadline:
                raise LocalS3Unavailable(f"the moto server did not answer within {STARTUP_TIMEOUT_S:.0f}s") from exc
            time.sleep(0.2)
            continue
        ready(client)
        return


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def public_read_policy(public_prefixes: Sequence[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{LOCAL_BUCKET}/{prefix}*" for prefix in public_prefixes],
            }
        ],
    }


def _create_bucket(client: Any, public_prefixes: Sequence[str]) -> None:
    """The local bucket, readable by anyone under ``public_prefixes`` (a CDN's part in AWS)."""
    client.create_bucket(Bucket=LOCAL_BUCKET)
    client.put_bucket_policy(Bucket=LOCAL_BUCKET, Policy=json.dumps(public_read_policy(public_prefixes)))
