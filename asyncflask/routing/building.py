"""Building URLs: the values a build accepts, the query string, and errors that say what to fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from ..exceptions import RoutingException
from .rules import Rule

# Characters left unquoted in query keys and values (spaces become "+").
_QUERY_SAFE = "!$'()*,/:;?@"


class BuildError(RoutingException, LookupError):
    """No URL could be built for ``endpoint`` with these ``values`` (and ``method``).

    The message says why: an unknown endpoint (with close names), missing or conflicting
    values, or a method none of the endpoint's rules allows.
    """

    def __init__(
        self,
        endpoint: str,
        values: Mapping[str, Any],
        method: str | None,
        message: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.values = dict(values)
        self.method = method
        self.message = message or f"Could not build a URL for endpoint {endpoint!r}."
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def normalize_build_values(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The values to build with: ``None`` dropped, multi-dicts turned into lists."""
    if not values:
        return {}
    lists = getattr(values, "lists", None)
    if callable(lists):
        result: dict[str, Any] = {}
        for key, items in lists():
            kept = [item for item in items if item is not None]
            if kept:
                result[key] = kept[0] if len(kept) == 1 else kept
        return result
    return {key: value for key, value in values.items() if value is not None}


def encode_query(values: Mapping[str, Any]) -> str:
    """``a=1&b=x+y``; list and tuple values repeat their key, in the order given."""
    pairs: list[tuple[str, Any]] = []
    for key, value in values.items():
        if isinstance(value, list | tuple):
            pairs.extend((key, item) for item in value if item is not None)
        else:
            pairs.append((key, value))
    return urlencode(pairs, safe=_QUERY_SAFE)


def explain_build_failure(
    endpoint: str,
    rules: Sequence[Rule],
    values: Mapping[str, Any],
    method: str | None,
    websocket: bool | None,
    known_endpoints: Iterable[str],
) -> str:
    """A message telling why no rule of ``endpoint`` can build a URL and how to fix it."""
    head = f"Could not build a URL for endpoint {endpoint!r}"
    if not rules:
        close = difflib.get_close_matches(endpoint, list(known_endpoints), n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
        return (
            f"{head}: no rule has this endpoint.{hint} An endpoint is the view function's"
            " name (or the endpoint= given to route()), prefixed with the blueprint name and a"
            " dot for blueprint views, e.g. 'admin.index'."
        )
    candidates = [rule for rule in rules if websocket is None or rule.websocket == websocket]
    if not candidates:
        kind, other = ("websocket", "HTTP") if websocket else ("HTTP", "websocket")
        return f"{head}: it has no {kind} rule, only {other} ones ({_rule_list(rules)})."
    if method is not None:
        allowing = [rule for rule in candidates if rule.allows(method)]
        if not allowing:
            methods: set[str] = set()
            for rule in candidates:
                methods |= rule.methods or set()
            return (
                f"{head} with method {method!r}: its rules allow only"
                f" {', '.join(sorted(methods))}. Build it with one of those methods or none."
            )
        candidates = allowing
    reasons = []
    missing_example: list[str] = []
    for rule in candidates:
        defaults = rule.defaults or {}
        missing = [name for name in rule.converters if name not in values and name not in defaults]
        conflicting = [
            f"{key}={value!r} (got {values[key]!r})"
            for key, value in defaults.items()
            if key in values and values[key] != value
        ]
        if missing:
            names = ", ".join(repr(name) for name in missing)
            reasons.append(f"rule {rule.rule!r} needs a value for {names}")
            missing_example = missing_example or missing
        if conflicting:
            reasons.append(f"rule {rule.rule!r} only builds {', '.join(conflicting)}")
    message = f"{head}: {'; '.join(reasons)}."
    if missing_example:
        arguments = ", ".join(f"{name}=..." for name in missing_example)
        message += f" Pass the missing values, e.g. url_for({endpoint!r}, {arguments})."
    return message


def _rule_list(rules: Sequence[Rule]) -> str:
    return ", ".join(repr(rule.rule) for rule in rules)


__all__ = ["BuildError", "encode_query", "explain_build_failure", "normalize_build_values"]
