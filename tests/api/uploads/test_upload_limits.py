"""The direct-upload ceiling follows from the documented limits (docs/uploads.md)."""

from __future__ import annotations

import base64
import os

from api.uploads import upload_limits


def test_base64_size_is_what_base64_produces() -> None:
    for size in (0, 1, 2, 3, 4, 1000, 4097):
        assert upload_limits.base64_size(size) == len(base64.b64encode(os.urandom(size)))


def test_the_largest_direct_body_is_the_last_one_whose_event_fits_six_mib() -> None:
    room = upload_limits.LAMBDA_SYNC_PAYLOAD_BYTES - upload_limits.EVENT_OVERHEAD_BYTES
    largest = upload_limits.largest_direct_body()
    assert largest == 4_521_984
    assert upload_limits.base64_size(largest) <= room < upload_limits.base64_size(largest + 1)


def test_the_ceiling_is_below_lambdas_limit_and_far_below_api_gateways() -> None:
    assert upload_limits.DIRECT_UPLOAD_MAX_BYTES == 4 * 1024 * 1024
    assert upload_limits.largest_direct_body() >= upload_limits.DIRECT_UPLOAD_MAX_BYTES
    assert upload_limits.base64_size(upload_limits.API_GATEWAY_PAYLOAD_BYTES) > upload_limits.LAMBDA_SYNC_PAYLOAD_BYTES
