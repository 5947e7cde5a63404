"""URL rules: parsing ``/users/<int:id>``, converting matched text and building paths back."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .converters import BaseConverter, parse_converter_args

if TYPE_CHECKING:
    from .domains import DomainPattern
    from .map import Map

_PLACEHOLDER_RE = re.compile(
    r"""<
    (?:
        (?P<converter>[A-Za-z_][A-Za-z0-9_]*)
        (?:\((?P<args>(?:[^()"']|"[^"]*"|'[^']*')*)\))?
        :
    )?
    (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    >""",
    re.VERBOSE,
)
_STATIC_SAFE = "/!$&'()*+,:;=@"
_WEBSOCKET_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Placeholder:
    """A ``<converter(args):name>`` piece of a rule string."""

    name: str
    converter: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def parse_rule(rule: str) -> list[str | Placeholder]:
    """Split a rule string into static text and placeholders; ``ValueError`` if malformed."""
    pieces: list[str | Placeholder] = []
    pos = 0
    while pos < len(rule):
        start = rule.find("<", pos)
        static = rule[pos:] if start == -1 else rule[pos:start]
        if ">" in static:
            raise ValueError(
                f"URL rule {rule!r} has a '>' without a matching '<'; placeholders look like"
                " <name>, <int:id> or <string(length=2):code>"
            )
        if static:
            pieces.append(static)
        if start == -1:
            break
        match = _PLACEHOLDER_RE.match(rule, start)
        if match is None:
            end = rule.find(">", start)
            bad = rule[start:] if end == -1 else rule[start : end + 1]
            raise ValueError(
                f"URL rule {rule!r} has a malformed placeholder {bad!r}; write <name>,"
                " <converter:name> or <converter(args):name> with Python-identifier names,"
                " e.g. <int:id>"
            )
        try:
            args, kwargs = parse_converter_args(match["args"] or "")
        except ValueError as exc:
            raise ValueError(f"URL rule {rule!r}: {exc}") from None
        pieces.append(Placeholder(match["name"], match["converter"] or "default", args, kwargs))
        pos = match.end()
    return pieces


class Rule:
    """A URL rule: a path pattern, the endpoint it leads to and the methods it accepts.

    ``Rule("/users/<int:id>", endpoint="user", methods=["GET"])``. ``HEAD`` is added when
    ``GET`` is allowed; websocket rules always have ``{"GET"}``. ``defaults`` supplies values
    for arguments the pattern does not contain. ``strict_slashes`` (default: the map's) makes
    ``/about`` redirect to the rule ``/about/`` instead of matching it directly.
    """

    map: Map | None
    strict_slashes: bool | None

    def __init__(
        self,
        string: str,
        *,
        endpoint: str | None = None,
        methods: Iterable[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        strict_slashes: bool | None = None,
        websocket: bool = False,
        build_only: bool = False,
        subdomain: str | None = None,
        host: str | None = None,
    ) -> None:
        if not isinstance(string, str) or not string.startswith("/"):
            raise ValueError(f"URL rule {string!r} must be a string starting with '/'")
        self.rule = string
        self.endpoint = endpoint
        self.defaults = dict(defaults) if defaults is not None else None
        self.strict_slashes = strict_slashes
        self.websocket = websocket
        self.build_only = build_only
        #: The subdomain the rule answers on (with ``subdomain_matching``); may hold
        #: placeholders, e.g. ``"<user>"``. None: the map's default subdomain.
        self.subdomain = subdomain
        #: The host the rule answers on when the map matches hosts (``host_matching``).
        self.host = host
        #: The compiled subdomain or host, set by ``bind`` when the rule names one.
        self.domain_pattern: DomainPattern | None = None
        self._domain_names: tuple[str, ...] = ()
        #: Whether the app answers OPTIONS for this rule itself (set by the app).
        self.provide_automatic_options = False
        self.methods = _normalize_methods(string, methods, websocket)
        self.map = None

        self._pieces = parse_rule(string)
        names = [piece.name for piece in self._pieces if isinstance(piece, Placeholder)]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(
                f"URL rule {string!r} uses the argument name(s) {', '.join(duplicates)} more"
                " than once; give every placeholder its own name"
            )
        #: Every name a URL for this rule carries: the placeholders plus the ``defaults`` keys.
        self.arguments: set[str] = set(names) | set(self.defaults or ())
        self.is_static = not names
        self._names = tuple(names)
        self._converters: dict[str, BaseConverter] = {}
        #: Turns the captured texts (in placeholder order) into the view's keyword arguments
        #: plus the defaults; raises ``ValidationError`` when a converter rejects its text.
        self.convert: Callable[[Sequence[str]], dict[str, Any]] = _converting_function(self, ())
        self._build_pieces: tuple[tuple[bool, str], ...] = tuple(
            (True, piece.name)
            if isinstance(piece, Placeholder)
            else (False, quote(piece, safe=_STATIC_SAFE))
            for piece in self._pieces
        )

    def bind(self, map: Map) -> None:
        """Attach the rule to ``map``: create its converters and inherit ``strict_slashes``."""
        if self.map is not None:
            raise ValueError(
                f"{self!r} is already added to a Map; create a new Rule for another map"
            )
        converters: dict[str, BaseConverter] = {}
        for piece in self._pieces:
            if isinstance(piece, Placeholder):
                converters[piece.name] = self._make_converter(map, piece)
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        self._converters = converters
        self.convert = _converting_function(self, tuple(converters.items()))
        domain = self.host if getattr(map, "host_matching", False) else self.subdomain
        if domain:
            from .domains import DomainPattern

            self.domain_pattern = DomainPattern(domain, map, self._make_converter)
            self._domain_names = self.domain_pattern.names
            self.arguments |= set(self._domain_names)
        self.map = map

    def build_domain(self, values: Mapping[str, Any]) -> str | None:
        """The subdomain or host of a URL for ``values``, or None when the rule names none."""
        pattern = self.domain_pattern
        if pattern is None:
            return None
        return pattern.build(values, self.defaults or {})

    def _make_converter(self, map: Map, piece: Placeholder) -> BaseConverter:
        converter_class = map.converters.get(piece.converter)
        if converter_class is None:
            known = ", ".join(sorted(map.converters))
            raise ValueError(
                f"URL rule {self.rule!r} uses the unknown converter {piece.converter!r} (known:"
                f" {known}). Register it first: app.url_map.converters[{piece.converter!r}] ="
                " YourConverter"
            )
        try:
            converter = converter_class(map, *piece.args, **piece.kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"URL rule {self.rule!r}: the {piece.converter!r} converter of"
                f" <{piece.name}> rejects its arguments: {exc}"
            ) from None
        try:
            re.compile(converter.regex)
        except re.error as exc:
            raise ValueError(
                f"URL rule {self.rule!r}: the {piece.converter!r} converter of <{piece.name}>"
                f" has an invalid regex {converter.regex!r}: {exc}"
            ) from None
        return converter

    @property
    def converters(self) -> Mapping[str, BaseConverter]:
        """The converter of each placeholder, by argument name (filled in by ``bind``)."""
        return self._converters

    @property
    def pieces(self) -> Sequence[str | Placeholder]:
        """The rule string split into static text and placeholders."""
        return self._pieces

    @property
    def _trace(self) -> list[tuple[bool, str]]:
        # Werkzeug's shape, which tools that document routes read (OpenAPI generators):
        # ``(is_placeholder, name or text)`` for the domain, then ``(False, "|")``, then
        # the path.
        domain = self.domain_pattern.pieces if self.domain_pattern is not None else []
        return [
            (True, piece.name) if isinstance(piece, Placeholder) else (False, piece)
            for piece in (*domain, "|", *self._pieces)
        ]

    def allows(self, method: str) -> bool:
        """Whether requests with ``method`` may use this rule."""
        return self.methods is None or method in self.methods

    def suitable_for(self, values: Mapping[str, Any], method: str | None = None) -> bool:
        """Whether ``values`` (and ``method``) can build a URL for this rule.

        Every placeholder needs a value or a default, and values given for ``defaults`` keys
        must equal the defaults.
        """
        if method is not None and not self.allows(method):
            return False
        defaults = self.defaults or {}
        for name in (*self._names, *self._domain_names):
            if name not in values and name not in defaults:
                return False
        return all(values[key] == value for key, value in defaults.items() if key in values)

    def build_path(self, values: Mapping[str, Any]) -> str:
        """The URL path for ``values`` (which must be suitable), through each ``to_url``."""
        defaults = self.defaults or {}
        parts = []
        for is_placeholder, text in self._build_pieces:
            if is_placeholder:
                value = values[text] if text in values else defaults[text]
                parts.append(self._converters[text].to_url(value))
            else:
                parts.append(text)
        return "".join(parts)

    @property
    def build_order(self) -> tuple[int, int]:
        """Sort key trying rules with more arguments, then more defaults, first."""
        return (-len(self.arguments), -len(self.defaults or ()))

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        if self.websocket:
            methods = " (WEBSOCKET)"
        elif self.methods is not None:
            methods = f" ({', '.join(sorted(self.methods))})"
        else:
            methods = ""
        return f"<{type(self).__name__} {self.rule!r}{methods} -> {self.endpoint}>"


def _converting_function(
    rule: Rule, converters: tuple[tuple[str, BaseConverter], ...]
) -> Callable[[Sequence[str]], dict[str, Any]]:
    # Built once per rule: matching calls it for every request.
    steps = tuple(
        (name, None if type(conv).to_python is BaseConverter.to_python else conv.to_python)
        for name, conv in converters
    )
    if len(steps) == 1 and (only := steps[0][1]) is not None:
        name = steps[0][0]

        def convert_one(captured: Sequence[str]) -> dict[str, Any]:
            value = only(captured[0])
            return {**rule.defaults, name: value} if rule.defaults else {name: value}

        return convert_one

    def convert(captured: Sequence[str]) -> dict[str, Any]:
        values = dict(rule.defaults) if rule.defaults else {}
        for (key, to_python), text in zip(steps, captured, strict=False):
            values[key] = text if to_python is None else to_python(text)
        return values

    return convert


def _normalize_methods(
    rule: str, methods: Iterable[str] | None, websocket: bool
) -> set[str] | None:
    if methods is None:
        return {"GET"} if websocket else None
    if isinstance(methods, str):
        raise TypeError(
            f"methods of URL rule {rule!r} must be a list of method names such as"
            f" ['GET', 'POST'], not the string {methods!r}"
        )
    normalized = {str(method).upper() for method in methods}
    if websocket:
        if normalized - _WEBSOCKET_METHODS:
            raise ValueError(
                f"websocket rule {rule!r} can only use GET, HEAD and OPTIONS, not"
                f" {', '.join(sorted(normalized - _WEBSOCKET_METHODS))}"
            )
        return {"GET"}
    if "GET" in normalized:
        normalized.add("HEAD")
    return normalized


__all__ = ["Placeholder", "Rule", "parse_rule"]
