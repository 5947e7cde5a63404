"""HTTP errors as exceptions, ``abort()``, and the websocket disconnect signal.

Raise any :class:`HTTPException` subclass (or call :func:`abort`) from a view or hook
and the client receives the matching error page::

    from asyncflask.exceptions import NotFound

    raise NotFound("No such article.")
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from asyncflask.wrappers import Response

# NotImplemented is left out so that a star import cannot shadow the builtin.
__all__ = [
    "Aborter",
    "BadGateway",
    "BadRequest",
    "BadRequestKeyError",
    "ClientDisconnected",
    "Conflict",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "HTTPException",
    "HTTPVersionNotSupported",
    "ImATeapot",
    "InternalServerError",
    "LengthRequired",
    "Locked",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestRedirect",
    "RequestTimeout",
    "RequestURITooLarge",
    "RequestedRangeNotSatisfiable",
    "RoutingException",
    "SecurityError",
    "ServiceUnavailable",
    "TooManyRequests",
    "URITooLong",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "WebSocketDisconnect",
    "abort",
    "default_exceptions",
]

_HTML_HEADER = ("Content-Type", "text/html; charset=utf-8")
# Printable ASCII except space: left as is when a redirect target is made header-safe.
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def _check_header_value(name: str, value: str) -> str:
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(
            f"The {name} header value {value!r} contains a CR, LF or NUL character,"
            " which would allow header injection. Remove those characters."
        )
    return value


class HTTPException(Exception):
    """Base class for errors that become an HTTP error response.

    Subclasses set :attr:`code` and :attr:`description`; pass ``description`` to
    override the text for one error, or ``response`` to send a ready-made response.
    """

    code: int | None = None
    description: str | None = None

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        super().__init__()
        if description is not None:
            self.description = description
        self.response = response

    @property
    def name(self) -> str:
        """The status phrase, e.g. ``"Not Found"``."""
        from asyncflask.http import HTTP_STATUS_CODES

        if self.code is None:
            return "Unknown Error"
        return HTTP_STATUS_CODES.get(self.code, "Unknown Error")

    def get_description(self) -> str:
        """The description as an HTML paragraph, escaped, with newlines as ``<br>``."""
        text = escape(self.description or "").replace("\n", Markup("<br>"))
        return f"<p>{text}</p>"

    def get_body(self) -> str:
        """The HTML page sent to the client."""
        name = escape(self.name)
        code = self.code if self.code is not None else 500
        return (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{code} {name}</title>\n"
            f"<h1>{name}</h1>\n"
            f"{self.get_description()}\n"
        )

    def get_headers(self) -> list[tuple[str, str]]:
        """The response headers: the HTML content type plus any the error adds."""
        return [_HTML_HEADER]

    def get_response(self) -> Response:
        """The response to send: :attr:`response` if one was given, else the error page."""
        if self.response is not None:
            return self.response
        from asyncflask.wrappers import Response

        code = self.code if self.code is not None else 500
        return Response(self.get_body(), code, self.get_headers())

    def __str__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"{code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"<{type(self).__name__} '{code}: {self.name}'>"


class BadRequest(HTTPException):
    """400: the request is malformed or missing something the server needs."""

    code = 400
    description = "The browser (or proxy) sent a request that this server could not understand."


class BadRequestKeyError(BadRequest, KeyError):
    """400 raised by :class:`~asyncflask.datastructures.MultiDict` and
    :class:`~asyncflask.datastructures.Headers` for a missing key.

    It is also a :class:`KeyError`, so ``except KeyError`` keeps working; ``args[0]``
    and :attr:`key` hold the missing key.
    """

    def __init__(self, key: object = None, description: str | None = None) -> None:
        if description is None and key is not None:
            description = f"{self.description} The key {key!r} is missing from the request."
        super().__init__(description)
        self.key = key
        self.args = (key,)

    def __str__(self) -> str:
        return HTTPException.__str__(self)


class SecurityError(BadRequest):
    """400 raised when a request is refused for security reasons (e.g. an unsafe path)."""


class ClientDisconnected(BadRequest):
    """400 raised when the client went away before sending the whole request body."""

    description = "The client disconnected before the whole request body was received."


class Unauthorized(HTTPException):
    """401: the request needs credentials.

    ``www_authenticate`` gives one or more ``WWW-Authenticate`` challenges, such as
    ``'Basic realm="Login Required"'``.
    """

    code = 401
    description = (
        "The server could not verify that you are authorized to access this URL. Either"
        " the credentials supplied are wrong or the browser does not know how to send them."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        www_authenticate: str | Iterable[str] | None = None,
    ) -> None:
        super().__init__(description, response)
        if www_authenticate is None:
            challenges: list[str] = []
        elif isinstance(www_authenticate, str):
            challenges = [www_authenticate]
        else:
            challenges = list(www_authenticate)
        self.www_authenticate = [_check_header_value("WWW-Authenticate", c) for c in challenges]

    def get_headers(self) -> list[tuple[str, str]]:
        return [*super().get_headers(), *(("WWW-Authenticate", c) for c in self.www_authenticate)]


class Forbidden(HTTPException):
    """403: the client may not access this resource."""

    code = 403
    description = "You do not have permission to access this resource."


class NotFound(HTTPException):
    """404: nothing lives at this URL."""

    code = 404
    description = (
        "The requested URL was not found on the server. If you entered the URL by hand,"
        " please check its spelling."
    )


class MethodNotAllowed(HTTPException):
    """405: the URL exists but does not accept this method.

    ``valid_methods`` become the ``Allow`` header (sorted).
    """

    code = 405
    description = "The HTTP method used is not allowed for the requested URL."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.valid_methods = None if valid_methods is None else sorted(valid_methods)

    def get_headers(self) -> list[tuple[str, str]]:
        headers = super().get_headers()
        if self.valid_methods:
            headers.append(("Allow", _check_header_value("Allow", ", ".join(self.valid_methods))))
        return headers


class NotAcceptable(HTTPException):
    """406: none of the representations the client accepts can be produced."""

    code = 406
    description = (
        "The resource cannot be produced in any of the formats the request's Accept headers allow."
    )


class RequestTimeout(HTTPException):
    """408: the client took too long to send its request."""

    code = 408
    description = "The server closed the connection because the request took too long to arrive."


class Conflict(HTTPException):
    """409: the request conflicts with the current state of the resource."""

    code = 409
    description = "The request conflicts with the current state of the resource."


class Gone(HTTPException):
    """410: the resource existed but was removed for good."""

    code = 410
    description = "The requested resource is no longer available and will not be available again."


class LengthRequired(HTTPException):
    """411: the request must state its ``Content-Length``."""

    code = 411
    description = "A request with this method must state its length in a Content-Length header."


class PreconditionFailed(HTTPException):
    """412: a conditional request header did not hold."""

    code = 412
    description = "A precondition given in the request headers did not hold on the server."


class RequestEntityTooLarge(HTTPException):
    """413: the request body is larger than the server accepts."""

    code = 413
    description = "The request body is larger than the server is willing to accept."


class RequestURITooLarge(HTTPException):
    """414: the URL is longer than the server accepts."""

    code = 414
    description = "The request URL is longer than the server is willing to handle."


URITooLong = RequestURITooLarge


class UnsupportedMediaType(HTTPException):
    """415: the server does not understand the request body's media type."""

    code = 415
    description = "The server does not support the media type of the request body."


