"""Uploaded files: :class:`FileStorage`, as ``request.files`` holds them.

Uploads are spooled: a file stays in memory up to :data:`SPOOL_MAX_SIZE` bytes and moves
to an anonymous temporary file past that, so memory stays bounded whatever the upload's size.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from types import TracebackType
from typing import IO, Any

from asyncflask.datastructures import Headers
from asyncflask.http import parse_options_header

__all__ = ["SPOOL_MAX_SIZE", "FileStorage", "spooled_upload"]

#: Bytes of an upload kept in memory before it rolls over to a temporary file on disk.
SPOOL_MAX_SIZE = 500 * 1024


def spooled_upload() -> tempfile.SpooledTemporaryFile[bytes]:
    """A new binary file for an upload: in memory up to :data:`SPOOL_MAX_SIZE`, on disk past it.

    Rolling over to disk writes to the file system, so fill it from a worker thread when the
    data is large, never on the event loop.
    """
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE, mode="w+b")


class FileStorage:
    """An uploaded file: its data stream plus what the client said about it.

    ``filename`` is the name exactly as the client sent it, which may be anything
    (``../../etc/passwd`` included): pass it through
    :func:`asyncflask.utils.secure_filename` before using it in a path.
    ``name`` is the form field's name, and ``headers`` holds the part's headers.
    Reading (``read``, ``readline``, iteration, ``seek``, ``tell``) goes to the stream.
    """

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.name = name
        self.stream: IO[bytes] = stream if stream is not None else io.BytesIO()
        if filename is None:
            filename = _stream_filename(stream)
        self.filename = filename
        self.headers = headers if headers is not None else Headers()
        if content_type is not None:
            self.headers.set("Content-Type", content_type)
        if content_length is not None:
            self.headers.set("Content-Length", str(content_length))

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type`` header, as sent (``None`` when missing)."""
        return self.headers.get("Content-Type")

    @property
    def content_length(self) -> int:
        """The part's ``Content-Length`` header as an int; 0 when missing or malformed.

        Clients rarely send it: to learn an upload's size, seek to its end and ``tell()``.
        """
        value = self.headers.get("Content-Length")
        if value is None or not value.strip().isdigit():
            return 0
        return int(value)

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-cased (``"image/png"``); ``""`` if none."""
        return parse_options_header(self.content_type or "")[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The content type's parameters, e.g. ``{"charset": "utf-8"}``."""
        return dict(parse_options_header(self.content_type or "")[1])

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the file's data to ``dst``: a path (opened, written and closed) or a binary file.

        Copying starts at the stream's current position, which is the start of the file
        unless it was read before. Never build ``dst`` from :attr:`filename` without
        :func:`asyncflask.utils.secure_filename`.
        """
        if isinstance(dst, (str, os.PathLike)):
            with open(dst, "wb") as file:
                shutil.copyfileobj(self.stream, file, buffer_size)
        else:
            shutil.copyfileobj(self.stream, dst, buffer_size)

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all that is left by default)."""
        return self.stream.read(size)

    def readline(self, size: int = -1) -> bytes:
        """Read one line, up to ``size`` bytes."""
        return self.stream.readline(size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        """Read the remaining lines."""
        return self.stream.readlines(hint)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move the stream's position, as ``IO.seek`` does."""
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        """The stream's position."""
        return self.stream.tell()

    def close(self) -> None:
        """Close the stream, deleting its temporary file if it had one."""
        self.stream.close()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __getattr__(self, name: str) -> Any:
        # Other file methods (fileno, readable, seekable, ...) come from the stream, so a
        # FileStorage can be handed to code that expects a file. Guarded for copy/pickle,
        # which look attributes up before __init__ has set ``stream``.
        if name == "stream" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.stream, name)

    def __enter__(self) -> FileStorage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


def _stream_filename(stream: IO[bytes] | None) -> str | None:
    # A stream opened from a path knows its name; "<stdin>"-style names and the integer
    # names of anonymous temporary files are not file names.
    name = getattr(stream, "name", None)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not isinstance(name, str) or (name.startswith("<") and name.endswith(">")):
        return None
    return name
