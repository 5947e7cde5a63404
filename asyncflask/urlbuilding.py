"""``url_for``: building URLs from endpoints, in and out of requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .globals import _cv_context
from .routing import BuildError
from .urls import quote_path

if TYPE_CHECKING:
    from .app import Flask

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def build_url(
    app: Flask,
    endpoint: str,
    *,
    anchor: str | None,
    method: str | None,
    scheme: str | None,
    external: bool | None,
    values: dict[str, Any],
) -> str:
    """Build the URL for ``endpoint`` with ``values``.

    Inside a request the result is a path below the request's ``root_path``,
    absolute (from the request's scheme and validated host) only with
    ``_external=True``. Outside a request it is absolute and needs ``SERVER_NAME``.
    """
    ctx = _cv_context.get(None)
    request = ctx.request if ctx is not None else None
    if request is None and ctx is not None:
        request = ctx.websocket  # type: ignore[assignment]
    if request is not None:
        if endpoint[:1] == ".":
            blueprint = request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        if external is None:
            external = scheme is not None
        root_path = request.root_path
    else:
        if endpoint[:1] == ".":
            endpoint = endpoint[1:]
        if external is None:
            external = True
        root_path = str(app.config["APPLICATION_ROOT"] or "/").rstrip("/")
    if scheme is not None and not external:
        raise ValueError("When specifying '_scheme', '_external' must be True.")
    server_name = app.config["SERVER_NAME"]
    if request is None and external and not server_name:
        raise RuntimeError(
            "Unable to build URLs outside an active request without 'SERVER_NAME'"
            " configured. Also configure 'APPLICATION_ROOT' and"
            " 'PREFERRED_URL_SCHEME' as needed."
        )
    app.inject_url_defaults(endpoint, values)
    try:
        path, rule = app.url_map.build_with_rule(endpoint, values, method=method)
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _scheme=scheme, _external=external)
        return app.handle_url_build_error(error, endpoint, values)
    url = quote_path(root_path) + path
    if anchor is not None:
        url = f"{url}#{quote(anchor, safe=_ANCHOR_SAFE)}"
    domain = rule.build_domain(values)
    if domain is None and not external:
        return url
    # The host is read (and validated) only for URLs that need it.
    current_host = request.host if request is not None else server_name
    host = current_host
    if domain is not None:
        # A rule on another subdomain (or host) is only reachable with a full URL.
        if app.url_map.host_matching:
            host = domain
        else:
            base = server_name or current_host
            host = f"{domain}.{base}" if domain else base
        if host != current_host:
            external = True
    if not external:
        return url
    if request is not None:
        url_scheme = scheme or request.scheme
    else:
        url_scheme = scheme or app.config["PREFERRED_URL_SCHEME"]
    return f"{url_scheme}://{host}{url}"


__all__ = ["build_url"]
