"""The local API Gateway HTTP API: the gateway (routes from the function table, payload v2.0 events,
the JWT authorizer, throttling and API Gateway's own answers).
"""
