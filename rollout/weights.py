"""The two weighted Route53 records (``express`` and ``serverless``) that split the API's traffic.

Both are changed in one change batch, so no resolver ever sees a half-done
step (e.g. both at 0 %), with TTL 60 s as the seeds require, and the command
waits until Route53 reports the change ``INSYNC`` on its name servers. After
that, resolvers still serve the old answer for up to the *previous* TTL: that
is the slow path of a rollback, and :func:`propagation_seconds` says how long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stack.rollout_contract import EXPRESS, SERVERLESS, TTL_SECONDS

WAIT_TIMEOUT_SECONDS = 300.0
POLL_SECONDS = 2.0


class WeightsError(RuntimeError):
    """The weighted records are missing or malformed, or a change did not get in sync in time."""


@dataclass(frozen=True)
class Weights:
    express: int
    serverless: int
    ttl: int | None  # None for alias records (no TTL of their own)

    @property
    def serverless_percent(self) -> float:
        total = self.express + self.serverless
        return 100.0 * self.serverless / total if total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            EXPRESS: self.express, SERVERLESS: self.serverless, "ttl": self.ttl,
            "serverless_percent": self.serverless_percent,
        }


def weights_for(percent: int) -> tuple[int, int]:
    """``(express, serverless)`` weights that send ``percent`` % to serverless."""
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be 0..100, got {percent}")
    return 100 - percent, percent


class WeightedRecords:
    def __init__(
        self,
        client: Any,
        hosted_zone_id: str,
        record_name: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._zone = hosted_zone_id
        self._name = record_name.rstrip(".") + "."
        self._clock = clock
        self._sleep = sleep

    def records(self) -> dict[str, dict[str, Any]]:
        """The ``express`` and ``serverless`` record sets by SetIdentifier."""
        found: dict[str, dict[str, Any]] = {}
        pages = self._client.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=self._zone, StartRecordName=self._name
        )
        for page in pages:
            for record in page["ResourceRecordSets"]:
                if record["Name"] != self._name:
                    return self._checked(found)
                if record.get("SetIdentifier") in (EXPRESS, SERVERLESS):
                    found[record["SetIdentifier"]] = record
        return self._checked(found)

    def current(self) -> Weights:
        records = self.records()
        return Weights(
            express=int(records[EXPRESS]["Weight"]),
            serverless=int(records[SERVERLESS]["Weight"]),
            ttl=records[EXPRESS].get("TTL"),
        )

    def change_batch(self, percent: int) -> dict[str, Any]:
        """The one change batch that moves both records to ``percent`` % serverless with TTL 60 s."""
        records = self.records()
        changes = []
        for identifier, weight in zip((EXPRESS, SERVERLESS), weights_for(percent), strict=True):
            record = {key: value for key, value in records[identifier].items() if key != "Weight"}
            record["Weight"] = weight
            if "AliasTarget" not in record:
                record["TTL"] = TTL_SECONDS
            changes.append({"Action": "UPSERT", "ResourceRecordSet": record})
        return {"Comment": f"brickguard rollout: {percent}% serverless", "Changes": changes}

    def apply(self, percent: int, timeout: float = WAIT_TIMEOUT_SECONDS) -> float:
        """Change both weights in one batch and wait for INSYNC; returns the seconds it took."""
        start = self._clock()
        batch = self.change_batch(percent)
        change = self._client.change_resource_record_sets(HostedZoneId=self._zone, ChangeBatch=batch)
        change_id = change["ChangeInfo"]["Id"]
        status = change["ChangeInfo"]["Status"]
        while status != "INSYNC":
            if self._clock() - start > timeout:
                raise WeightsError(f"Route53 change {change_id} still {status} after {timeout:.0f} s")
            self._sleep(POLL_SECONDS)
            status = self._client.get_change(Id=change_id)["ChangeInfo"]["Status"]
        return self._clock() - start

    def _checked(self, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        missing = [identifier for identifier in (EXPRESS, SERVERLESS) if identifier not in found]
        if missing:
            raise WeightsError(
                f"{self._name} in zone {self._zone} has no weighted record with SetIdentifier {', '.join(missing)}"
            )
        return found


def propagation_seconds(previous_ttl: int | None) -> int:
    """How long after INSYNC a resolver may still answer with the old weights: the TTL it cached."""
    return previous_ttl if previous_ttl is not None else TTL_SECONDS
