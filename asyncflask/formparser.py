"""Form parsing: ``application/x-www-form-urlencoded`` and ``multipart/form-data`` bodies.

:func:`parse_form_data` turns a buffered request body into ``(form, files)``. Every limit
applies to both encodings: ``max_form_memory_size`` bounds each text field (and a whole
urlencoded body), ``max_form_parts`` bounds the number of fields plus files, and each
multipart part's headers are bounded too. Uploaded files are spooled to disk past
:data:`asyncflask.files.SPOOL_MAX_SIZE`, so parsing is synchronous and may touch the disk:
run it in a worker thread for large bodies. Bad input is a 400 or 413 error, never a 500.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import parse_qsl, unquote

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser

from asyncflask.datastructures import Headers, ImmutableMultiDict
from asyncflask.exceptions import BadRequest, RequestEntityTooLarge
from asyncflask.files import FileStorage, spooled_upload
from asyncflask.http import parse_options_header

__all__ = ["MAX_PART_HEADER_SIZE", "FormDataRequest", "parse_form_data"]

#: Bytes of the body handed to the multipart parser at a time.
_CHUNK_SIZE = 64 * 1024
#: Largest header block (names plus values) accepted for one multipart part.
MAX_PART_HEADER_SIZE = 8 * 1024
# A boundary is 1 to 200 printable ASCII characters and does not end in a space (RFC 2046
# allows 70; clients in the wild use a little more).
_BOUNDARY_RE = re.compile(r"[ -~]{0,199}[!-~]")
# One `; name[=value]` parameter of a Content-Disposition header, matched from a position.
_DISPOSITION_PARAM_RE = re.compile(
    r'[ \t]*;[ \t]*(?:([^\s;="]+)[ \t]*(?:=[ \t]*("(?:[^"\\]|\\.)*"|[^;]*))?)?'
)
_QUOTED_PAIR_RE = re.compile(r'\\([\\"])')
# python-multipart logs each malformed body as a warning before raising. Those are client
# errors, already answered with a 400, so they go to this logger, whose NullHandler keeps
# them off stderr unless the application configures logging.
_multipart_log = logging.getLogger(__name__)
_multipart_log.addHandler(logging.NullHandler())


class FormDataRequest(Protocol):
    """What :func:`parse_form_data` reads from a request."""

    @property
    def mimetype(self) -> str: ...
    @property
    def mimetype_params(self) -> Mapping[str, str]: ...
    @property
    def max_form_memory_size(self) -> int | None: ...
    @property
    def max_form_parts(self) -> int | None: ...
    @property
    def max_content_length(self) -> int | None: ...
    def get_data(self) -> bytes: ...


def parse_form_data(
    request: FormDataRequest,
) -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
    """Parse a buffered form body into ``(form, files)``.

    URL-encoded and multipart bodies are parsed; any other content type gives two empty
    dicts. Text is decoded as UTF-8 (a multipart part may name another charset) with
    undecodable bytes replaced by U+FFFD. A body over the limits raises
    :class:`~asyncflask.exceptions.RequestEntityTooLarge` (413), a malformed multipart
    body :class:`~asyncflask.exceptions.BadRequest` (400).

    Multipart parsing writes files larger than :data:`asyncflask.files.SPOOL_MAX_SIZE` to
    temporary files, so call it from a worker thread, not on the event loop, when the body
    is larger than that.
    """
    mimetype = request.mimetype
    if mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return ImmutableMultiDict(), ImmutableMultiDict()
    body = request.get_data()
    max_content_length = request.max_content_length
    if max_content_length is not None and len(body) > max_content_length:
        raise RequestEntityTooLarge(
            f"The request body is larger than the server accepts ({max_content_length} bytes)."
        )
    if mimetype == "application/x-www-form-urlencoded":
        fields = _parse_urlencoded(body, request.max_form_memory_size, request.max_form_parts)
        return ImmutableMultiDict(fields), ImmutableMultiDict()
    reader = _MultipartReader(
        _boundary(request.mimetype_params.get("boundary")),
        max_form_memory_size=request.max_form_memory_size,
        max_form_parts=request.max_form_parts,
    )
    reader.feed(body)
    return ImmutableMultiDict(reader.fields), ImmutableMultiDict(reader.files)


def _too_many_parts(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"The form has more fields and files than the server accepts ({limit})."
    )


def _field_too_large(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"A form field is larger than the server accepts ({limit} bytes)."
        " Send large data as a file upload instead."
    )


def _parse_urlencoded(
    body: bytes, max_form_memory_size: int | None, max_form_parts: int | None
) -> list[tuple[str, str]]:
    if max_form_memory_size is not None and len(body) > max_form_memory_size:
        raise RequestEntityTooLarge(
            f"The form data is larger than the server accepts ({max_form_memory_size} bytes)."
            " Send large data as multipart/form-data with a file upload instead."
        )
    # Counted before parsing, so a flood of separators is rejected in one linear scan.
    if max_form_parts is not None and body and body.count(b"&") >= max_form_parts:
        raise _too_many_parts(max_form_parts)
    # Latin-1 maps each byte (raw or percent-escaped) to one character and back, so the
    # UTF-8 decoding below sees the exact bytes the client sent.
    pairs = parse_qsl(
        body.decode("latin-1"), keep_blank_values=True, encoding="latin-1", separator="&"
    )
    return [(_from_latin1(key), _from_latin1(value)) for key, value in pairs]


def _from_latin1(text: str) -> str:
    return text.encode("latin-1").decode("utf-8", "replace")


def _boundary(value: str | None) -> bytes:
    if not value:
        raise BadRequest(
            "The multipart/form-data Content-Type has no boundary: send"
            " 'Content-Type: multipart/form-data; boundary=...'."
        )
    if _BOUNDARY_RE.fullmatch(value) is None:
        raise BadRequest(
            "The multipart/form-data boundary is invalid: it must be 1 to 200 printable"
            " ASCII characters and must not end in a space."
        )
    return value.encode("ascii")


def _decode(data: bytes | bytearray, charset: str) -> str:
    try:
        return data.decode(charset, "replace")
    except (LookupError, ValueError):
        # Unknown charsets, and codecs that are not text encodings (rot13, zlib, ...).
        return data.decode("utf-8", "replace")


def _parse_content_disposition(value: str) -> tuple[str, dict[str, str]]:
    """Split a part's Content-Disposition into its type and parameters (names lower-cased)."""
    end = value.find(";")
    if end == -1:
        return value.strip().lower(), {}
    params: dict[str, str] = {}
    pos = end
    while pos < len(value):
        match = _DISPOSITION_PARAM_RE.match(value, pos)
        if match is None:
            if value[pos:].strip():
                raise BadRequest(
                    "A multipart/form-data part has a malformed Content-Disposition header."
                )
            break
        pos = match.end()
        key, raw = match.group(1, 2)
        if key is None:
            continue
        key = key.lower()
        if key in params:
            # Two values for one parameter could be read differently by a proxy.
            raise BadRequest(f"A multipart/form-data part's Content-Disposition repeats {key!r}.")
        raw = (raw or "").strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = _QUOTED_PAIR_RE.sub(r"\1", raw[1:-1])
        params[key] = raw
    return value[:end].strip().lower(), params


