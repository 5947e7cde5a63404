"""Matching static text and converter slots without catastrophic backtracking.

A regex such as ``(?P<a>[^/].*?)/x/(?P<b>[^/].*?)/y/(?P<c>[^/].*?)`` (three ``path``
converters) needs time polynomial in the path length, one factor per converter, to reject a
long path made of ``/x/`` repeats. :class:`SlotPattern` gives the same answers by remembering,
for every slot and end position, whether the rest of the pattern can match from there, so the
built-in converters cost time linear in the text. A custom converter's regex is tried at each
position where the text after it could start, so a custom converter sitting before a
literal that recurs thousands of times in one path may cost more.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

#: The default converter's regex: any non-empty text without a slash (matched greedily).
ANY_SEGMENT = "[^/]+"
#: The path converter's regex: non-empty text not starting with a slash (matched lazily).
ANY_PATH = "[^/].*?"

_LITERAL, _PATH, _SEGMENT, _GENERIC = range(4)
_NEVER = re.compile("(?!)")


@dataclass(frozen=True)
class Slot:
    """A converter's place in a pattern.

    ``crosses_slashes``: the converter may match text with slashes. ``greedy_is_longest``:
    no text the regex can match at a position is longer than what ``regex.match`` finds
    there (true of the built-in converters), which bounds the ends worth trying.
    """

    regex: str
    crosses_slashes: bool
    greedy_is_longest: bool = False


class SlotPattern:
    """A sequence of static text and :class:`Slot` pieces matched against a whole text.

    Slots that may span slashes take the shortest text that lets the rest match (like the
    ``path`` converter's lazy regex); the others take the longest.
    """

    __slots__ = ("_bounded", "_crosses", "_kinds", "_regexes", "pieces")

    def __init__(self, pieces: Sequence[str | Slot]) -> None:
        merged: list[str | Slot] = []
        for piece in pieces:
            if isinstance(piece, str):
                if not piece:
                    continue
                if merged and isinstance(merged[-1], str):
                    merged[-1] += piece
                    continue
            merged.append(piece)
        self.pieces: tuple[str | Slot, ...] = tuple(merged)
        kinds: list[int] = []
        regexes: list[re.Pattern[str]] = []
        for piece in self.pieces:
            regexes.append(_NEVER)
            if isinstance(piece, str):
                kinds.append(_LITERAL)
            elif piece.crosses_slashes and piece.regex == ANY_PATH:
                kinds.append(_PATH)
            elif not piece.crosses_slashes and piece.regex == ANY_SEGMENT:
                kinds.append(_SEGMENT)
            else:
                kinds.append(_GENERIC)
                regexes[-1] = re.compile(piece.regex)
        self._kinds = tuple(kinds)
        self._regexes = tuple(regexes)
        self._crosses = tuple(isinstance(p, Slot) and p.crosses_slashes for p in self.pieces)
        self._bounded = tuple(isinstance(p, Slot) and p.greedy_is_longest for p in self.pieces)

    def match(self, text: str, start: int = 0, end: int | None = None) -> tuple[str, ...] | None:
        """The texts captured by the slots if ``text[start:end]`` matches entirely, else None."""
        if end is None:
            end = len(text)
        pieces = self.pieces
        if not pieces:
            return () if start == end else None
        # Cheap necessary conditions first: they settle most misses without a search.
        if isinstance(first := pieces[0], str) and not text.startswith(first, start, end):
            return None
        if isinstance(last := pieces[-1], str) and not text.endswith(last, start, end):
            return None
        for piece in pieces:
            if isinstance(piece, str) and text.find(piece, start, end) == -1:
                return None
        return _Search(self, text, start, end).state(0, start)


class _Search:
    """One attempt to match a :class:`SlotPattern`; holds the memo tables for that text."""

    __slots__ = ("best", "candidates", "end", "memo", "pattern", "slashes", "start", "text")

    def __init__(self, pattern: SlotPattern, text: str, start: int, end: int) -> None:
        self.pattern = pattern
        self.text = text
        self.start = start
        self.end = end
        self.memo: dict[tuple[int, int], tuple[str, ...] | None] = {}
        self.candidates: dict[int, Sequence[int]] = {}
        # Per slot: candidate index -> index of the nearest candidate from which the rest
        # matches (searching forwards for lazy slots, backwards for greedy ones), or -1.
        self.best: dict[int, dict[int, int]] = {}
        self.slashes: list[int] | None = None

    def state(self, index: int, pos: int) -> tuple[str, ...] | None:
        """Match pieces ``index:`` against ``text[pos:end]``."""
        key = (index, pos)
        if key in self.memo:
            return self.memo[key]
        result = self._solve(index, pos)
        self.memo[key] = result
        return result

    def _solve(self, index: int, pos: int) -> tuple[str, ...] | None:
        pieces = self.pattern.pieces
        if index == len(pieces):
            return () if pos == self.end else None
        piece = pieces[index]
        text = self.text
        if isinstance(piece, str):
            if text.startswith(piece, pos, self.end):
                return self.state(index + 1, pos + len(piece))
            return None
        kind = self.pattern._kinds[index]
        candidates = self._candidates(index)
        if kind == _PATH:
            if pos >= self.end or text[pos] == "/":
                return None
            found = self._nearest(index, bisect_right(candidates, pos), 1)
            if found < 0:
                return None
        elif kind == _SEGMENT:
            limit = self._segment_end(pos)
            found = self._nearest(index, bisect_right(candidates, limit) - 1, -1)
            if found < 0 or candidates[found] <= pos:
                return None
        else:
            return self._solve_generic(index, pos, candidates)
        end_pos = candidates[found]
        rest = self._rest(index, end_pos)
        return None if rest is None else (text[pos:end_pos], *rest)

    def _solve_generic(
        self, index: int, pos: int, candidates: Sequence[int]
    ) -> tuple[str, ...] | None:
        regex = self.pattern._regexes[index]
        crosses = self.pattern._crosses[index]
        limit = self.end if crosses else self._segment_end(pos)
        if self.pattern._bounded[index]:
            longest = regex.match(self.text, pos, limit)
            if longest is None:
                return None
            limit = longest.end()
        low = bisect_left(candidates, pos)
        high = bisect_right(candidates, limit)
        order = range(low, high) if crosses else range(high - 1, low - 1, -1)
        for position in order:
            end_pos = candidates[position]
            if regex.fullmatch(self.text, pos, end_pos) is None:
                continue
            rest = self._rest(index, end_pos)
            if rest is not None:
                return (self.text[pos:end_pos], *rest)
        return None

    def _rest(self, index: int, end_pos: int) -> tuple[str, ...] | None:
        """Match what follows the slot at ``index`` when the slot ends at ``end_pos``."""
        pieces = self.pattern.pieces
        following = index + 1
        if following < len(pieces):
            literal = pieces[following]
            if isinstance(literal, str):
                # Candidates are occurrences of this literal, so it matches here.
                return self.state(following + 1, end_pos + len(literal))
        return self.state(following, end_pos)

    def _candidates(self, index: int) -> Sequence[int]:
        """Sorted positions where the slot at ``index`` may end."""
        cached = self.candidates.get(index)
        if cached is not None:
            return cached
        pieces = self.pattern.pieces
        result: Sequence[int]
        if index + 1 == len(pieces):
            result = [self.end]
        elif isinstance(literal := pieces[index + 1], str):
            found: list[int] = []
            find = self.text.find
            position = find(literal, self.start, self.end)
            while position != -1:
                found.append(position)
                position = find(literal, position + 1, self.end)
            result = found
        else:
            result = range(self.start, self.end + 1)
        self.candidates[index] = result
        return result

    def _nearest(self, index: int, position: int, step: int) -> int:
        """From candidate ``position``, moving by ``step``, the first one the rest matches from."""
        candidates = self.candidates[index]
        known = self.best.setdefault(index, {})
        visited: list[int] = []
        found = -1
        while 0 <= position < len(candidates):
            cached = known.get(position)
            if cached is not None:
                found = cached
                break
            visited.append(position)
            if self._rest(index, candidates[position]) is not None:
                found = position
                break
            position += step
        for position in visited:
            known[position] = found
        return found

    def _segment_end(self, pos: int) -> int:
        """Position of the first slash at or after ``pos`` (or the end of the text)."""
        if self.slashes is None:
            slashes: list[int] = []
            find = self.text.find
            position = find("/", self.start, self.end)
            while position != -1:
                slashes.append(position)
                position = find("/", position + 1, self.end)
            self.slashes = slashes
        index = bisect_left(self.slashes, pos)
        return self.slashes[index] if index < len(self.slashes) else self.end


__all__ = ["ANY_PATH", "ANY_SEGMENT", "Slot", "SlotPattern"]
