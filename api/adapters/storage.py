"""The API's object storage: the upload bucket on S3 behind the ``s3`` breaker.

Built on first use (boto3 is not free to import). Objects orphaned by a change
are deleted through the outbox (``storage`` target), so a delete that S3
refuses is retried by a later drain instead of being lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from guards import outbox_targets
from guards.object_store import ObjectStore, s3_client
from guards.retry_budget import RetryBudget
from runtime import config
from runtime.errors import ServiceUnavailable

if TYPE_CHECKING:
    from api.adapters.outbox import Outbox
    from guards.breaker import Breaker


class Storage:
    """The upload bucket of one process; uploads are a 503 while ``S3_BUCKET`` is unset."""

    def __init__(self, settings: config.Settings, breaker: Callable[[], Breaker], changes: Outbox) -> None:
        self._settings = settings
        self._breaker = breaker  # looked up on first use: a process without S3 needs no s3 breaker
        if settings.s3_bucket:
            changes.register(outbox_targets.STORAGE, self._apply_object_deletes)

    @property
    def configured(self) -> bool:
        return bool(self._settings.s3_bucket)

    @cached_property
    def client(self) -> Any:
        """The S3 client (no call made): built by Lambda's init for the functions that serve uploads."""
        return s3_client(self._settings.s3_endpoint_url)

    @cached_property
    def objects(self) -> ObjectStore:
        bucket = self._settings.s3_bucket
        if not bucket:
            raise ServiceUnavailable("Uploads are not configured (S3_BUCKET is not set)", retry_after=60)
        endpoint = self._settings.s3_endpoint_url
        public = self._settings.s3_public_url or (
            f"{endpoint.rstrip('/')}/{bucket}" if endpoint else f"https://{bucket}.s3.amazonaws.com"
        )
        return ObjectStore(self.client, bucket, self._breaker(), budget=RetryBudget(), public_base_url=public)

    def _apply_object_deletes(self, payloads: Sequence[Any]) -> None:
        self.objects.delete(
            [key for payload in payloads for key in payload.get("keys", ())],
            prefixes=[prefix for payload in payloads for prefix in payload.get("prefixes", ())],
        )
