"""The URL map: the app's rules, matched against request paths and used to build URLs."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar, NamedTuple

from ..exceptions import NotFound
from .adapter import MapAdapter
from .building import BuildError, encode_query, explain_build_failure, normalize_build_values
from .converters import BaseConverter
from .converters import default_converters as _builtin_converters
from .domains import DomainTable
from .matcher import RuleMatcher
from .rules import Rule


class _Compiled(NamedTuple):
    http: RuleMatcher
    websocket: RuleMatcher
    builders: dict[str, list[Rule]]
    #: Rules grouped by subdomain or host; None when every rule is on the default domain.
    domains: DomainTable | None


class Map:
    """A set of rules; ``match`` finds the rule for a path, ``build`` writes a URL for one.

    ``converters`` maps converter names to classes; register custom ones before adding the
    rules that use them. The matching structures are compiled once, on the first ``match``
    or ``build`` after rules were added.
    """

    default_converters: ClassVar[dict[str, type[BaseConverter]]] = dict(_builtin_converters)

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        *,
        strict_slashes: bool = True,
        host_matching: bool = False,
        default_subdomain: str = "",
    ) -> None:
        #: Converter classes by name, a copy of ``default_converters``.
        self.converters: dict[str, type[BaseConverter]] = dict(self.default_converters)
        self.strict_slashes = strict_slashes
        #: Whether rules match on the whole host (``Rule(host=...)``) instead of a subdomain.
        self.host_matching = host_matching
        #: The subdomain of rules that name none.
        self.default_subdomain = default_subdomain
        self._rules: list[Rule] = []
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        """Add ``rule`` (binding its converters to this map's)."""
        with self._lock:
            rule.bind(self)
            self._rules.append(rule)
            self._compiled = None

    def iter_rules(self, endpoint: str | None = None) -> Iterator[Rule]:
        """The rules in the order they were added, optionally only those of ``endpoint``."""
        if endpoint is None:
            return iter(list(self._rules))
        return iter([rule for rule in self._rules if rule.endpoint == endpoint])

    def __iter__(self) -> Iterator[Rule]:
        return self.iter_rules()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._rules!r})"

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: Mapping[str, Any] | str | None = None,
    ) -> MapAdapter:
        """An adapter that matches paths and builds URLs as served on ``server_name``."""
        return MapAdapter(
            self,
            server_name.lower(),
            script_name or "/",
            subdomain,
            url_scheme,
            path_info or "/",
            default_method,
            query_args,
        )

    def is_endpoint_expecting(self, endpoint: str, *arguments: str) -> bool:
        """Whether some rule of ``endpoint`` takes all of ``arguments`` (e.g. ``'lang_code'``)."""
        wanted = set(arguments)
        return any(wanted <= rule.arguments for rule in self._compile().builders.get(endpoint, ()))

    def match(
        self,
        path: str,
        method: str = "GET",
        *,
        websocket: bool = False,
        domain: str | None = None,
    ) -> tuple[Rule, dict[str, Any]]:
        """The rule for the percent-decoded ``path`` and its converted values (with defaults).

        HTTP and websocket rules are separate: ``websocket=True`` only looks at websocket
        rules. ``domain`` is the request's subdomain (or host, with ``host_matching``);
        None matches the rules of the default subdomain. Raises ``NotFound``,
        ``MethodNotAllowed`` (with ``valid_methods``) when the path matches only rules
        that refuse ``method``, or ``RequestRedirect`` to the path with a trailing slash
        when the rule has one and strict slashes.
        """
        compiled = self._compiled or self._compile()
        if domain is not None:
            if compiled.domains is not None:
                return compiled.domains.match(domain, path, method, websocket)
            if domain.lower() != self.default_subdomain:
                raise NotFound()
        return (compiled.websocket if websocket else compiled.http).match(path, method)

    def allowed_methods(
        self, path: str, *, websocket: bool = False, domain: str | None = None
    ) -> set[str]:
        """The methods the rules matching ``path`` accept (empty if none matches)."""
        compiled = self._compiled or self._compile()
        if domain is not None and compiled.domains is not None:
            return compiled.domains.allowed_methods(domain, path, websocket)
        return (compiled.websocket if websocket else compiled.http).allowed_methods(path)

    def build(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        append_unknown: bool = True,
        websocket: bool | None = None,
    ) -> str:
        """The path for ``endpoint`` with ``values``, plus ``?query`` for the other values.

        Rules with more arguments (then more defaults) are tried first; a rule fits when
        every placeholder has a value or a default and values given for its defaults equal
        them. ``None`` values are dropped; list and tuple values repeat their query key.
        Raises ``BuildError`` when no rule fits.
        """
        return self.build_with_rule(
            endpoint, values, method=method, append_unknown=append_unknown, websocket=websocket
        )[0]

    def build_with_rule(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        append_unknown: bool = True,
        websocket: bool | None = None,
    ) -> tuple[str, Rule]:
        """``build``, also returning the rule used (for its subdomain or host)."""
        compiled = self._compiled or self._compile()
        given = normalize_build_values(values)
        wanted_method = method.upper() if method else None
        rules = compiled.builders.get(endpoint, [])
        for rule in rules:
            if websocket is not None and rule.websocket != websocket:
                continue
            if not rule.suitable_for(given, wanted_method):
                continue
            path = rule.build_path(given)
            if append_unknown:
                query = {key: value for key, value in given.items() if key not in rule.arguments}
                if query:
                    path = f"{path}?{encode_query(query)}"
            return path, rule
        message = explain_build_failure(
            endpoint, rules, given, wanted_method, websocket, compiled.builders
        )
        raise BuildError(endpoint, given, method, message)

    def _compile(self) -> _Compiled:
        with self._lock:
            if self._compiled is None:
                matching = [rule for rule in self._rules if not rule.build_only]
                builders: dict[str, list[Rule]] = {}
                for rule in self._rules:
                    if rule.endpoint is not None:
                        builders.setdefault(rule.endpoint, []).append(rule)
                for endpoint_rules in builders.values():
                    endpoint_rules.sort(key=lambda rule: rule.build_order)
                domains: DomainTable | None = None
                if self.host_matching or any(
                    self._domain_of(rule) != self.default_subdomain for rule in matching
                ):
                    domains = DomainTable(matching, self._domain_of)
                    matching = [
                        rule for rule in matching if self._domain_of(rule) == self.default_subdomain
                    ]
                self._compiled = _Compiled(
                    RuleMatcher(rule for rule in matching if not rule.websocket),
                    RuleMatcher(rule for rule in matching if rule.websocket),
                    builders,
                    domains,
                )
            return self._compiled

    def _domain_of(self, rule: Rule) -> str:
        if self.host_matching:
            return rule.host or ""
        return rule.subdomain if rule.subdomain is not None else self.default_subdomain


__all__ = ["Map"]