class RequestedRangeNotSatisfiable(HTTPException):
    """416: the requested byte range lies outside the resource.

    Pass ``length`` (the full size) to send ``Content-Range: bytes */length``.
    """

    code = 416
    description = "The requested range cannot be served from this resource."

    def __init__(
        self,
        length: int | None = None,
        units: str = "bytes",
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.length = length
        self.units = _check_header_value("Content-Range", units)

    def get_headers(self) -> list[tuple[str, str]]:
        headers = super().get_headers()
        if self.length is not None:
            headers.append(("Content-Range", f"{self.units} */{self.length}"))
        return headers


class ExpectationFailed(HTTPException):
    """417: the server cannot meet the request's ``Expect`` header."""

    code = 417
    description = "The server cannot meet the requirements of the Expect request header."


class ImATeapot(HTTPException):
    """418: the server refuses to brew coffee because it is a teapot (RFC 2324)."""

    code = 418
    description = "This server is a teapot, not a coffee machine."


class UnprocessableEntity(HTTPException):
    """422: the request is well-formed but its content is invalid."""

    code = 422
    description = "The request was well-formed but its content could not be processed."


class Locked(HTTPException):
    """423: the resource is locked."""

    code = 423
    description = "The resource being accessed is locked."


class FailedDependency(HTTPException):
    """424: the request depended on another request that failed."""

    code = 424
    description = "The request failed because it depended on another request that failed."


class PreconditionRequired(HTTPException):
    """428: the request must be conditional (e.g. carry ``If-Match``)."""

    code = 428
    description = (
        "This request must be conditional: send an If-Match or If-Unmodified-Since header."
    )


class _RetryAfter(HTTPException):
    """Adds a ``Retry-After`` header from ``retry_after`` (seconds or a datetime)."""

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        retry_after: datetime | int | None = None,
    ) -> None:
        super().__init__(description, response)
        self.retry_after = retry_after

    def get_headers(self) -> list[tuple[str, str]]:
        headers = super().get_headers()
        if isinstance(self.retry_after, datetime):
            from asyncflask.http import http_date

            headers.append(("Retry-After", http_date(self.retry_after)))
        elif self.retry_after is not None:
            headers.append(("Retry-After", str(int(self.retry_after))))
        return headers


class TooManyRequests(_RetryAfter):
    """429: the client sent too many requests; ``retry_after`` says when to come back."""

    code = 429
    description = "This user has exceeded an allotted request count. Try again later."


class RequestHeaderFieldsTooLarge(HTTPException):
    """431: one header, or all of them together, are too large."""

    code = 431
    description = "One or more request header fields are too large."


class UnavailableForLegalReasons(HTTPException):
    """451: the resource is withheld for legal reasons."""

    code = 451
    description = "This resource is unavailable for legal reasons."


