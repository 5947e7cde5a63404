"""What the app shows and logs about errors: the debug traceback page and safe log text."""

from __future__ import annotations

import html
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .wrappers.request import _BaseRequest


def printable(text: str) -> str:
    """``text`` with control characters escaped, so a logged path cannot forge log lines."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def is_loopback(request: _BaseRequest | None) -> bool:
    """Whether the request came from this machine (the only place a traceback is shown)."""
    addr = request.remote_addr if request is not None else None
    return addr is not None and (addr == "::1" or addr.startswith("127."))


def traceback_page(error: BaseException) -> str:
    """A read-only HTML page with the traceback of ``error``, every line escaped."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return (
        "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
        "<h1>Internal Server Error</h1>\n<p>Debug mode is on; this traceback is shown only"
        " to clients on this machine.</p>\n"
        f"<pre>{html.escape(text)}</pre>\n"
    )


__all__ = ["is_loopback", "printable", "traceback_page"]
