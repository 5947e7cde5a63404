"""The ``User-Agent`` header, as ``request.user_agent`` gives it."""

from __future__ import annotations

__all__ = ["UserAgent"]


class UserAgent:
    """The ``User-Agent`` header. No browser sniffing: the parsed fields are None."""

    platform: str | None = None
    browser: str | None = None
    version: str | None = None
    language: str | None = None

    def __init__(self, string: str | None) -> None:
        self.string = string or ""

    def to_header(self) -> str:
        """The header value."""
        return self.string

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.string)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.string!r}>"