class InternalServerError(HTTPException):
    """500: the server failed; :attr:`original_exception` holds the cause, if any."""

    code = 500
    description = (
        "The server encountered an internal error and was unable to complete your request."
        " Either the server is overloaded or there is an error in the application."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        original_exception: BaseException | None = None,
    ) -> None:
        super().__init__(description, response)
        self.original_exception = original_exception


class NotImplemented(HTTPException):  # Werkzeug's name; shadows the builtin here
    """501: the server does not support the requested feature."""

    code = 501
    description = "The server does not support the action requested by the browser."


class BadGateway(HTTPException):
    """502: an upstream server sent an invalid response."""

    code = 502
    description = "The proxy server received an invalid response from an upstream server."


class ServiceUnavailable(_RetryAfter):
    """503: the server is temporarily unavailable; ``retry_after`` says when to come back."""

    code = 503
    description = (
        "The server is temporarily unable to service your request due to maintenance"
        " downtime or capacity problems. Please try again later."
    )


class GatewayTimeout(HTTPException):
    """504: an upstream server did not answer in time."""

    code = 504
    description = "The connection to an upstream server timed out."


class HTTPVersionNotSupported(HTTPException):
    """505: the request's HTTP version is not supported."""

    code = 505
    description = "The server does not support the HTTP protocol version used in the request."


class RoutingException(Exception):
    """Base class for exceptions the router raises to change the course of a request."""


class RequestRedirect(HTTPException, RoutingException):
    """308 raised by the router to send the client to the canonical URL (e.g. with a
    trailing slash). The response carries ``Location: new_url``.
    """

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(f"Redirecting to {new_url}.")
        _check_header_value("Location", new_url)
        self.new_url = new_url

    def get_description(self) -> str:
        url = escape(self.new_url)
        return (
            "<p>You should be redirected automatically to the target URL:"
            f' <a href="{url}">{url}</a>. If not, click the link.</p>'
        )

    def get_headers(self) -> list[tuple[str, str]]:
        # Non-ASCII characters are percent-encoded so the header stays latin-1 safe.
        return [*super().get_headers(), ("Location", quote(self.new_url, safe=_URL_SAFE))]


_ALL_ERRORS: tuple[type[HTTPException], ...] = (
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    RequestTimeout,
    Conflict,
    Gone,
    LengthRequired,
    PreconditionFailed,
    RequestEntityTooLarge,
    RequestURITooLarge,
    UnsupportedMediaType,
    RequestedRangeNotSatisfiable,
    ExpectationFailed,
    ImATeapot,
    UnprocessableEntity,
    Locked,
    FailedDependency,
    PreconditionRequired,
    TooManyRequests,
    RequestHeaderFieldsTooLarge,
    UnavailableForLegalReasons,
    InternalServerError,
    NotImplemented,
    BadGateway,
    ServiceUnavailable,
    GatewayTimeout,
    HTTPVersionNotSupported,
)

#: The exception class for each error status code, as :func:`abort` uses it.
default_exceptions: dict[int, type[HTTPException]] = {
    cls.code: cls for cls in _ALL_ERRORS if cls.code is not None
}


class Aborter:
    """Raise the HTTP error for a status code; :func:`abort` is the default instance.

    ``mapping`` replaces :data:`default_exceptions`; ``extra`` adds or overrides codes.
    """

    def __init__(
        self,
        mapping: dict[int, type[HTTPException]] | None = None,
        extra: dict[int, type[HTTPException]] | None = None,
    ) -> None:
        self.mapping = dict(default_exceptions if mapping is None else mapping)
        if extra is not None:
            self.mapping.update(extra)

    def __call__(self, status: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
        if isinstance(status, int):
            cls = self.mapping.get(status)
            if cls is None:
                raise LookupError(
                    f"abort() has no exception for status code {status}. Use an error code"
                    " listed in asyncflask.exceptions.default_exceptions, or pass a Response"
                    " to send it as is: abort(make_response(body, status))."
                )
            raise cls(*args, **kwargs)
        status_code = getattr(status, "status_code", None)
        if not isinstance(status_code, int):
            raise TypeError(
                f"abort() takes a status code or a Response, not {type(status).__name__}."
            )
        error = HTTPException(*args, **kwargs)
        error.response = status
        error.code = status_code
        raise error


_aborter = Aborter()


def abort(status: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the :class:`HTTPException` for ``status``, or send the given response.

    ``abort(404)`` raises :class:`NotFound`; extra arguments go to the exception
    (``abort(404, "No such user.")``). ``abort(response)`` stops the request and sends
    ``response`` as is.
    """
    _aborter(status, *args, **kwargs)


class WebSocketDisconnect(Exception):
    """The websocket peer closed the connection; :attr:`code` is the close code.

    In the test clients, a handshake the app denied also sets :attr:`status_code`
    to the HTTP status of the denial.
    """

    #: The HTTP status of a denied handshake (test clients), else None.
    status_code: int | None = None

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        if self.reason:
            return f"WebSocket closed with code {self.code}: {self.reason}"
        return f"WebSocket closed with code {self.code}"
