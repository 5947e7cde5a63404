"""The test client's cookies: what it stores from responses and sends with requests."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from ..datastructures import Headers
from ..http import parse_date, parse_set_cookie, quote_cookie_value


class Cookie:
    """A cookie held by the test client: ``.key``, ``.value``, ``.domain``, ``.path``, ``.expires``.

    ``value`` is the decoded value (what ``request.cookies`` gives the app);
    ``raw_value`` is its wire form, sent back exactly as the server set it.
    ``expires`` is an aware UTC ``datetime``, or None for a session cookie.
    """

    def __init__(
        self,
        key: str,
        value: str,
        domain: str,
        path: str = "/",
        expires: float | datetime | None = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: str | None = None,
        host_only: bool = True,
        raw_value: str | None = None,
    ) -> None:
        self.key = key
        self.value = value
        self.raw_value = quote_cookie_value(value) if raw_value is None else raw_value
        self.domain = domain
        self.path = path
        if isinstance(expires, datetime):
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=timezone.utc)
            self._deadline: float | None = expires.timestamp()
        else:
            self._deadline = expires
        self.expires = (
            datetime.fromtimestamp(self._deadline, timezone.utc)
            if self._deadline is not None
            else None
        )
        self.secure = secure
        #: Whether the client keeps it off plain http (see ``CookieJar.update_from``).
        self.https_only = secure
        self.http_only = http_only
        self.same_site = same_site
        self.host_only = host_only

    def matches(self, host: str, path: str, secure: bool) -> bool:
        """Whether the cookie is sent to ``host`` and ``path``."""
        if self.expired():
            return False
        if self.https_only and not secure:
            return False
        if self.host_only:
            if host != self.domain:
                return False
        elif host != self.domain and not host.endswith("." + self.domain):
            return False
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")

    def expired(self) -> bool:
        """Whether the cookie's expiry time has passed."""
        return self._deadline is not None and self._deadline <= time.time()

    def __repr__(self) -> str:
        return f"<Cookie {self.key}={self.value!r} domain={self.domain!r} path={self.path!r}>"


class CookieJar:
    """The test client's cookies, keyed by domain, path and name."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}

    def header_for(self, host: str, path: str, secure: bool) -> str | None:
        """The ``Cookie`` header to send, or None."""
        pairs = [
            f"{c.key}={c.raw_value}"
            for c in sorted(self._cookies.values(), key=lambda c: -len(c.path))
            if c.matches(host, path, secure)
        ]
        return "; ".join(pairs) if pairs else None

    def set(self, cookie: Cookie) -> None:
        """Store or replace a cookie."""
        self._cookies[(cookie.domain, cookie.path, cookie.key)] = cookie

    def get(self, key: str, domain: str, path: str) -> Cookie | None:
        """The cookie with this name, domain and path."""
        cookie = self._cookies.get((domain, path, key))
        if cookie is not None and cookie.expired():
            return None
        return cookie

    def delete(self, key: str, domain: str, path: str) -> None:
        """Forget a cookie."""
        self._cookies.pop((domain, path, key), None)

    def update_from(self, headers: Headers, host: str, request_path: str) -> None:
        """Apply the ``Set-Cookie`` headers of a response."""
        for value in headers.getlist("Set-Cookie"):
            try:
                name, cookie_value, attrs = parse_set_cookie(value)
            except ValueError:
                continue
            domain = str(attrs.get("domain") or "").lstrip(".").lower()
            host_only = not domain
            path = str(attrs.get("path") or "")
            if not path.startswith("/"):
                path = request_path.rsplit("/", 1)[0] or "/"
            expires: float | None = None
            max_age = attrs.get("max-age")
            if max_age is not None:
                try:
                    expires = time.time() + int(max_age)
                except (TypeError, ValueError):
                    expires = None
            elif attrs.get("expires") is not None:
                when = parse_date(attrs["expires"])
                expires = when.timestamp() if when is not None else None
            cookie = Cookie(
                name,
                cookie_value,
                domain or host,
                path,
                expires,
                secure="secure" in attrs,
                http_only="httponly" in attrs,
                same_site=attrs.get("samesite"),
                host_only=host_only,
                raw_value=value.partition(";")[0].partition("=")[2].strip(),
            )
            # As Werkzeug's client does, a cookie the app set with Secure is sent back on
            # plain http too: tests of secure cookies run against http://localhost.
            cookie.https_only = False
            if cookie.expired():
                self.delete(name, cookie.domain, path)
            else:
                self.set(cookie)

    def __iter__(self) -> Any:
        return iter(list(self._cookies.values()))

    def __len__(self) -> int:
        return len(self._cookies)


__all__ = ["Cookie", "CookieJar"]
