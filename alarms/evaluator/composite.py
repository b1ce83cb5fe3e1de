"""Composite alarm rules: ``ALARM()``, ``OK()``, ``INSUFFICIENT_DATA()``, ``TRUE``, ``FALSE``,
``AND``, ``OR``, ``NOT`` and parentheses.

Alarm names may be quoted (``ALARM("my-alarm")``) or bare. Precedence is NOT over AND over OR; our
rules parenthesise whenever they mix AND and OR so the reading never depends on it.

Example::

    rule = parse_rule('ALARM("a") AND NOT (OK(b) OR FALSE)')
    rule.children            # frozenset({"a", "b"})
    rule.evaluate({"a": "ALARM", "b": "ALARM"})   # True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from alarms.evaluator.states import STATES

Check = Callable[[Mapping[str, str]], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<state>ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:\"(?P<quoted>[^\"]+)\"|(?P<bare>[^\s()\"]+))\s*\)"
    r"|(?P<word>TRUE|FALSE|AND|OR|NOT)\b|(?P<paren>[()]))"
)


class RuleError(ValueError):
    """The rule does not follow the composite alarm rule syntax."""


@dataclass(frozen=True)
class Rule:
    """A parsed rule: the alarm names it reads and a predicate over their states."""

    source: str
    children: frozenset[str]
    check: Check

    def evaluate(self, states: Mapping[str, str]) -> bool:
        return self.check(states)


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = source.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise RuleError(f"cannot read rule at {position}: {text[position:position + 30]!r}")
        if match.group("state"):
            tokens.append((match.group("state"), match.group("quoted") or match.group("bare")))
        else:
            tokens.append((match.group("word") or match.group("paren"), ""))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.position = 0
        self.children: set[str] = set()

    def peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise RuleError(f"rule ends early: {self.source!r}")
        token = self.tokens[self.position]
        if expected is not None and token[0] != expected:
            raise RuleError(f"expected {expected} but found {token[0]} in {self.source!r}")
        self.position += 1
        return token

    def parse(self) -> Rule:
        check = self.either()
        if self.peek() is not None:
            raise RuleError(f"unexpected {self.peek()} in {self.source!r}")
        return Rule(self.source, frozenset(self.children), check)

    def either(self) -> Check:
        parts = [self.both()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else (lambda states: any(part(states) for part in parts))

    def both(self) -> Check:
        parts = [self.negation()]
        while self.peek() == "AND":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda states: all(part(states) for part in parts))

    def negation(self) -> Check:
        if self.peek() == "NOT":
            self.take()
            inner = self.negation()
            return lambda states: not inner(states)
        return self.atom()

    def atom(self) -> Check:
        kind, name = self.take()
        if kind == "(":
            inner = self.either()
            self.take(")")
            return inner
        if kind in ("TRUE", "FALSE"):
            constant = kind == "TRUE"
            return lambda states: constant
        if kind in STATES:
            self.children.add(name)
            return lambda states: states.get(name) == kind
        raise RuleError(f"unexpected {kind} in {self.source!r}")


def parse_rule(source: str) -> Rule:
    """Parse a composite alarm rule; raises :class:`RuleError` with the offending place."""
    return _Parser(source).parse()
