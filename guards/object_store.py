"""S3, guarded like every other dependency: breaker, retries within the deadline, metrics, traces.

Each call goes through :func:`~guards.dependency_call.call_dependency` (the
``s3`` breaker, an ``s3`` trace subsegment, ``DependencyLatency`` /
``DependencyError``) inside :func:`~guards.retry.retry_call` (full-jitter
retries of throttling, 5xx and transport errors, never past the request's
deadline, within the ``s3`` retry budget). botocore's own retries are off
(``max_attempts=1``) so one policy decides, and its timeouts are short: an
upload request that waits 60 s for S3 is already lost.

Every S3 operation made here is idempotent (PUT of a key we chose, GET, HEAD,
DELETE), so retrying it is safe.

Example::

    store = ObjectStore(boto3_client, "lego-uploads", breakers["s3"], budget=budgets["s3"])
    store.put("images/u1/42.webp", data, "image/webp")
    store.delete(["images/u1/42.webp"], prefixes=["mocs/u1/7/"])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from guards.dependency_call import call_dependency
from guards.errors import http_status
from guards.retry import retry_call
from guards.retry_budget import RetryBudget

if TYPE_CHECKING:
    from guards.breaker import Breaker

T = TypeVar("T")

DEPENDENCY = "s3"
CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 10.0
DELETE_BATCH = 1000
"""S3 DeleteObjects accepts at most 1000 keys per request."""
STREAM_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What HEAD says about an object: its size and the content type it was stored with."""

    size: int
    content_type: str


class ObjectStore:
    """One bucket behind the ``s3`` breaker; the boto3 client is handed in (built by the composition root)."""

    def __init__(
        self, client: Any, bucket: str, breaker: Breaker, *, budget: RetryBudget | None, public_base_url: str
    ) -> None:
        self.client = client
        self.bucket = bucket
        self._breaker = breaker
        self._budget = budget
        self._public_base_url = public_base_url.rstrip("/")

    def _call(self, fn: Callable[..., T], **kwargs: Any) -> T:
        return retry_call(
            lambda: call_dependency(self._breaker, fn, **kwargs), dependency=DEPENDENCY, budget=self._budget
        )

    def url(self, key: str) -> str:
        """The URL clients fetch ``key`` from (a CDN or the bucket's endpoint)."""
        return f"{self._public_base_url}/{quote(key, safe='/')}"

    def put(self, key: str, body: bytes, content_type: str, disposition: str | None = None) -> None:
        """Store ``body``; S3 serves it with ``content_type`` and, when given, ``disposition``.

        ``disposition`` is the ``Content-Disposition`` S3 stores and serves with the object.
        """
        extra = {"ContentDisposition": disposition} if disposition else {}
        self._call(
            self.client.put_object, Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **extra
        )

    def head(self, key: str) -> StoredObject | None:
        """Size and content type of ``key``, or None when there is no such object."""
        try:
            answer = self._call(self.client.head_object, Bucket=self.bucket, Key=key)
        except Exception as exc:
            if http_status(exc) == 404:
                return None
            raise
        return StoredObject(int(answer["ContentLength"]), str(answer.get("ContentType") or ""))

    def read(self, key: str, max_bytes: int) -> bytes:
        """The whole object, refused (ValueError) when it is larger than ``max_bytes``."""
        answer = self._call(self.client.get_object, Bucket=self.bucket, Key=key)
        body = answer["Body"]
        data: bytes = body.read(max_bytes + 1)
        body.close()
        if len(data) > max_bytes:
            raise ValueError(f"object {key} is larger than {max_bytes} bytes")
        return data

    def stream(self, key: str) -> Iterator[bytes]:
        """The object in chunks, without holding it in memory (the CSV parser reads 1 M-row files)."""
        answer = self._call(self.client.get_object, Bucket=self.bucket, Key=key)
        body = answer["Body"]
        try:
            yield from body.iter_chunks(STREAM_CHUNK_BYTES)
        finally:
            body.close()

    def delete(self, keys: Sequence[str] = (), *, prefixes: Sequence[str] = ()) -> None:
        """Delete ``keys`` and everything under ``prefixes``; deleting what is not there succeeds."""
        doomed = list(keys)
        for prefix in prefixes:
            doomed.extend(self._keys_under(prefix))
        for start in range(0, len(doomed), DELETE_BATCH):
            batch = [{"Key": key} for key in doomed[start : start + DELETE_BATCH]]
            answer = self._call(
                self.client.delete_objects, Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
            failed = answer.get("Errors") or []
            if failed:
                raise RuntimeError(f"S3 refused to delete {len(failed)} objects, first: {failed[0].get('Code')}")

    def _keys_under(self, prefix: str) -> list[str]:
        keys: list[str] = []
        token: str | None = None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            answer = self._call(self.client.list_objects_v2, Bucket=self.bucket, Prefix=prefix, **extra)
            keys.extend(item["Key"] for item in answer.get("Contents") or [])
            if not answer.get("IsTruncated"):
                return keys
            token = answer["NextContinuationToken"]

    def presigned_post(self, key: str, content_type: str, max_bytes: int, expires_seconds: int) -> dict[str, Any]:
        """A browser-ready POST form for ``key``: S3 refuses a different type or more than ``max_bytes``.

        Signing is local (no request to S3), so it needs no breaker.
        """
        answer: dict[str, Any] = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_seconds,
        )
        return answer


def s3_client(endpoint_url: str | None) -> Any:
    """A boto3 S3 client with short timeouts and no retries of its own (``retry_call`` decides).

    Path-style addressing when an endpoint is given: a local S3 (moto) has no
    per-bucket DNS names.
    """
    import boto3  # ~150 ms: only when the first upload or delete needs S3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"max_attempts": 1, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint_url else {},
    )
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=endpoint_url, region_name=session.region_name or "us-east-1",
                          config=config)
