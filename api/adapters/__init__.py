"""The API's adapters to what it depends on: PostgreSQL, Redis, OpenSearch (and its index), S3, and the
outbox of deferred side effects. Each wraps a client in the guards (breaker, deadline, retry);
services receive them as parameters.
"""
