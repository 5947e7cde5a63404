"""Sessions: the ``session`` objects and the interface that loads and saves them.

The default, :class:`SecureCookieSessionInterface`, keeps the whole session in a
cookie signed with the application's ``SECRET_KEY``. The client can read the
data (it is signed, not encrypted) but cannot change it. The cookie format is
Flask's, so sessions survive a migration from Flask with the same secret key.

To store sessions elsewhere, subclass :class:`SessionInterface` and set
``app.session_interface`` to an instance of it.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

from itsdangerous import BadData, BadPayload, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

from .datastructures import CallbackDict

# Still public here, as before the serializer moved to asyncflask.json.tag.
from .json.tag import (
    TaggedJSONSerializer,
)

if TYPE_CHECKING:
    from .app import Flask
    from .ctx import AppContext, RequestContext
    from .wrappers import Request, Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "open_context_session",
    "save_session",
    "save_session_sync",
    "session_json_serializer",
    "session_needs_refresh",
]


# -- session objects -------------------------------------------------------------


T = TypeVar("T")


class SessionMixin(MutableMapping[str, Any]):
    """What every session object offers on top of a mutable mapping."""

    #: Whether the session was created in this request (no valid cookie was sent).
    #: Implementations that cannot tell leave it False.
    new = False

    #: Whether the session changed. Sessions that do not track changes report True,
    #: so they are always saved. Set it yourself after changing a mutable value in
    #: place (``session["cart"].append(item)``), which cannot be detected.
    modified = True

    #: Whether the session was read or written; the response then varies on ``Cookie``.
    accessed = True

    @property
    def permanent(self) -> bool:
        """Whether the session outlives the browser session (``PERMANENT_SESSION_LIFETIME``)."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)


def _session_updated(session: CallbackDict[str, Any]) -> None:
    if isinstance(session, SecureCookieSession):
        session._mark_modified()


