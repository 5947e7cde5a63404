"""``send_file`` and ``send_from_directory``: files as responses, streamed from disk.

A file is never read whole into memory: its body is a :class:`FileBody`, which the
server iterates with ``async for``, reading one chunk at a time in a worker thread
so the event loop never waits on the disk. Conditional and range requests are
answered as RFC 9110 describes (see :mod:`asyncflask.conditional`).
"""

from __future__ import annotations

import io
import mimetypes
import os
import time
import unicodedata
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

import anyio.to_thread

from .conditional import Outcome, evaluate
from .datastructures import Headers
from .exceptions import NotFound
from .globals import _cv_context
from .http import http_date, quote_header_value
from .security import safe_join

if TYPE_CHECKING:
    from .app import Flask
    from .wrappers import Request, Response

#: Bytes read from a file per chunk: one chunk per client is what a download holds in memory.
#: Against 64 KiB, half the thread hops made a 1 MiB file 30-40% cheaper in-process and 20
#: downloads of 100 MiB faster, for 8 MiB more memory between them (benchmarks/weblayer.py).
CHUNK_SIZE = 128 * 1024

# What a 304 keeps of the headers a 200 would have had (RFC 9110 section 15.4.5).
_NOT_MODIFIED_HEADERS = (
    "Cache-Control",
    "Content-Location",
    "ETag",
    "Expires",
    "Last-Modified",
    "Vary",
)
_CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since", "range", "if-range")
_FILENAME_SAFE = "!#$&+-.^_`|~"


