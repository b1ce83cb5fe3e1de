"""What the stack declares for ``brickguard rollout`` to find and move: the weighted records'
identifiers, TTL and first weights, and the names of the outputs that locate them.

Kept here because the stack makes these things and the rollout reads them: ``rollout`` imports
this module, the stack never imports ``rollout`` (DESIGN.md's layering).
"""

from __future__ import annotations

from runtime.telemetry import catalogue

EXPRESS, SERVERLESS = catalogue.EXPRESS, catalogue.SERVERLESS  # the weighted records' SetIdentifiers
TTL_SECONDS = 60  # the seeds' TTL of both weighted records
INITIAL_WEIGHTS = (100, 0)  # (express, serverless): a new stack sends everything to express
CONFIG_KEY = "config.json"  # the frontend's runtime configuration, in the config bucket
CONFIG_CACHE_CONTROL = "max-age=60"  # every browser sees a flip within a minute
USE_SERVERLESS = "useServerless"  # the one key the rollout commands change
API_BASE_URL = "apiBaseUrl"
COGNITO_CONFIG = "cognitoConfig"
"""Seed 001's ``/config.json``: ``{apiBaseUrl, cognitoConfig: {region, userPoolId, userPoolWebClientId},
useServerless}``. The stack writes the first two (infrastructure, per environment) and creates
``useServerless`` as ``false``; after that only the rollout commands change it, and every writer
keeps the keys it does not own."""
OUTPUT_KEYS = {  # rollout option -> the stack output that gives it
    "hosted_zone_id": "HostedZoneId",
    "record_name": "ApiRecordName",
    "config_bucket": "ConfigBucketName",
    "deploy_window_alarm": "DeployWindowAlarmName",
    "service": "ServiceName",
    "api_id": "HttpApiId",  # the edge the gate reads (API Gateway's ApiId dimension)
}
