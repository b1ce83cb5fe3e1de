"""redis-py imported without OpenTelemetry's metrics SDK still works, and leaves the SDK importable after."""

from __future__ import annotations

import json
import subprocess
import sys

CHECK = """
import json, sys
from api.adapters.cache import REDIS_UNUSED_IMPORT, import_redis
redis = import_redis()
during = REDIS_UNUSED_IMPORT in sys.modules
pong = redis.Redis.from_url(sys.argv[1]).ping()
import redis.observability.providers as providers
import opentelemetry.sdk.metrics
print(json.dumps({"during": during, "pong": pong, "redis_otel": providers.OTEL_AVAILABLE}))
"""


def test_redis_imported_without_the_otel_metrics_sdk_pings_and_the_sdk_still_imports_after(redis_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK, redis_url], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer == {"during": False, "pong": True, "redis_otel": False}
