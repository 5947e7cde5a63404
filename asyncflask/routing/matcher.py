"""The compiled form of a set of rules: finds the rule for a path without scanning them all.

Static rules sit in a dict keyed by path. All rules also sit in a tree keyed by path segment:
each node maps a static segment to a child node, lists the dynamic segment patterns that
lead on (tried in weight order) and the "tails" (rules whose remaining part contains a
converter that spans slashes, such as ``path``), which match the rest of the path at once.
A lookup follows the path segment by segment, so its cost depends on the path, not on how
many rules exist.

What wins when several rules match: at each segment a static segment, then dynamic
segments (more and longer static text first, then lower converter weight: ``int``, ``uuid``
and ``any`` before ``string``), then tails (``path`` converters come last).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..exceptions import MethodNotAllowed, NotFound, RequestRedirect
from .converters import (
    DIGITS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .patterns import ANY_SEGMENT, Slot, SlotPattern
from .rules import Placeholder, Rule

# The regex group holding a converter's text (a name unlikely in a converter's own regex).
_GROUP = "_routing_slot_"
# How a rule's end relates to the request path's trailing slash.
_EXACT, _SLASH_MISSING, _EXTRA_SLASH = range(3)

_Piece = str | Placeholder
# Built-in converters whose regex's greedy match is the longest text it can match.
_GREEDY_IS_LONGEST = (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    UnicodeConverter,
    UUIDConverter,
)
_OrderKey = tuple[int, int, tuple[int, ...], int, tuple[int, ...]]


class _SlashRedirect(Exception):
    """The path matches a strict-slashes rule once a trailing slash is added."""


class _Node:
    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: list[_Segment | _Tail] = []
        self.rules: list[Rule] = []


class _Segment:
    """A dynamic path segment such as ``<int:id>`` or ``<name>.html``, leading to a node."""

    __slots__ = ("key", "match", "node", "order")

    def __init__(self, key: tuple[object, ...], pieces: Sequence[_Piece], rule: Rule) -> None:
        self.key = key
        self.order = _order_key(False, pieces, rule)
        self.node = _Node()
        #: The captured texts if a path segment matches, else None.
        self.match: Callable[[str], tuple[str, ...] | None]
        slots = _slot_pieces(pieces, rule)
        regexes = [slot.regex for slot in slots if isinstance(slot, Slot)]
        if len(slots) == 1 and regexes == [ANY_SEGMENT]:
            self.match = _match_any_segment  # the common `<name>`: no regex needed
        elif len(slots) == 1 and regexes == [DIGITS]:
            self.match = _match_digits
        elif len(regexes) == 1:
            source = "".join(
                f"(?P<{_GROUP}>{slot.regex})" if isinstance(slot, Slot) else re.escape(slot)
                for slot in slots
            )
            self.match = _RegexSegment(re.compile(source)).match
        else:
            # Several converters in one segment: a regex could backtrack badly on long input.
            self.match = SlotPattern(slots).match


def _match_any_segment(part: str) -> tuple[str, ...] | None:
    return (part,) if part else None


def _match_digits(part: str) -> tuple[str, ...] | None:
    return (part,) if part.isascii() and part.isdigit() else None


class _RegexSegment:
    __slots__ = ("_group", "_regex")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self._regex = regex
        self._group = regex.groupindex[_GROUP]

    def match(self, part: str) -> tuple[str, ...] | None:
        found = self._regex.fullmatch(part)
        return None if found is None else (found.group(self._group),)


class _Tail:
    """The rest of some rules from a segment holding a converter that spans slashes."""

    __slots__ = ("key", "order", "pattern", "rules", "trailing_slash")

    def __init__(
        self, key: tuple[object, ...], pieces: Sequence[_Piece], trailing_slash: bool, rule: Rule
    ) -> None:
        self.key = key
        self.order = _order_key(True, pieces, rule)
        self.pattern = SlotPattern(_slot_pieces(pieces, rule))
        self.trailing_slash = trailing_slash
        self.rules: list[Rule] = []


class _Search:
    """The state of one lookup."""

    __slots__ = ("collect", "method", "mismatched", "parts", "path")

    def __init__(self, path: str, method: str, parts: list[str], collect: bool) -> None:
        self.path = path
        self.method = method
        self.parts = parts
        self.collect = collect
        self.mismatched: list[tuple[Rule, tuple[str, ...]]] = []

    def matched_methods(self) -> set[str]:
        """The methods of the rules that matched the path but not the method."""
        methods: set[str] = set()
        for rule, captured in self.mismatched:
            if rule.methods is None or rule.methods <= methods:
                continue
            try:
                rule.convert(captured)
            except ValidationError:
                continue
            methods |= rule.methods
        return methods


class RuleMatcher:
    """Finds the rule for a request path among ``rules`` (one namespace: http or websocket)."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._static: dict[str, list[Rule]] = {}
        self._root = _Node()
        self._max_segments = 1
        for rule in rules:
            self._insert(rule)
        self._sort(self._root)

    def match(self, path: str, method: str) -> tuple[Rule, dict[str, Any]]:
        """The rule for ``path`` and ``method`` with its converted values.

        Raises ``NotFound``, ``MethodNotAllowed`` (the path matches but not the method) or
        ``RequestRedirect`` (a strict-slashes rule wants a trailing slash).
        """
        static = self._static.get(path)
        if static is not None:
            for rule in static:
                if rule.methods is None or method in rule.methods:
                    return rule, dict(rule.defaults) if rule.defaults else {}
        if not path.startswith("/"):
            raise NotFound()
        search = _Search(path, method, path[1:].split("/", self._max_segments + 1), False)
        try:
            found = self._walk(self._root, 0, 1, (), search)
        except _SlashRedirect:
            raise RequestRedirect(path + "/") from None
        if found is not None:
            return found
        methods = search.matched_methods()
        if methods:
            raise MethodNotAllowed(methods)
        raise NotFound()

    def allowed_methods(self, path: str) -> set[str]:
        """The union of the methods of every rule matching ``path`` (empty if none does)."""
        if not path.startswith("/"):
            return set()
        search = _Search(path, "", path[1:].split("/", self._max_segments + 1), True)
        self._walk(self._root, 0, 1, (), search)
        return search.matched_methods()

    def _walk(
        self, node: _Node, index: int, offset: int, captured: tuple[str, ...], search: _Search
    ) -> tuple[Rule, dict[str, Any]] | None:
        parts = search.parts
        if index == len(parts):
            found = self._accept(node.rules, captured, search, _EXACT)
            if found is None and "" in node.static:
                found = self._accept(node.static[""].rules, captured, search, _SLASH_MISSING)
            return found
        part = parts[index]
        following = offset + len(part) + 1
        child = node.static.get(part)
        if child is not None:
            found = self._walk(child, index + 1, following, captured, search)
            if found is not None:
                return found
        for transition in node.dynamic:
            if isinstance(transition, _Segment):
                values = transition.match(part)
                if values is None:
                    continue
                found = self._walk(transition.node, index + 1, following, captured + values, search)
            else:
                found = self._match_tail(transition, offset, captured, search)
            if found is not None:
                return found
        if not part and index == len(parts) - 1 and node.rules:
            return self._accept(node.rules, captured, search, _EXTRA_SLASH)
        return None

    def _match_tail(
        self, tail: _Tail, offset: int, captured: tuple[str, ...], search: _Search
    ) -> tuple[Rule, dict[str, Any]] | None:
        path = search.path
        end = len(path)
        has_slash = path.endswith("/") and end > offset
        if tail.trailing_slash:
            values = tail.pattern.match(path, offset, end - 1 if has_slash else end)
            if values is None:
                return None
            mode = _EXACT if has_slash else _SLASH_MISSING
            return self._accept(tail.rules, captured + values, search, mode)
        values = tail.pattern.match(path, offset, end)
        if values is not None:
            found = self._accept(tail.rules, captured + values, search, _EXACT)
            if found is not None:
                return found
        if has_slash and not all(rule.strict_slashes for rule in tail.rules):
            values = tail.pattern.match(path, offset, end - 1)
            if values is not None:
                return self._accept(tail.rules, captured + values, search, _EXTRA_SLASH)
        return None

    @staticmethod
    def _accept(
        rules: Sequence[Rule], captured: tuple[str, ...], search: _Search, mode: int
    ) -> tuple[Rule, dict[str, Any]] | None:
        for rule in rules:
            if mode == _EXTRA_SLASH and rule.strict_slashes:
                continue
            if search.collect or not (rule.methods is None or search.method in rule.methods):
                # A redirect target that refuses the method does not make this path exist.
                if mode != _SLASH_MISSING:
                    search.mismatched.append((rule, captured))
                continue
            try:
                values = rule.convert(captured)
            except ValidationError:
                continue
            if mode == _SLASH_MISSING and rule.strict_slashes:
                raise _SlashRedirect()
            return rule, values
        return None

    def _insert(self, rule: Rule) -> None:
        if rule.is_static:
            self._static.setdefault(rule.rule, []).append(rule)
        segments = _split_segments(rule.pieces)
        tail_start = next(
            (
                position
                for position, segment in enumerate(segments)
                if any(
                    isinstance(piece, Placeholder)
                    and not rule.converters[piece.name].part_isolating
                    for piece in segment
                )
            ),
            len(segments),
        )
        self._max_segments = max(self._max_segments, tail_start + 1)
        node = self._root
        for segment in segments[:tail_start]:
            if all(isinstance(piece, str) for piece in segment):
                key = "".join(piece for piece in segment if isinstance(piece, str))
                node = node.static.setdefault(key, _Node())
                continue
            segment_key = _pattern_key(segment, rule)
            for transition in node.dynamic:
                if isinstance(transition, _Segment) and transition.key == segment_key:
                    break
            else:
                transition = _Segment(segment_key, segment, rule)
                node.dynamic.append(transition)
            node = transition.node
        if tail_start == len(segments):
            node.rules.append(rule)
            return
        tail_segments = segments[tail_start:]
        trailing_slash = len(tail_segments) > 1 and not tail_segments[-1]
        if trailing_slash:
            tail_segments = tail_segments[:-1]
        pieces: list[_Piece] = []
        for position, segment in enumerate(tail_segments):
            if position:
                pieces.append("/")
            pieces.extend(segment)
        tail_key = (_pattern_key(pieces, rule), trailing_slash)
        for transition in node.dynamic:
            if isinstance(transition, _Tail) and transition.key == tail_key:
                break
        else:
            transition = _Tail(tail_key, pieces, trailing_slash, rule)
            node.dynamic.append(transition)
        transition.rules.append(rule)

    def _sort(self, node: _Node) -> None:
        node.dynamic.sort(key=lambda transition: transition.order)
        for child in node.static.values():
            self._sort(child)
        for transition in node.dynamic:
            if isinstance(transition, _Segment):
                self._sort(transition.node)