def _part_filename(params: dict[str, str]) -> str | None:
    """The filename as sent: RFC 5987 ``filename*`` first, then ``filename``; NULs removed."""
    filename = params.get("filename")
    extended = params.get("filename*")
    if extended is not None and extended.count("'") >= 2:
        charset, _language, encoded = extended.split("'", 2)
        # RFC 8187 requires UTF-8 and ISO-8859-1 only; anything else is read as UTF-8.
        encoding = "latin-1" if charset.strip().lower() == "iso-8859-1" else "utf-8"
        filename = unquote(encoded, encoding=encoding, errors="replace")
    if filename is None:
        return None
    return filename.replace("\0", "")


class _MultipartReader:
    """Callbacks for python-multipart's streaming parser, collecting fields and files."""

    def __init__(
        self, boundary: bytes, *, max_form_memory_size: int | None, max_form_parts: int | None
    ) -> None:
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self._max_form_memory_size = max_form_memory_size
        self._max_form_parts = max_form_parts
        self._spools: list[tempfile.SpooledTemporaryFile[bytes]] = []
        self._parts = 0
        self._finished = False
        # The current part.
        self._headers = Headers()
        self._header_size = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._name = ""
        self._filename: str | None = None
        self._charset = "utf-8"
        self._spool: tempfile.SpooledTemporaryFile[bytes] | None = None
        self._value = bytearray()
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )
        self._parser.logger = _multipart_log

    def feed(self, body: bytes) -> None:
        """Parse the whole body; on any error, close the files created so far."""
        try:
            if not body:
                return
            try:
                for start in range(0, len(body), _CHUNK_SIZE):
                    self._parser.write(body[start : start + _CHUNK_SIZE])
                self._parser.finalize()
            except FormParserError as exc:
                raise BadRequest(f"The multipart/form-data body is malformed: {exc}.") from exc
            if not self._finished:
                raise BadRequest(
                    "The multipart/form-data body ended before its closing boundary"
                    " ('--' + boundary + '--')."
                )
        except BaseException:
            for spool in self._spools:
                spool.close()
            raise
        finally:
            # The parser holds this reader's bound methods: without this the two are a
            # reference cycle, and every multipart request would wait for the collector.
            self._parser.callbacks = {}

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._max_form_parts is not None and self._parts > self._max_form_parts:
            raise _too_many_parts(self._max_form_parts)
        self._headers = Headers()
        self._header_size = 0
        self._spool = None
        self._value = bytearray()

    def _count_header_bytes(self, size: int) -> None:
        self._header_size += size
        if self._header_size > MAX_PART_HEADER_SIZE:
            raise RequestEntityTooLarge(
                "The headers of a multipart/form-data part are larger than the server"
                f" accepts ({MAX_PART_HEADER_SIZE} bytes)."
            )

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        # The parser only lets token characters into names; values end at CR.
        name = self._header_name.decode("latin-1")
        value = self._header_value.decode("utf-8", "replace").strip(" \t")
        self._header_name = bytearray()
        self._header_value = bytearray()
        if "\n" in value:
            raise BadRequest(
                "A multipart/form-data part header contains a bare LF: end header lines with CRLF."
            )
        self._headers.add(name, value.replace("\0", ""))

    def _on_headers_finished(self) -> None:
        disposition = self._headers.get("Content-Disposition")
        if disposition is None:
            raise BadRequest(
                "A multipart/form-data part has no Content-Disposition header: each part needs"
                " 'Content-Disposition: form-data; name=\"...\"'."
            )
        kind, params = _parse_content_disposition(disposition)
        name = params.get("name")
        if kind != "form-data" or name is None:
            raise BadRequest(
                "A multipart/form-data part's Content-Disposition must be"
                " 'form-data; name=\"...\"'."
            )
        self._name = name
        self._filename = _part_filename(params)
        if self._filename is not None:
            self._spool = spooled_upload()
            self._spools.append(self._spool)
        else:
            _mimetype, options = parse_options_header(self._headers.get("Content-Type") or "")
            self._charset = options.get("charset") or "utf-8"

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._spool is not None:
            self._spool.write(data[start:end])
            return
        self._value += data[start:end]
        limit = self._max_form_memory_size
        if limit is not None and len(self._value) > limit:
            raise _field_too_large(limit)

    def _on_part_end(self) -> None:
        if self._spool is not None:
            self._spool.seek(0)
            upload = FileStorage(
                self._spool, filename=self._filename, name=self._name, headers=self._headers
            )
            self.files.append((self._name, upload))
        else:
            self.fields.append((self._name, _decode(self._value, self._charset)))
        self._spool = None
        self._value = bytearray()

    def _on_end(self) -> None:
        self._finished = True
