"""The ``Authorization`` request header: Basic credentials, Bearer tokens, parameters."""

from __future__ import annotations

import base64
import binascii
from typing import Any

#: RFC 9110 token68: the base64-ish form of a Bearer token or Basic credentials.
_TOKEN68 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/")


class Authorization:
    """The parsed ``Authorization`` header, as ``request.authorization``.

    ``type`` is the scheme in lower case (``"basic"``, ``"bearer"``, ``"digest"``...).
    Basic credentials are in ``parameters`` as ``username`` and ``password``, also
    readable as attributes (``auth.username``); a Bearer token (or any token68
    credential) is ``token``; other schemes' ``key=value`` pairs are ``parameters``.
    """

    def __init__(
        self,
        auth_type: str,
        data: dict[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self.type = auth_type
        self.parameters: dict[str, str | None] = dict(data or {})
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, key: str) -> str | None:
        return self.parameters[key]

    def get(self, key: str, default: str | None = None) -> str | None:
        """The parameter ``key``, or ``default``."""
        return self.parameters.get(key, default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (
            other.type == self.type
            and other.token == self.token
            and other.parameters == self.parameters
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse a header value; None when it is missing or malformed."""
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        scheme = scheme.lower()
        rest = rest.strip()
        if not scheme:
            return None
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True)
            except (binascii.Error, ValueError):
                return None
            username, sep, password = decoded.partition(b":")
            if not sep:
                return None
            return cls(
                scheme,
                {"username": _decode(username), "password": _decode(password)},
            )
        if rest and _is_token68(rest):
            return cls(scheme, None, rest)
        if not rest:
            return cls(scheme, None, None)
        from ..http import parse_dict_header  # asyncflask.http imports this package

        return cls(scheme, parse_dict_header(rest), None)

    def to_header(self) -> str:
        """The header value for these credentials."""
        if self.type == "basic":
            raw = f"{self.username or ''}:{self.password or ''}".encode()
            return f"Basic {base64.b64encode(raw).decode('ascii')}"
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        items = ", ".join(
            key if value is None else f'{key}="{_escape(value)}"'
            for key, value in self.parameters.items()
        )
        return f"{self.type.title()} {items}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"

    def __reduce__(self) -> Any:
        return (type(self), (self.type, self.parameters, self.token))


def _is_token68(value: str) -> bool:
    body = value.rstrip("=")
    return bool(body) and all(c in _TOKEN68 for c in body)


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


__all__ = ["Authorization"]
