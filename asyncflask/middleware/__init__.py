"""ASGI middleware that wraps ``app.asgi_app`` (Werkzeug's ``werkzeug.middleware`` counterparts)."""

from __future__ import annotations

from .proxy_fix import ProxyFix

__all__ = ["ProxyFix"]
