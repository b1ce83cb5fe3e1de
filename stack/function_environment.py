"""The functions' environment: the variables every Lambda function is configured with, named once.

Two writers set them — the stack (values are CloudFormation references to its parameters) and
``brickguard up`` (values point at the local servers) — through :func:`shared_variables` plus
what only their side has. One reader uses them: ``runtime.config`` (and ``guards.db_credentials``)
inside the function, which may not import ``stack``; a test checks that every name set here is
read there, so a variable set under a name the function never reads fails.
"""

from __future__ import annotations

from typing import Any

from runtime.telemetry import catalogue

BACKEND = "BRICKGUARD_BACKEND"
TRACING = "BRICKGUARD_TRACING"
STAGE = "STAGE"
MIGRATION_MODE = "MIGRATION_MODE"
SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
DATABASE_URL = "DATABASE_URL"
DATABASE_AUTH = "BRICKGUARD_DB_AUTH"
DATABASE_SECRET_ARN = "BRICKGUARD_DB_SECRET_ARN"  # noqa: S105 - the variable's name, not a secret
REDIS_URL = "REDIS_URL"
OPENSEARCH_URL = "OPENSEARCH_URL"
S3_BUCKET = "S3_BUCKET"
S3_ENDPOINT_URL = "S3_ENDPOINT_URL"
S3_PUBLIC_URL = "S3_PUBLIC_URL"
COGNITO_USER_POOL_ID = "COGNITO_USER_POOL_ID"
COGNITO_ENDPOINT_URL = "COGNITO_ENDPOINT_URL"
JWT_ISSUER = "JWT_ISSUER"
JWT_AUDIENCE = "JWT_AUDIENCE"
JWT_JWKS_URL = "JWT_JWKS_URL"
DATA_DIR = "BRICKGUARD_DATA_DIR"
BREAKER_FORCE = "BRICKGUARD_BREAKER_FORCE"
BREAKER_GAUGE_PERIOD_MS = "BRICKGUARD_BREAKER_GAUGE_PERIOD_MS"

NAMES = (
    BACKEND, TRACING, STAGE, MIGRATION_MODE, SERVICE_NAME, METRICS_NAMESPACE, DATABASE_URL, DATABASE_AUTH,
    DATABASE_SECRET_ARN, REDIS_URL, OPENSEARCH_URL, S3_BUCKET, S3_ENDPOINT_URL, S3_PUBLIC_URL,
    COGNITO_USER_POOL_ID, COGNITO_ENDPOINT_URL, JWT_ISSUER,
    JWT_AUDIENCE, JWT_JWKS_URL, DATA_DIR, BREAKER_FORCE, BREAKER_GAUGE_PERIOD_MS,
)
"""Every variable of the contract (the single-source test reads this)."""


def shared_variables(
    *, tracing: Any, service: Any, namespace: Any, migration_mode: Any, database_url: Any, redis_url: Any,
    opensearch_url: Any, s3_bucket: Any,
) -> dict[str, Any]:
    """What both writers set: a function always runs as the serverless backend."""
    return {
        BACKEND: catalogue.SERVERLESS,
        TRACING: tracing,
        SERVICE_NAME: service,
        METRICS_NAMESPACE: namespace,
        MIGRATION_MODE: migration_mode,
        DATABASE_URL: database_url,
        REDIS_URL: redis_url,
        OPENSEARCH_URL: opensearch_url,
        S3_BUCKET: s3_bucket,
    }
