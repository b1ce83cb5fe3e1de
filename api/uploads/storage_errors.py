"""S3 failures as the API's errors: an open breaker or an unreachable S3 is a 503 with ``Retry-After``.

A deadline that runs out while waiting for S3 propagates (the resolver answers
504); anything S3 did not cause (a bug, a refused key) propagates unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from guards import errors
from guards.deadline import DeadlineExceeded
from runtime.errors import ServiceUnavailable

UNAVAILABLE = "File storage is unavailable, try again shortly"
RETRY_AFTER_S = 5


@contextmanager
def storage_errors() -> Iterator[None]:
    from guards.breaker import BreakerOpenError

    try:
        yield
    except BreakerOpenError as exc:
        raise ServiceUnavailable(UNAVAILABLE, retry_after=max(1, math.ceil(exc.retry_after))) from exc
    except DeadlineExceeded:
        raise
    except Exception as exc:
        if errors.is_dependency_failure(exc):
            raise ServiceUnavailable(UNAVAILABLE, retry_after=RETRY_AFTER_S) from exc
        raise
