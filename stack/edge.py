"""The HTTP API's edge settings from the architecture: CORS, throttling, the access log format.

One place for them, read by the stack (``stack/http_api.py``), by the local gateway
(``devstack/apigateway``: throttling and CORS) and, through the composition root, by express (CORS),
so every edge behaves alike.
"""

from __future__ import annotations

import json

# CORS: origins are the ``CorsAllowOrigins`` parameter (these are its default); credentials are
# allowed, so an origin can never be "*" (a template rule rejects it).
CORS_DEFAULT_ORIGINS = (
    "https://app.lego-moc.example.com",
    "https://staging.lego-moc.example.com",
    "http://localhost:3002",
)
CORS_METHODS = ("GET", "POST", "PATCH", "DELETE", "OPTIONS")
CORS_HEADERS = ("Content-Type", "Authorization", "X-Requested-With", "X-CSRF-Token")
CORS_ALLOW_CREDENTIALS = True
CORS_MAX_AGE_S = 3600

# Throttling (token bucket per stage and route): burst 500, rate 1000/s; uploads 100/s.
THROTTLE_BURST = 500
THROTTLE_RATE_PER_S = 1000
UPLOAD_ROUTES = ("POST /api/mocs/{id}/files", "POST /api/mocs/{id}/upload-parts-list")
UPLOAD_RATE_PER_S = 100
UPLOAD_BURST = 100

# One JSON object per request; $context variables of HTTP APIs. No headers, tokens or user ids.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
}
ACCESS_LOG_FORMAT = json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))
