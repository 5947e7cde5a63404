"""What the app shows and logs about errors: the debug traceback page and safe log text."""

from __future__ import annotations

import html
import linecache
import os
import sys
import traceback
from typing import TYPE_CHECKING, Any

from .datastructures import ImmutableMultiDict, MultiDict

if TYPE_CHECKING:
    from .typing import Scope, Send
    from .wrappers.request import _BaseRequest


def printable(text: str) -> str:
    """``text`` with control characters escaped, so a logged path cannot forge log lines."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def is_loopback(request: _BaseRequest | None) -> bool:
    """Whether the request came from this machine (the only place a traceback is shown)."""
    addr = request.remote_addr if request is not None else None
    return addr is not None and (addr == "::1" or addr.startswith("127."))


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` in debug mode, for a form sent without multipart encoding.

    The browser sent only the file's name as a plain field: the message says so and
    how to fix the form.
    """

    def __init__(self, key: str, mimetype: str | None, submitted: list[str]) -> None:
        message = (
            f"You tried to access the file {key!r} in request.files, but it is not there."
            f" The request's mimetype is {mimetype!r} instead of 'multipart/form-data', so"
            ' no file contents were transmitted. Add enctype="multipart/form-data" to'
            " the HTML form."
        )
        if submitted:
            names = ", ".join(repr(name) for name in submitted)
            message += f" The browser sent file names as form fields. This was submitted: {names}"
        super().__init__(message)
        self.msg = message

    def __str__(self) -> str:
        return self.msg


class _FilesWithEnctypeHint(ImmutableMultiDict[str, Any]):
    """Empty ``request.files`` that explains a missing file in debug mode."""

    def __init__(self, form: MultiDict[str, str], mimetype: str | None) -> None:
        super().__init__()
        self._form = form
        self._mimetype = mimetype

    def __getitem__(self, key: str) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            if key not in self._form:
                raise
            raise DebugFilesKeyError(key, self._mimetype, self._form.getlist(key)) from None


def files_with_enctype_hint(
    form: MultiDict[str, str], mimetype: str | None
) -> ImmutableMultiDict[str, Any]:
    """The empty ``request.files`` of a non-multipart form, raising ``DebugFilesKeyError``."""
    return _FilesWithEnctypeHint(form, mimetype)


class FormDataRoutingRedirect(AssertionError):
    """Debug mode: a 301/302 routing redirect would make the browser drop a request's body.

    Raised instead of the redirect for requests that carry data (not GET, HEAD or
    OPTIONS), since the browser would repeat the request without it.
    """

    def __init__(self, url: str, canonical_url: str, code: int) -> None:
        super().__init__(
            f"A request was sent to {url!r}, but routing issued a {code} redirect to the"
            f" canonical URL {canonical_url!r}. The browser will not resend the form data"
            " with it. Send the request to the canonical URL (often the one with a trailing"
            " slash), or use a 307/308 redirect."
        )


#: Frames in this folder (asyncflask itself) are shown dimmed, like installed libraries.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

#: Source lines shown above and below each frame's current line on the debug page.
CONTEXT_LINES = 3

_PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.4em;color:#a00}.note{color:#666}"
    ".frame{margin:1em 0;border:1px solid #ddd;border-radius:4px}"
    ".where{background:#f4f4f4;padding:.4em .6em;font-family:monospace}"
    "pre{margin:0;padding:.4em .6em;overflow-x:auto}"
    ".line{display:block}.current{background:#fde2e2;font-weight:bold}"
    ".library .where{color:#888}"
)


def wants_html(accept: str | None) -> bool:
    """Whether an ``Accept`` header names ``text/html`` (a browser), not just ``*/*``."""
    for item in (accept or "").split(","):
        media, *params = (part.strip().lower() for part in item.split(";"))
        if media not in ("text/html", "application/xhtml+xml"):
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    if float(value) <= 0:
                        break
                except ValueError:
                    break
        else:
            return True
    return False


def traceback_text(error: BaseException) -> str:
    """The traceback of ``error`` as plain text, chained exceptions included."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def _frame_html(frame: traceback.FrameSummary) -> str:
    lineno = frame.lineno or 0
    filename = frame.filename
    first = max(lineno - CONTEXT_LINES, 1)
    lines = []
    for number in range(first, lineno + CONTEXT_LINES + 1):
        text = linecache.getline(filename, number)
        if not text and number > lineno:
            break
        css = "line current" if number == lineno else "line"
        lines.append(f'<span class="{css}">{number:>5}  {html.escape(text.rstrip())}</span>')
    library = (
        "site-packages" in filename
        or filename.startswith(("<frozen", _PACKAGE_DIR))
        or filename.startswith(sys.prefix)
    )
    return (
        f'<div class="frame{" library" if library else ""}">'
        f'<div class="where">File "{html.escape(filename)}", line {lineno},'
        f" in {html.escape(frame.name)}</div>"
        f"<pre>{''.join(lines)}</pre></div>"
    )


def traceback_page(error: BaseException) -> str:
    """A read-only HTML page: the error, each frame with its source lines, the plain traceback.

    Everything is escaped; nothing on the page runs code.
    """
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    sections = []
    for exc in reversed(chain):
        frames = traceback.extract_tb(exc.__traceback__)
        heading = html.escape(f"{type(exc).__name__}: {exc}")
        sections.append(f"<h2>{heading}</h2>\n" + "\n".join(_frame_html(frame) for frame in frames))
    title = html.escape(f"{type(error).__name__}: {error}")
    return (
        "<!doctype html>\n<html lang=en>\n<meta charset=utf-8>\n"
        f"<title>{title} // asyncflask debug</title>\n<style>{_PAGE_STYLE}</style>\n"
        f"<h1>{title}</h1>\n<p class=note>Debug mode is on: this traceback is shown only to"
        " clients on this machine. Never run with debug mode on in production.</p>\n"
        + "\n".join(sections)
        + "\n<h2>Traceback (plain text)</h2>\n"
        f"<pre>{html.escape(traceback_text(error))}</pre>\n"
    )


def debug_error_body(error: BaseException, accept: str | None) -> tuple[bytes, str]:
    """The debug page for ``error`` and its content type: HTML for browsers, else plain text."""
    if wants_html(accept):
        return traceback_page(error).encode("utf-8"), "text/html; charset=utf-8"
    text = f"Debug mode is on: the unhandled error follows.\n\n{traceback_text(error)}"
    return text.encode("utf-8"), "text/plain; charset=utf-8"


def client_is_loopback(scope: Scope) -> bool:
    """Whether the ASGI connection comes from this machine."""
    client = scope.get("client")
    addr = str(client[0]) if client else ""
    return addr == "::1" or addr.startswith("127.")


async def send_debug_page(scope: Scope, send: Send, error: BaseException) -> None:
    """Answer an HTTP request that raised ``error`` with a 500 debug page.

    Raises ``error`` again when the client is not on this machine or when the
    response had already started (the server then logs it and drops the connection).
    """
    if not client_is_loopback(scope):
        raise error
    accept = None
    for name, value in scope.get("headers", ()):
        if name.lower() == b"accept":
            accept = value.decode("latin-1")
            break
    body, content_type = debug_error_body(error, accept)
    try:
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", content_type.encode("latin-1")),
                    (b"content-length", str(len(body)).encode("latin-1")),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
    except Exception:
        raise error from None
    await send({"type": "http.response.body", "body": body, "more_body": False})


__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "client_is_loopback",
    "debug_error_body",
    "files_with_enctype_hint",
    "is_loopback",
    "printable",
    "send_debug_page",
    "traceback_page",
    "traceback_text",
    "wants_html",
]
