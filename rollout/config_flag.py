"""``/config.json`` in the config bucket: the frontend's ``useServerless`` switch (the fast rollback path).

The document is seed 001's (``apiBaseUrl``, ``cognitoConfig``, ``useServerless``; keys in
``stack/rollout_contract.py``): the stack creates it, and the rollout commands change only
``useServerless``, keeping every other key as it is. The object is served with
``Cache-Control: max-age=60``, so every browser picks a change up within a minute of the write —
faster than DNS, where some resolvers outlive their TTL.
"""

from __future__ import annotations

import json
from typing import Any

from stack.rollout_contract import CONFIG_CACHE_CONTROL, CONFIG_KEY, USE_SERVERLESS

CACHE_CONTROL = CONFIG_CACHE_CONTROL
MAX_AGE_SECONDS = 60
FLAG = USE_SERVERLESS


class ConfigFlag:
    def __init__(self, client: Any, bucket: str, key: str = CONFIG_KEY) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key

    def document(self) -> dict[str, Any]:
        """The current document; ``{}`` when the object does not exist yet."""
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=self._key)["Body"].read()
        except self._client.exceptions.NoSuchKey:
            return {}
        document = json.loads(body)
        if not isinstance(document, dict):
            raise ValueError(f"s3://{self._bucket}/{self._key} is not a JSON object")
        return document

    def use_serverless(self) -> bool | None:
        value = self.document().get(FLAG)
        return value if isinstance(value, bool) else None

    def set(self, use_serverless: bool) -> dict[str, Any]:
        """Write the flag (keeping the other fields) with ``Cache-Control: max-age=60``; returns the document."""
        return self.write({**self.document(), FLAG: use_serverless})

    def write(self, document: dict[str, Any]) -> dict[str, Any]:
        """Put the whole ``document`` (JSON, ``Cache-Control: max-age=60``); returns it."""
        self._client.put_object(
            Bucket=self._bucket,
            Key=self._key,
            Body=json.dumps(document, indent=2).encode(),
            ContentType="application/json",
            CacheControl=CACHE_CONTROL,
        )
        return document
