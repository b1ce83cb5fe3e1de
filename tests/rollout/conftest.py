"""Fixtures for the rollout tests: the stack tests' moto server on loopback."""

from tests.stack.conftest import moto_endpoint

__all__ = ["moto_endpoint"]
