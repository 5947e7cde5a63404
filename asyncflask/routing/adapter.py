"""A URL map bound to one server: ``url_map.bind(server_name)`` matches paths and builds URLs.

The shape of Werkzeug's ``MapAdapter``, for code that routes outside a request (an
extension resolving a URL back to its endpoint, a script building links).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import HTTPException, RequestRedirect
from .building import encode_query

if TYPE_CHECKING:
    from .map import Map


class MapAdapter:
    """Match and build against ``map`` as served at ``url_scheme://server_name/script_name``."""

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str = "/",
        subdomain: str | None = None,
        url_scheme: str = "http",
        path_info: str = "/",
        default_method: str = "GET",
        query_args: Mapping[str, Any] | str | None = None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        self.script_name = "/" + script_name.strip("/") if script_name.strip("/") else ""
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info or "/"
        self.default_method = default_method.upper()
        self.query_args = query_args

    def _domain(self) -> str | None:
        if self.map.host_matching:
            return self.server_name.lower() or None
        return self.subdomain

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: Mapping[str, Any] | str | None = None,
        websocket: bool | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """``(endpoint, values)`` for ``path_info`` (the bound path by default).

        With ``return_rule=True`` the ``Rule`` comes first instead of its endpoint.
        Raises ``NotFound``, ``MethodNotAllowed``, or ``RequestRedirect`` with the
        full URL to redirect to (the path with its trailing slash, then ``query_args``).
        """
        path = self.path_info if path_info is None else path_info
        if not path.startswith("/"):
            path = "/" + path
        try:
            rule, values = self.map.match(
                path,
                (method or self.default_method).upper(),
                websocket=bool(websocket),
                domain=self._domain(),
            )
        except RequestRedirect as e:
            url = self._external(e.new_url)
            args = self.query_args if query_args is None else query_args
            if args:
                url += "?" + (args if isinstance(args, str) else encode_query(dict(args)))
            raise RequestRedirect(url) from None
        return (rule if return_rule else rule.endpoint), values

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Whether ``path_info`` matches a rule (a redirect counts as a match)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            return True
        except HTTPException:
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> list[str]:
        """The methods the rules matching ``path_info`` accept."""
        path = self.path_info if path_info is None else path_info
        return sorted(self.map.allowed_methods(path, domain=self._domain()))

    def build(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """The URL of ``endpoint``: a path under the script name, or absolute when forced."""
        path = self.map.build(endpoint, values, method=method, append_unknown=append_unknown)
        return self._external(path, url_scheme) if force_external else self.script_name + path

    def _external(self, path: str, url_scheme: str | None = None) -> str:
        host = self.server_name
        if self.subdomain and not self.map.host_matching:
            host = f"{self.subdomain}.{host}"
        return f"{url_scheme or self.url_scheme}://{host}{self.script_name}{path}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url_scheme}://{self.server_name}{self.script_name}>"


__all__ = ["MapAdapter"]
