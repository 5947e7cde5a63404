"""Conditional and range requests (RFC 9110 sections 13 and 14), as plain functions.

``evaluate`` decides, from a request's headers and a file's validators, whether to
answer 304, 416, 206 with one byte range, or 200 with the whole file. Every input
is read in time linear in its length; malformed headers are ignored, as the RFC
asks, so they lead to a plain 200 and never to an error.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, NamedTuple

from .http import parse_date

#: Longest number read in a Range header; longer ones are treated as "beyond any file".
_MAX_DIGITS = 18
_BEYOND = 1 << 62  # more than any number of _MAX_DIGITS digits
_ETAG_RE = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')


class ByteRange(NamedTuple):
    """Bytes ``start`` to ``stop - 1`` of a file of ``size`` bytes."""

    start: int
    stop: int
    size: int

    @property
    def length(self) -> int:
        """How many bytes the range holds."""
        return self.stop - self.start

    def content_range(self) -> str:
        """The ``Content-Range`` header value of a 206 response."""
        return f"bytes {self.start}-{self.stop - 1}/{self.size}"


class Outcome(NamedTuple):
    """What to answer: ``status`` 200, 206 (with ``range``), 304 or 416."""

    status: int
    range: ByteRange | None = None


def _number(text: str) -> int | None:
    text = text.strip(" \t")
    if not text or not text.isascii() or not text.isdigit():
        return None
    if len(text) > _MAX_DIGITS:
        return _BEYOND
    return int(text)


def parse_range(header: str | None, size: int) -> ByteRange | Literal[False] | None:
    """Parse a ``Range`` header against a file of ``size`` bytes.

    Returns the one range to send; ``None`` when the header is absent, malformed,
    not in bytes, asks for several ranges, or the file is empty (send the whole
    file); ``False`` when the range lies outside the file (answer 416).
    """
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip(" \t").lower() != "bytes" or "," in spec:
        return None
    first, sep, last = spec.partition("-")
    if not sep or size <= 0:
        return None
    if not first.strip(" \t"):
        suffix = _number(last)
        if suffix is None:
            return None
        if suffix == 0:
            return False
        return ByteRange(max(size - suffix, 0), size, size)
    start = _number(first)
    if start is None:
        return None
    if last.strip(" \t"):
        end = _number(last)
        if end is None or end < start:
            return None
        stop = min(end + 1, size)
    else:
        stop = size
    if start >= size:
        return False
    return ByteRange(start, stop, size)


def _etags(header: str) -> tuple[bool, list[tuple[bool, str]]]:
    """``(star, [(weak, tag), ...])`` from an ``If-None-Match`` or ``If-Range`` value."""
    if header.strip(" \t") == "*":
        return True, []
    tags = [(bool(m.group(1)), m.group(2)) for m in _ETAG_RE.finditer(header)]
    return False, tags


def _strip_weak(etag: str) -> str:
    return etag[2:] if etag.startswith("W/") else etag


def none_match(header: str, etag: str | None) -> bool:
    """Whether ``If-None-Match: header`` matches ``etag`` (weak comparison)."""
    star, tags = _etags(header)
    if star:
        return etag is not None
    if etag is None:
        return False
    current = _strip_weak(etag)
    return any(tag == current for _, tag in tags)


def _not_modified_since(header: str, last_modified: datetime | None) -> bool:
    since = parse_date(header)
    if since is None or last_modified is None:
        return False
    return int(last_modified.timestamp()) <= int(since.timestamp())


def _if_range_holds(header: str, etag: str | None, last_modified: datetime | None) -> bool:
    header = header.strip(" \t")
    if header.startswith('"') or header.startswith("W/"):
        # Strong comparison: weak tags never match.
        if etag is None or etag.startswith("W/") or header.startswith("W/"):
            return False
        return header == etag
    when = parse_date(header)
    if when is None or last_modified is None:
        return False
    return int(when.timestamp()) == int(last_modified.timestamp())


def evaluate(
    method: str,
    headers: dict[str, str],
    size: int,
    etag: str | None,
    last_modified: datetime | None,
    accept_ranges: bool = True,
) -> Outcome:
    """Decide the response to ``method`` with ``headers`` (lower-case names) for a file.

    ``etag`` is the quoted entity tag (``'"abc"'`` or ``'W/"abc"'``) or None.
    ``If-None-Match`` wins over ``If-Modified-Since``; ranges apply to GET only,
    and ``If-Range`` turns a range request back into a whole-file one when the
    file changed.
    """
    if method in ("GET", "HEAD"):
        if_none_match = headers.get("if-none-match")
        if if_none_match is not None:
            if none_match(if_none_match, etag):
                return Outcome(304)
        else:
            since = headers.get("if-modified-since")
            if since is not None and _not_modified_since(since, last_modified):
                return Outcome(304)
    if not accept_ranges or method != "GET":
        return Outcome(200)
    range_header = headers.get("range")
    if range_header is None:
        return Outcome(200)
    if_range = headers.get("if-range")
    if if_range is not None and not _if_range_holds(if_range, etag, last_modified):
        return Outcome(200)
    byte_range = parse_range(range_header, size)
    if byte_range is None:
        return Outcome(200)
    if byte_range is False:
        return Outcome(416)
    return Outcome(206, byte_range)


__all__ = ["ByteRange", "Outcome", "evaluate", "none_match", "parse_range"]
