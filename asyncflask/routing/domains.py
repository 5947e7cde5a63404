"""The host part of routing: rules for a subdomain (``subdomain=``) or a host (``host=``).

A rule's domain is static text (``"api"``, ``"example.com"``) or a pattern with
placeholders (``"<user>"``, ``"<tenant>.example.com"``). The map groups rules by domain;
a request is matched against the groups its domain fits, then by path within each.
Maps whose rules name no domain never build any of this.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import MethodNotAllowed, NotFound
from ..urls import strip_default_port
from .converters import BaseConverter, ValidationError
from .matcher import RuleMatcher
from .rules import Placeholder, Rule, parse_rule

if TYPE_CHECKING:
    from .map import Map


class DomainPattern:
    """A rule's subdomain or host: matched against a request's, and filled in to build URLs."""

    def __init__(
        self,
        text: str,
        map: Map | None = None,
        make_converter: Callable[[Map, Placeholder], BaseConverter] | None = None,
    ) -> None:
        self.text = text
        self.pieces = parse_rule(text) if text else []
        self.names = tuple(p.name for p in self.pieces if isinstance(p, Placeholder))
        self.converters: dict[str, BaseConverter] = {}
        for piece in self.pieces:
            if isinstance(piece, Placeholder):
                if map is None or make_converter is None:
                    raise ValueError(f"The domain {text!r} has placeholders: give the map.")
                self.converters[piece.name] = make_converter(map, piece)
        regex = "".join(
            f"({self.converters[piece.name].regex})"
            if isinstance(piece, Placeholder)
            else re.escape(piece)
            for piece in self.pieces
        )
        self._regex = re.compile(regex, re.IGNORECASE)
        #: More static text first, then the order the domains were first seen in.
        self.weight = -sum(len(p) for p in self.pieces if isinstance(p, str))

    def match(self, domain: str) -> dict[str, Any] | None:
        """The converted placeholder values if ``domain`` fits, else None."""
        found = self._regex.fullmatch(domain)
        if found is None:
            return None
        try:
            return {
                name: self.converters[name].to_python(text)
                for name, text in zip(self.names, found.groups(), strict=True)
            }
        except ValidationError:
            return None

    def build(self, values: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
        """The domain text for ``values`` (falling back to ``defaults``)."""
        parts = []
        for piece in self.pieces:
            if isinstance(piece, Placeholder):
                value = values[piece.name] if piece.name in values else defaults[piece.name]
                parts.append(self.converters[piece.name].to_url(value))
            else:
                parts.append(piece)
        return "".join(parts)


class _Group:
    __slots__ = ("http", "pattern", "websocket")

    def __init__(self, pattern: DomainPattern, rules: list[Rule]) -> None:
        self.pattern = pattern
        self.http = RuleMatcher(rule for rule in rules if not rule.websocket)
        self.websocket = RuleMatcher(rule for rule in rules if rule.websocket)


class DomainTable:
    """The rules grouped by domain, for maps with subdomain or host rules."""

    def __init__(self, rules: Iterable[Rule], domain_of: Callable[[Rule], str]) -> None:
        grouped: dict[str, list[Rule]] = {}
        patterns: dict[str, DomainPattern] = {}
        for rule in rules:
            text = domain_of(rule)
            grouped.setdefault(text, []).append(rule)
            if text not in patterns:
                pattern = rule.domain_pattern
                patterns[text] = (
                    pattern if pattern is not None and pattern.text == text else DomainPattern(text)
                )
        self._static: dict[str, _Group] = {}
        dynamic: list[_Group] = []
        for text, group_rules in grouped.items():
            group = _Group(patterns[text], group_rules)
            if group.pattern.names:
                dynamic.append(group)
            else:
                self._static[text.lower()] = group
        dynamic.sort(key=lambda group: group.pattern.weight)
        self._dynamic = dynamic

    def match(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[Rule, dict[str, Any]]:
        """The rule and values for ``path`` among the groups ``domain`` fits."""
        candidates: list[tuple[dict[str, Any], _Group]] = []
        static = self._static.get(domain.lower())
        if static is not None:
            candidates.append(({}, static))
        for group in self._dynamic:
            values = group.pattern.match(domain)
            if values is not None:
                candidates.append((values, group))
        refused: MethodNotAllowed | None = None
        for values, group in candidates:
            matcher = group.websocket if websocket else group.http
            try:
                rule, args = matcher.match(path, method)
            except MethodNotAllowed as e:
                refused = refused or e
                continue
            except NotFound:
                continue
            # The path's values and the rule's defaults win over the domain's.
            return rule, {**values, **args} if values else args
        if refused is not None:
            raise refused
        raise NotFound()

    def allowed_methods(self, domain: str, path: str, websocket: bool) -> set[str]:
        """The methods the rules for ``domain`` and ``path`` accept."""
        methods: set[str] = set()
        groups = [self._static.get(domain.lower())]
        groups += [g for g in self._dynamic if g.pattern.match(domain) is not None]
        for group in groups:
            if group is not None:
                matcher = group.websocket if websocket else group.http
                methods |= matcher.allowed_methods(path)
        return methods


def subdomain_of(host: str, server_name: str | None, scheme: str, map: Map) -> str:
    """The subdomain of ``host`` relative to ``server_name`` (both lower case).

    Without a server name every host is on the default subdomain. A host outside the
    server name gets ``"<invalid>"``, which no static subdomain matches, and a warning.
    """
    if not server_name:
        return map.default_subdomain
    server = strip_default_port(server_name.lower(), scheme)
    if host == server:
        return ""
    if host.endswith("." + server):
        return host[: -len(server) - 1]
    warnings.warn(
        f"Current server name {host!r} doesn't match configured server name {server!r}",
        stacklevel=2,
    )
    return "<invalid>"


__all__ = ["DomainPattern", "DomainTable", "subdomain_of"]