class SecureCookieSession(CallbackDict[str, Any], SessionMixin):
    """A dict that records whether it was read (``accessed``) or changed (``modified``).

    Every way of reading it marks it accessed, including ``in``, ``len()`` and
    iteration, because a response built from the session differs per client and
    must carry ``Vary: Cookie`` for caches.
    """

    modified = False
    accessed = False

    def __init__(
        self, initial: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
    ) -> None:
        # A function of the module, not a closure over self: a closure would make every
        # session a reference cycle, left for the garbage collector instead of freed at once.
        super().__init__(initial, _session_updated)

    def _mark_modified(self) -> None:
        self.modified = True
        self.accessed = True

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().setdefault(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __reversed__(self) -> Iterator[str]:
        self.accessed = True
        return super().__reversed__()

    def keys(self) -> Any:
        self.accessed = True
        return super().keys()

    def values(self) -> Any:
        self.accessed = True
        return super().values()

    def items(self) -> Any:
        self.accessed = True
        return super().items()

    def copy(self) -> dict[str, Any]:
        self.accessed = True
        return super().copy()

    def __eq__(self, other: object) -> bool:
        self.accessed = True
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        self.accessed = True
        return super().__ne__(other)

    def __or__(self, other: Any) -> Any:
        self.accessed = True
        return super().__or__(other)

    def __ror__(self, other: Any) -> Any:
        self.accessed = True
        return super().__ror__(other)

    def __repr__(self) -> str:
        self.accessed = True
        return super().__repr__()


_NO_SECRET_KEY = (
    "The session is unavailable because no secret key was set. Set the secret_key on"
    " the application to something unique and secret."
)


class NullSession(SecureCookieSession):
    """The session used when no real one can be opened (no secret key).

    Reading works and finds nothing; any change raises a RuntimeError that
    explains how to fix it.
    """

    def _fail(self) -> NoReturn:
        raise RuntimeError(_NO_SECRET_KEY)

    def __setitem__(self, key: str, value: Any) -> NoReturn:
        self._fail()

    def __delitem__(self, key: str) -> NoReturn:
        self._fail()

    def clear(self) -> NoReturn:
        self._fail()

    def pop(self, key: str, default: Any = None) -> NoReturn:
        self._fail()

    def popitem(self) -> NoReturn:
        self._fail()

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._fail()

    def setdefault(self, key: str, default: Any = None) -> NoReturn:
        self._fail()

    def __ior__(self, other: Any) -> NoReturn:
        self._fail()


# -- the session serializer ------------------------------------------------------

#: The serializer the default session interface uses.
session_json_serializer = TaggedJSONSerializer()


# -- session interfaces ----------------------------------------------------------


def _session_lifetime(app: Flask) -> timedelta:
    value = app.config["PERMANENT_SESSION_LIFETIME"]
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError(
        "PERMANENT_SESSION_LIFETIME must be a timedelta or a number of seconds,"
        f" not {type(value).__name__}."
    )


def _add_vary_cookie(response: Response) -> None:
    """Add ``Cookie`` to the response's ``Vary`` header, keeping what is there."""
    headers = response.headers
    lines = headers.getlist("Vary")
    if not lines:
        headers.set("Vary", "Cookie")
        return
    existing = [token.strip() for line in lines for token in line.split(",") if token.strip()]
    lowered = {token.lower() for token in existing}
    if "cookie" in lowered or "*" in lowered:
        return
    headers.set("Vary", ", ".join([*existing, "Cookie"]))


class SessionInterface:
    """How the application opens a session from a request and saves it on the response.

    Subclasses implement :meth:`open_session` and :meth:`save_session`; the
    ``get_cookie_*`` helpers read the ``SESSION_COOKIE_*`` settings so every
    implementation honours them. ``save_session`` may be ``async def``.
    """

    #: What :meth:`make_null_session` creates.
    null_session_class: type[SessionMixin] = NullSession

    #: Whether the session data is pickled (never the case here; kept for extensions).
    pickle_based = False

    def make_null_session(self, app: Flask) -> SessionMixin:
        """The session used when :meth:`open_session` returns None.

        It can be read but raises a RuntimeError about the secret key when changed.
        """
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session (which is never saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Flask) -> str:
        """The cookie's name (``SESSION_COOKIE_NAME``)."""
        name: str = app.config["SESSION_COOKIE_NAME"]
        return name

    def get_cookie_domain(self, app: Flask) -> str | None:
        """The cookie's ``Domain`` (``SESSION_COOKIE_DOMAIN``); None for the current host only."""
        domain: str | None = app.config["SESSION_COOKIE_DOMAIN"]
        return domain or None

    def get_cookie_path(self, app: Flask) -> str:
        """The cookie's ``Path``: ``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        path: str = app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]
        return path

    def get_cookie_httponly(self, app: Flask) -> bool:
        """Whether scripts are kept from reading the cookie (``SESSION_COOKIE_HTTPONLY``)."""
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: Flask) -> bool:
        """Whether the cookie is sent over HTTPS only (``SESSION_COOKIE_SECURE``)."""
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: Flask) -> str | None:
        """The cookie's ``SameSite`` value (``SESSION_COOKIE_SAMESITE``)."""
        samesite: str | None = app.config["SESSION_COOKIE_SAMESITE"]
        return samesite

    def get_cookie_partitioned(self, app: Flask) -> bool:
        """Whether the cookie is partitioned, CHIPS (``SESSION_COOKIE_PARTITIONED``)."""
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        """When the cookie expires: now + ``PERMANENT_SESSION_LIFETIME`` for permanent
        sessions, None (end of the browser session) otherwise.
        """
        if session.permanent:
            return datetime.now(timezone.utc) + _session_lifetime(app)
        return None

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Whether to send the cookie: the session changed, or it is permanent and
        ``SESSION_REFRESH_EACH_REQUEST`` asks for its expiry to be renewed.
        """
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    # Not abstract methods: as in Flask, an interface may be instantiated before (or
    # without) implementing both; a missing one fails when it is called.

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        """Load the session for ``request``. Return None when sessions are unavailable
        (the application then uses :meth:`make_null_session`).

        Called the first time the request touches the session; must not raise for
        bad client data. Subclasses implement it.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement open_session().")

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> Any:
        """Store ``session`` and set whatever cookie the response needs.

        Called after the ``after_request`` functions, only for a session the request
        opened and that is not a null session. May return an awaitable. Subclasses
        implement it.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement save_session().")


def _to_bytes(key: str | bytes) -> bytes:
    return key.encode() if isinstance(key, str) else key


def _signing_keys(secret_key: str | bytes, fallbacks: Iterable[str | bytes]) -> list[bytes]:
    # itsdangerous signs with the last key and verifies from the last to the first:
    # the current key signs, and is tried before the fallbacks in their given order.
    keys = [_to_bytes(key) for key in reversed(list(fallbacks)) if key]
    keys.append(_to_bytes(secret_key))
    return keys


def _sha1(data: bytes = b"") -> Any:
    # Looked up on use so interpreters built without SHA-1 can still import this module.
    return hashlib.sha1(data)


@functools.lru_cache(maxsize=64)
def _derived_key(salt: bytes, key_derivation: str, digest_method: Any, secret_key: bytes) -> bytes:
    signer = TimestampSigner(
        secret_key, salt, key_derivation=key_derivation, digest_method=digest_method
    )
    return signer.derive_key()


class _SessionSigner(TimestampSigner):
    """itsdangerous's timestamp signer, deriving each key once instead of on every use."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else _to_bytes(secret_key)
        try:
            return _derived_key(self.salt, self.key_derivation, self.digest_method, key)
        except TypeError:  # an unhashable digest method
            return super().derive_key(secret_key)


class _CookieCodec:
    """Reads and writes URLSafeTimedSerializer's format, with one signer for every key.

    The serializer's own loads()/dumps() build a signer per call and per key; doing
    the payload framing here (compact JSON, zlib when it is shorter, URL-safe base64,
    a leading ``.`` for compressed data) saves about 10 us per request that uses the
    session, and the cookies stay byte for byte what the serializer makes and reads.
    """

    __slots__ = ("serializer", "signer")

    def __init__(self, keys: list[bytes], interface: SecureCookieSessionInterface) -> None:
        self.serializer = interface.serializer
        self.signer = _SessionSigner(
            keys,
            salt=interface.salt,
            key_derivation=interface.key_derivation,
            digest_method=interface.digest_method,
        )

    def dumps(self, obj: Any) -> str:
        """Sign ``obj`` into a cookie value."""
        data = _to_bytes(self.serializer.dumps(obj))
        compressed = zlib.compress(data)
        if len(compressed) < len(data) - 1:
            payload = b"." + base64_encode(compressed)
        else:
            payload = base64_encode(data)
        return self.signer.sign(payload).decode("ascii")

    def loads(self, value: str, max_age: int | None = None) -> Any:
        """Verify a cookie value (signature, then age) and decode it; raises BadData."""
        payload = self.signer.unsign(value, max_age=max_age)
        try:
            if payload[:1] == b".":
                data = zlib.decompress(base64_decode(payload[1:]))
            else:
                data = base64_decode(payload)
            return self.serializer.loads(data.decode("utf-8"))
        except (zlib.error, UnicodeDecodeError) as e:
            raise BadPayload("The session payload could not be decoded.", original_error=e) from e


class SecureCookieSessionInterface(SessionInterface):
    """Sessions stored in a cookie signed with ``SECRET_KEY`` (the default).

    New cookies are signed with ``SECRET_KEY`` only; cookies signed with a key in
    ``SECRET_KEY_FALLBACKS`` are still accepted, so keys can be rotated. A cookie
    that is tampered with, expired or unreadable gives a new, empty session.
    The data is readable by the client: do not store secrets in it. Browsers
    drop cookies over about 4 kB, so keep the session small.
    """

    #: Salt mixed into the signing key, separating session cookies from other signed data.
    salt = "cookie-session"
    #: Hash function for the signature.
    digest_method = staticmethod(_sha1)
    #: How the signing key is derived from the secret key (itsdangerous's ``key_derivation``).
    key_derivation = "hmac"
    #: Turns the session into a string and back.
    serializer: Any = session_json_serializer
    #: What :meth:`open_session` creates.
    session_class: type[SecureCookieSession] = SecureCookieSession

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The itsdangerous serializer for ``app``, or None when it has no secret key."""
        return self._for_keys(
            "serializer",
            app,
            lambda keys: URLSafeTimedSerializer(
                keys,
                salt=self.salt,
                serializer=self.serializer,
                signer=_SessionSigner,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            ),
        )

    def _codec(self, app: Flask) -> _CookieCodec | URLSafeTimedSerializer | None:
        """What signs and reads the cookie: the serializer if a subclass provides its own."""
        if (
            type(self).get_signing_serializer
            is not SecureCookieSessionInterface.get_signing_serializer
        ):
            return self.get_signing_serializer(app)
        return self._for_keys("codec", app, lambda keys: _CookieCodec(keys, self))

    def _for_keys(self, kind: str, app: Flask, build: Callable[[list[bytes]], T]) -> T | None:
        """``build(keys)`` for the app's keys, kept per combination of keys and settings:
        building an itsdangerous serializer costs more than using it."""
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or []
        cache: dict[tuple[Any, ...], Any] = self.__dict__.setdefault("_signers", {})
        try:
            settings = (self.salt, self.serializer, self.key_derivation, self.digest_method)
            key = (kind, secret_key, tuple(fallbacks), *settings)
            found: T | None = cache.get(key)
        except TypeError:  # unhashable settings: build one each time
            return build(_signing_keys(secret_key, fallbacks))
        if found is None:
            if len(cache) >= 32:
                cache.clear()
            found = cache[key] = build(_signing_keys(secret_key, fallbacks))
        return found

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Load the session from the request's cookie; None without a secret key."""
        signer = self._codec(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self._new_session()
        max_age = int(_session_lifetime(app).total_seconds())
        try:
            data = signer.loads(value, max_age=max_age)
        except (BadData, ValueError, TypeError):
            return self._new_session()
        if not isinstance(data, dict):
            return self._new_session()
        return self.session_class(data)

    def _new_session(self) -> SecureCookieSession:
        session = self.session_class()
        session.new = True
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Set, refresh or delete the session cookie, adding ``Vary: Cookie`` when the
        session was read or the cookie is sent.
        """
        # Read the flag first: the checks below read the session themselves.
        vary_added = session.accessed
        if vary_added:
            _add_vary_cookie(response)

        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        secure = self.get_cookie_secure(app)
        partitioned = self.get_cookie_partitioned(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)

        if not session:
            if session.modified:
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=secure,
                    partitioned=partitioned,
                    samesite=samesite,
                    httponly=httponly,
                )
                if not vary_added:
                    _add_vary_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return

        signer = self._codec(app)
        if signer is None:
            raise RuntimeError(_NO_SECRET_KEY)
        response.set_cookie(
            name,
            signer.dumps(dict(session)),
            expires=self.get_expiration_time(app, session),
            httponly=httponly,
            domain=domain,
            path=path,
            secure=secure,
            partitioned=partitioned,
            samesite=samesite,
        )
        if not vary_added:
            _add_vary_cookie(response)


# -- the glue the request pipeline uses ------------------------------------------------


def open_context_session(app: Flask, ctx: AppContext) -> SessionMixin | None:
    """Open the session of a request or websocket context (a null session if unavailable)."""
    interface = app.session_interface
    if interface is None:
        return None
    # A websocket handshake carries the same cookies and headers as a request.
    request = cast("Request", ctx.request if ctx.request is not None else ctx.websocket)
    session = interface.open_session(app, request)
    return session if session is not None else interface.make_null_session(app)


async def save_session(app: Flask, session: SessionMixin, response: Response) -> None:
    """Save ``session`` into ``response`` (a no-op for null sessions; async interfaces awaited)."""
    interface = app.session_interface
    if interface is None or interface.is_null_session(session):
        return
    result: Any = interface.save_session(app, session, response)
    if hasattr(result, "__await__"):
        await result


def save_session_sync(app: Flask, ctx: RequestContext, response: Response) -> None:
    """Save the session of ``ctx`` into ``response`` with a sync session interface.

    Runs on the request's thread; an unopened session is saved only to renew its cookie.
    """
    session = ctx._session
    if session is None and session_needs_refresh(app, ctx.request):
        session = ctx.session
    interface = app.session_interface
    if session is None or interface is None or interface.is_null_session(session):
        return
    interface.save_session(app, session, response)


def session_needs_refresh(app: Flask, request: Request) -> bool:
    """Whether an unopened session must still be saved to renew its cookie.

    Sessions open lazily, but a permanent one is re-sent on every request that
    carries it when ``SESSION_REFRESH_EACH_REQUEST`` is on, as in Flask.
    """
    return bool(
        app.config["SESSION_REFRESH_EACH_REQUEST"]
        and app.session_interface is not None
        and request._raw_header(b"cookie") is not None
        and app.session_interface.get_cookie_name(app) in request.cookies
    )
