"""Unit tests of the resilience primitives in ``guards`` (breaker, retry, budget, deadline, errors)."""
