"""The rollout's audit trail: one S3 object per step, never rewritten.

An object per record (``rollout/audit/{UTC time}-{action}.json``) makes the
trail append-only without a read-modify-write race between two operators, and
listing it in key order is listing it in time order. ``status`` reads the last
record to say how long the current stage has lasted.
"""

from __future__ import annotations

import getpass
import json
import socket
from datetime import UTC, datetime
from typing import Any

PREFIX = "rollout/audit/"


def actor() -> str:
    """Who acts: the local user and host (CloudTrail records the AWS identity of each API call)."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


class AuditTrail:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def append(self, record: dict[str, Any], *, at: datetime | None = None, who: str | None = None) -> dict[str, Any]:
        """Write one record; ``who`` defaults to the local user and host (:func:`actor`)."""
        moment = at or datetime.now(UTC)
        full = {"at": moment.isoformat(), "who": who or actor(), **record}
        key = f"{PREFIX}{moment.strftime('%Y%m%dT%H%M%S.%fZ')}-{record['action']}.json"
        self._client.put_object(
            Bucket=self._bucket, Key=key, Body=json.dumps(full, indent=2, default=str).encode(),
            ContentType="application/json",
        )
        return full

    def records(self) -> list[dict[str, Any]]:
        return [self._read(key) for key in self._keys()]

    def last(self) -> dict[str, Any] | None:
        keys = self._keys()
        return self._read(keys[-1]) if keys else None

    def _keys(self) -> list[str]:
        keys: list[str] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=PREFIX):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)

    def _read(self, key: str) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read())
        return record