class FileBody:
    """Bytes of a file (a path or a binary file object), from ``start`` for ``length`` bytes.

    ``async for`` reads each chunk in a worker thread (in-memory ``BytesIO`` data
    directly); plain ``for`` reads in the calling thread, which is what
    ``response.get_data()`` does. The file is closed once the body is done or closed.
    """

    def __init__(
        self,
        source: str | IO[bytes],
        start: int = 0,
        length: int | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.source = source
        self.start = start
        self.length = length
        self.chunk_size = chunk_size
        self._file: IO[bytes] | None = None if isinstance(source, str) else source
        self._reader: Any = None

    def _open(self) -> IO[bytes]:
        file = self._file
        if file is None:
            assert isinstance(self.source, str)  # only path sources start without a file
            file = self._file = open(self.source, "rb")  # noqa: SIM115 - closed by close()
        if self.start:
            # Relative: a file object's range counts from where its reader left it.
            file.seek(self.start, os.SEEK_CUR)
        return file

    def _sizes(self) -> Iterator[int]:
        remaining = self.length
        while remaining is None or remaining > 0:
            size = self.chunk_size if remaining is None else min(self.chunk_size, remaining)
            yield size
            if remaining is not None:
                remaining -= size

    def __iter__(self) -> Iterator[bytes]:
        try:
            file = self._open()
            for size in self._sizes():
                chunk = file.read(size)
                if not chunk:
                    break
                yield chunk
        finally:
            self.close()

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._reader = self._read()
        return self._reader  # type: ignore[no-any-return]

    async def _read(self) -> AsyncIterator[bytes]:
        in_memory = isinstance(self._file, io.BytesIO)
        try:
            file = self._open() if in_memory else await anyio.to_thread.run_sync(self._open)
            for size in self._sizes():
                if in_memory:
                    chunk = file.read(size)
                else:
                    chunk = await anyio.to_thread.run_sync(file.read, size)
                if not chunk:
                    break
                yield chunk
        finally:
            self.close()

    async def aclose(self) -> None:
        """Stop reading and close the file (the server calls this when the client leaves)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            await reader.aclose()
        self.close()

    def close(self) -> None:
        """Close the file."""
        file, self._file = self._file, None
        if file is not None:
            file.close()


def _current() -> tuple[Flask, Request | None]:
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(
            "send_file() needs an active application: call it inside a view, or push a"
            " context with `app.test_request_context()`."
        )
    return ctx.app, ctx.request


def _content_disposition(name: str, as_attachment: bool) -> str:
    kind = "attachment" if as_attachment else "inline"
    if name.isascii() and name.isprintable():
        return f"{kind}; filename={quote_header_value(name)}"
    # RFC 6266: an ASCII approximation for old clients, the exact name as RFC 5987 UTF-8.
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    simple = "".join(c for c in simple if c.isprintable())
    exact = quote(name, safe=_FILENAME_SAFE)
    return f"{kind}; filename={quote_header_value(simple)}; filename*=UTF-8''{exact}"


def _file_size(file: IO[bytes]) -> int | None:
    """The bytes left in ``file`` from its position, or None when that cannot be known."""
    if isinstance(file, io.BytesIO):
        return file.getbuffer().nbytes - file.tell()
    try:
        if not file.seekable():
            return None
        return os.fstat(file.fileno()).st_size - file.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _quote_etag(etag: str) -> str:
    if etag.startswith(('"', 'W/"')):
        return etag
    return f'"{etag}"'


def send_file(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """A response with the contents of a file: a path, or a binary file object (``BytesIO``).

    A relative path is relative to the app's ``root_path``. The mimetype is guessed
    from ``download_name`` (by default the path's file name). ``as_attachment`` asks
    the browser to save the file; non-ASCII names are sent as RFC 5987 ``filename*``.
    With ``conditional`` the response answers ``If-None-Match``/``If-Modified-Since``
    with 304 and ``Range`` with 206 (one range; ``If-Range`` honoured) or 416.
    ``etag`` is True (made from the file's path, size and time), False or a string.
    ``max_age`` (seconds, or a function of the path) makes the file cacheable; by
    default ``app.get_send_file_max_age`` decides, and browsers revalidate each time.
    Never pass a path built from user input: use :func:`send_from_directory`.
    """
    app, request = _current()
    headers = Headers()
    path: str | None = None
    file: IO[bytes] | None = None
    size: int | None
    mtime_ns = 0
    if isinstance(path_or_file, (str, os.PathLike)):
        path = os.path.join(app.root_path, os.fspath(path_or_file))
        stat = os.stat(path)
        size = stat.st_size
        mtime_ns = stat.st_mtime_ns
        if last_modified is None:
            last_modified = stat.st_mtime
        if download_name is None:
            download_name = os.path.basename(path)
    else:
        file = path_or_file
        if isinstance(file, io.TextIOBase):
            raise TypeError("send_file() needs a file opened in binary mode ('rb') or a BytesIO.")
        size = _file_size(file)

    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "Unable to detect the mimetype of a file object: pass 'mimetype=' or"
                " 'download_name='."
            )
        mimetype, encoding = mimetypes.guess_type(download_name)
        mimetype = mimetype or "application/octet-stream"
        # An attachment keeps its encoding: browsers would otherwise unpack a .tar.gz.
        if encoding is not None and not as_attachment:
            headers["Content-Encoding"] = encoding
    if download_name is not None:
        headers["Content-Disposition"] = _content_disposition(download_name, as_attachment)
    elif as_attachment:
        raise TypeError("An attachment needs a name: pass 'download_name='.")

    modified: datetime | None = None
    if last_modified is not None:
        if isinstance(last_modified, datetime):
            modified = last_modified
        else:
            modified = datetime.fromtimestamp(int(last_modified), timezone.utc)
        headers["Last-Modified"] = http_date(modified)
    tag: str | None = None
    if isinstance(etag, str):
        tag = _quote_etag(etag)
    elif etag and path is not None:
        checksum = zlib.crc32(path.encode("utf-8", "surrogateescape"))
        tag = f'"{mtime_ns:x}-{size or 0:x}-{checksum:x}"'
    if tag is not None:
        headers["ETag"] = tag

    if callable(max_age):
        max_age = max_age(path)
    elif max_age is None:
        max_age = app.get_send_file_max_age(path)
    if max_age is not None and max_age > 0:
        headers["Cache-Control"] = f"public, max-age={max_age}"
        headers["Expires"] = http_date(time.time() + max_age)
    else:
        headers["Cache-Control"] = "no-cache"

    if path is not None and app.config["USE_X_SENDFILE"]:
        headers["X-Sendfile"] = path
        if file is not None:
            file.close()
        return app.response_class(b"", headers=headers, mimetype=mimetype)

    outcome = Outcome(200)
    ranges = size is not None and (path is not None or (file is not None and file.seekable()))
    if ranges:
        headers["Accept-Ranges"] = "bytes"
    if conditional and request is not None and size is not None:
        request_headers = request.headers
        present = {
            name: value
            for name in _CONDITIONAL_HEADERS
            if (value := request_headers.get(name)) is not None
        }
        if present:
            outcome = evaluate(request.method, present, size, tag, modified, ranges)

    source: str | IO[bytes] = path if path is not None else file  # type: ignore[assignment]
    if outcome.status == 304:
        kept = Headers([(k, v) for k, v in headers if k in _NOT_MODIFIED_HEADERS])
        if size is not None:
            kept["Content-Length"] = str(size)
        if file is not None:
            file.close()
        response = app.response_class(None, status=304, headers=kept)
        response.headers.remove("Content-Type")
        return response
    if outcome.status == 416:
        headers["Content-Range"] = f"bytes */{size}"
        if file is not None:
            file.close()
        return app.response_class(b"", status=416, headers=headers, mimetype=mimetype)
    if outcome.range is not None:
        byte_range = outcome.range
        headers["Content-Range"] = byte_range.content_range()
        headers["Content-Length"] = str(byte_range.length)
        body = FileBody(source, byte_range.start, byte_range.length)
        return app.response_class(
            body, status=206, headers=headers, mimetype=mimetype, direct_passthrough=True
        )
    if size is not None:
        headers["Content-Length"] = str(size)
    body = FileBody(source, 0, size)
    return app.response_class(body, headers=headers, mimetype=mimetype, direct_passthrough=True)


def send_from_directory(
    directory: str | os.PathLike[str], path: str | os.PathLike[str], **kwargs: Any
) -> Response:
    """Send the file ``path`` (untrusted, e.g. from the URL) from ``directory``; 404 if unsafe.

    ``path`` is joined with :func:`~asyncflask.security.safe_join`: traversal,
    absolute paths, backslashes, drive letters, device names and NUL give 404, and
    so does a symlink inside ``directory`` that leads out of it. ``directory`` is
    relative to the app's ``root_path``. Other arguments go to :func:`send_file`.
    """
    app, _ = _current()
    folder = os.path.join(app.root_path, os.fspath(directory))
    joined = safe_join(folder, os.fspath(path))
    if joined is None:
        raise NotFound()
    try:
        real_folder = os.path.realpath(folder)
        real = os.path.realpath(joined)
        if os.path.commonpath([real_folder, real]) != real_folder or not os.path.isfile(real):
            raise NotFound()
    except (OSError, ValueError):
        raise NotFound() from None
    return send_file(joined, **kwargs)


__all__ = ["CHUNK_SIZE", "FileBody", "send_file", "send_from_directory"]
