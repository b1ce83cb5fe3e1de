"""The function table is one consistent source: handlers exist, settings are ones Lambda accepts."""

from __future__ import annotations

import importlib

from api.functions import FUNCTIONS, FUNCTIONS_BY_NAME


def test_every_function_handler_string_resolves_to_its_entry_point():
    for function in FUNCTIONS:
        module_name, _, attribute = function.handler.rpartition(".")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute)), function.handler
        assert module.HANDLERS[function.name] is getattr(module, attribute)


def test_settings_are_within_what_lambda_accepts():
    for function in FUNCTIONS:
        assert 128 <= function.memory_mb <= 10240, function.name
        assert 1 <= function.timeout_seconds <= 900, function.name
        if function.reserved_concurrency is not None:
            assert function.provisioned_concurrency <= function.reserved_concurrency, function.name
        assert function.provisioned_concurrency >= 0


def test_names_are_unique_and_every_route_belongs_to_one_function():
    assert len(FUNCTIONS_BY_NAME) == len(FUNCTIONS)
    routes = [route for function in FUNCTIONS for route in function.routes]
    assert len(routes) == len(set(routes))
