"""The metric-math subset our alarms use, evaluated one timestamp at a time.

Supported: numbers, query ids, ``+ - * /``, unary minus, parentheses, ``FILL(m, value)`` and
``SUM/MAX/MIN/AVG`` over an array ``[m1, m2, ...]``. A missing operand makes the result missing and
division by zero yields no value, as in CloudWatch; array functions aggregate the values present.

Example::

    compile_expression("100 * FILL(errors, 0) / requests").evaluate({"errors": None, "requests": 50.0})
    # -> 0.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Env = Mapping[str, float | None]
Node = Callable[[Env], float | None]

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/(),\[\]]))")
_ARRAY_FUNCTIONS: dict[str, Callable[[list[float]], float]] = {
    "SUM": math.fsum,
    "MAX": max,
    "MIN": min,
    "AVG": lambda values: math.fsum(values) / len(values),
}


class MathError(ValueError):
    """The expression is outside the supported subset or malformed."""


@dataclass(frozen=True)
class Expression:
    """A compiled expression and the query ids it reads."""

    source: str
    ids: frozenset[str]
    node: Node

    def evaluate(self, env: Env) -> float | None:
        return self.node(env)


def _tokenize(source: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise MathError(f"unexpected character at {position} in {source!r}")
        tokens.append(match.group(match.lastgroup or "op"))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.position = 0
        self.ids: set[str] = set()

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise MathError(f"expected {expected or 'more input'} in {self.source!r}, got {token!r}")
        self.position += 1
        return token

    def parse(self) -> Expression:
        node = self.sum()
        if self.peek() is not None:
            raise MathError(f"unexpected {self.peek()!r} in {self.source!r}")
        return Expression(self.source, frozenset(self.ids), node)

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            node = _binary(self.take(), node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            node = _binary(self.take(), node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "-":
            self.take()
            inner = self.unary()
            return lambda env: None if (value := inner(env)) is None else -value
        return self.primary()

    def primary(self) -> Node:
        item = self.take()
        if item == "(":
            node = self.sum()
            self.take(")")
            return node
        if item[0].isdigit():
            constant = float(item)
            return lambda env: constant
        if not (item[0].isalpha() or item[0] == "_"):
            raise MathError(f"unexpected {item!r} in {self.source!r}")
        if self.peek() == "(":
            return self.function(item)
        if not item[0].islower():
            raise MathError(f"query ids start with a lowercase letter, got {item!r}")
        self.ids.add(item)
        return lambda env: env.get(item)

    def function(self, name: str) -> Node:
        self.take("(")
        if name == "FILL":
            inner = self.sum()
            self.take(",")
            fill = self.sum()
            self.take(")")
            return lambda env: value if (value := inner(env)) is not None else fill(env)
        if name not in _ARRAY_FUNCTIONS:
            raise MathError(f"function {name} is not in the supported subset")
        items = self.array() if self.peek() == "[" else [self.sum()]
        self.take(")")
        aggregate = _ARRAY_FUNCTIONS[name]

        def call(env: Env) -> float | None:
            present = [value for item in items if (value := item(env)) is not None]
            return aggregate(present) if present else None

        return call

    def array(self) -> list[Node]:
        self.take("[")
        items = [self.sum()]
        while self.peek() == ",":
            self.take(",")
            items.append(self.sum())
        self.take("]")
        return items


def _binary(op: str, left: Node, right: Node) -> Node:
    def apply(env: Env) -> float | None:
        a, b = left(env), right(env)
        if a is None or b is None:
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return None if b == 0 else a / b

    return apply


def compile_expression(source: str) -> Expression:
    """Parse ``source``; raises :class:`MathError` for anything outside the subset."""
    return _Parser(source).parse()