def _split_segments(pieces: Sequence[_Piece]) -> list[list[_Piece]]:
    """Split rule pieces at the slashes of their static text: ``/a/<b>`` -> [[a], [<b>]]."""
    segments: list[list[_Piece]] = [[]]
    for piece in pieces:
        if isinstance(piece, Placeholder):
            segments[-1].append(piece)
            continue
        first, *rest = piece.split("/")
        if first:
            segments[-1].append(first)
        segments.extend([text] if text else [] for text in rest)
    return segments[1:]  # the rule starts with "/", so the first segment is empty


def _slot_pieces(pieces: Sequence[_Piece], rule: Rule) -> list[str | Slot]:
    slots: list[str | Slot] = []
    for piece in pieces:
        if isinstance(piece, Placeholder):
            converter = rule.converters[piece.name]
            bounded = type(converter) in _GREEDY_IS_LONGEST
            slots.append(Slot(converter.regex, not converter.part_isolating, bounded))
        else:
            slots.append(piece)
    return slots


def _pattern_key(pieces: Sequence[_Piece], rule: Rule) -> tuple[object, ...]:
    """What two rules must share to share a transition: the text and converter regexes."""
    return tuple(
        (piece.regex, piece.crosses_slashes) if isinstance(piece, Slot) else piece
        for piece in _slot_pieces(pieces, rule)
    )


def _order_key(is_tail: bool, pieces: Sequence[_Piece], rule: Rule) -> _OrderKey:
    statics = [piece for piece in pieces if isinstance(piece, str)]
    converters: list[BaseConverter] = [
        rule.converters[piece.name] for piece in pieces if isinstance(piece, Placeholder)
    ]
    return (
        int(is_tail),
        -len(statics),
        tuple(-len(text) for text in statics),
        -len(converters),
        tuple(converter.weight for converter in converters),
    )


__all__ = ["RuleMatcher"]
