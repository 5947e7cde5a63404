from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from asyncflask import Flask, session
from asyncflask.http import parse_date, parse_set_cookie
from asyncflask.json.tag import JSONTag, TaggedJSONSerializer
from asyncflask.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    session_json_serializer,
)
from asyncflask.wrappers import Request, Response

NO_KEY_MESSAGE = (
    "The session is unavailable because no secret key was set. Set the secret_key on"
    " the application to something unique and secret."
)

# -- helpers -----------------------------------------------------------------------


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "current-key"
    app.config.update(config)
    return app


def make_request(app: Flask, cookie: str | None = None) -> Request:
    headers = [] if cookie is None else [(b"cookie", cookie.encode("latin-1"))]
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": headers}
    return Request(scope, app)  # type: ignore[arg-type]


def set_cookies(response: Response) -> list[tuple[str, str, dict[str, str]]]:
    return [parse_set_cookie(value) for value in response.headers.getlist("Set-Cookie")]


def signer_for(*keys: str, timestamp_offset: int = 0) -> URLSafeTimedSerializer:
    class ShiftedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) + timestamp_offset

    return URLSafeTimedSerializer(
        [key.encode() for key in keys],
        salt="cookie-session",
        serializer=session_json_serializer,
        signer=ShiftedSigner,
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    )


def cookie_for(data: object, *keys: str, timestamp_offset: int = 0) -> str:
    return str(signer_for(*keys, timestamp_offset=timestamp_offset).dumps(data))


def saved_cookie(app: Flask, data: dict[str, Any]) -> str:
    interface = SecureCookieSessionInterface()
    sess = SecureCookieSession(data)
    sess.modified = True
    response = Response("")
    interface.save_session(app, sess, response)
    ((_, value, _),) = set_cookies(response)
    return value


def opened(app: Flask, cookie_value: str | None) -> SecureCookieSession | None:
    cookie = None if cookie_value is None else f"session={cookie_value}"
    return SecureCookieSessionInterface().open_session(app, make_request(app, cookie))


# -- the serializer ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"plain": "text", "n": 1, "f": 1.5, "none": None, "yes": True, "list": [1, "a"]},
        {"tuple": (1, "two", (3,))},
        {"bytes": b"\x00\xffbinary"},
        {"uuid": UUID("12345678-1234-5678-1234-567812345678")},
        {"when": datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc)},
        {"nested": [{"deep": (b"x", [UUID(int=1)])}]},
        {" t": [1, 2]},
        {"outer": {" di": "looks like the dict tag"}},
        {"outer": {" b": "not base64!"}},
        {"outer": {" t__": "already escaped"}},
        {"_flashes": [("error", "bad"), ("message", "ok")]},
    ],
)
def test_serializer_round_trips(value: dict[str, Any]) -> None:
    assert session_json_serializer.loads(session_json_serializer.dumps(value)) == value


def test_serializer_keeps_types_distinct() -> None:
    loaded = session_json_serializer.loads(
        session_json_serializer.dumps({"t": (1,), "l": [1], "b": b"a", "s": "a"})
    )
    assert type(loaded["t"]) is tuple
    assert type(loaded["l"]) is list
    assert type(loaded["b"]) is bytes
    assert type(loaded["s"]) is str


def test_serializer_round_trips_markup() -> None:
    loaded = session_json_serializer.loads(
        session_json_serializer.dumps({"m": Markup("<b>%s</b>") % "<i>"})
    )
    assert isinstance(loaded["m"], Markup)
    assert loaded["m"] == Markup("<b>&lt;i&gt;</b>")


def test_serializer_stores_naive_datetimes_as_utc() -> None:
    loaded = session_json_serializer.loads(
        session_json_serializer.dumps(datetime(2024, 5, 17, 12, 30, 45, 123))
    )
    assert loaded == datetime(2024, 5, 17, 12, 30, 45, tzinfo=timezone.utc)


def test_serializer_stores_dates_and_decimals_as_strings() -> None:
    loaded = session_json_serializer.loads(
        session_json_serializer.dumps({"d": date(2024, 5, 17), "n": Decimal("1.10")})
    )
    assert loaded == {"d": "Fri, 17 May 2024 00:00:00 GMT", "n": "1.10"}


def test_serializer_output_is_compact() -> None:
    assert session_json_serializer.dumps({"a": [1, 2]}) == '{"a":[1,2]}'


def test_serializer_reads_flask_session_data() -> None:
    # Produced by Flask's session serializer, so sessions survive a migration.
    flask_json = (
        '{"_flashes":[{" t":["error","bad"]}],"b":{" b":"AP8="},'
        '"d":{" d":"Fri, 17 May 2024 12:30:00 GMT"},"m":{" m":"<b>x</b>"},"n":3,'
        '"t":{" t":[1,"a"]},"tagish":{" di":{" t__":[1,2]}},'
        '"u":{" u":"12345678123456781234567812345678"},"user":"ada"}'
    )
    assert session_json_serializer.loads(flask_json) == {
        "_flashes": [("error", "bad")],
        "b": b"\x00\xff",
        "d": datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc),
        "m": Markup("<b>x</b>"),
        "n": 3,
        "t": (1, "a"),
        "tagish": {" t": [1, 2]},
        "u": UUID("12345678-1234-5678-1234-567812345678"),
        "user": "ada",
    }


def test_unsupported_value_is_a_type_error_that_names_the_type() -> None:
    with pytest.raises(TypeError, match="Object of type object cannot be stored in the session"):
        session_json_serializer.dumps({"x": object()})


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


class TagPoint(JSONTag):
    key = " point"

    def check(self, value: Any) -> bool:
        return isinstance(value, Point)

    def to_json(self, value: Any) -> Any:
        return [value.x, value.y]

    def to_python(self, value: Any) -> Any:
        return Point(*value)


def test_custom_tag_round_trips() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagPoint)
    assert serializer.loads(serializer.dumps({"p": Point(1, 2)})) == {"p": Point(1, 2)}


def test_registering_a_tag_twice_is_a_value_error() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagPoint)
    with pytest.raises(ValueError, match="already registered; pass force=True"):
        serializer.register(TagPoint)
    serializer.register(TagPoint, force=True)


def test_registering_a_tag_does_not_change_the_default_serializer() -> None:
    TaggedJSONSerializer().register(TagPoint)
    assert " point" not in session_json_serializer.tags


# -- session objects ---------------------------------------------------------------

READS: dict[str, Callable[[SecureCookieSession], object]] = {
    "getitem": lambda s: s["a"],
    "get": lambda s: s.get("a"),
    "get_missing": lambda s: s.get("missing"),
    "contains": lambda s: "a" in s,
    "len": len,
    "bool": bool,
    "iter": lambda s: list(s),
    "reversed": lambda s: list(reversed(s)),
    "keys": lambda s: s.keys(),
    "values": lambda s: s.values(),
    "items": lambda s: s.items(),
    "copy": lambda s: s.copy(),
    "dict": dict,
    "eq": lambda s: s == {"a": 1},
    "ne": lambda s: s != {"a": 1},
    "or": lambda s: s | {"b": 2},
    "ror": lambda s: {"b": 2} | s,
    "setdefault_present": lambda s: s.setdefault("a", 2),
    "permanent": lambda s: s.permanent,
    "repr": repr,
}

WRITES: dict[str, Callable[[SecureCookieSession], object]] = {
    "setitem": lambda s: s.__setitem__("b", 2),
    "delitem": lambda s: s.__delitem__("a"),
    "pop": lambda s: s.pop("a"),
    "popitem": lambda s: s.popitem(),
    "clear": lambda s: s.clear(),
    "update": lambda s: s.update(b=2),
    "ior": lambda s: s.__ior__({"b": 2}),
    "setdefault_missing": lambda s: s.setdefault("b", 2),
    "set_permanent": lambda s: setattr(s, "permanent", True),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_every_read_marks_the_session_accessed_not_modified(
    read: Callable[[SecureCookieSession], object],
) -> None:
    sess = SecureCookieSession({"a": 1})
    assert not sess.accessed
    read(sess)
    assert sess.accessed
    assert not sess.modified


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_marks_the_session_modified_and_accessed(
    write: Callable[[SecureCookieSession], object],
) -> None:
    sess = SecureCookieSession({"a": 1})
    write(sess)
    assert sess.modified
    assert sess.accessed


def test_permanent_is_stored_in_the_session() -> None:
    sess = SecureCookieSession()
    assert sess.permanent is False
    sess.permanent = True
    assert dict(sess) == {"_permanent": True}
    assert sess.permanent is True


def test_session_is_a_session_mixin_and_a_dict() -> None:
    sess = SecureCookieSession({"a": 1})
    assert isinstance(sess, SessionMixin)
    assert isinstance(sess, dict)
    assert sess == {"a": 1}


def test_null_session_reads_as_empty() -> None:
    sess = NullSession()
    assert sess.get("a") is None
    assert "a" not in sess
    assert len(sess) == 0
    assert list(sess.items()) == []
    assert sess.permanent is False


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_null_session_refuses_every_write_with_the_secret_key_message(
    write: Callable[[SecureCookieSession], object],
) -> None:
    with pytest.raises(RuntimeError) as info:
        write(NullSession({"a": 1}))
    assert str(info.value) == NO_KEY_MESSAGE


# -- the interface: opening -------------------------------------------------------


def test_session_interface_requires_open_and_save() -> None:
    class Incomplete(SessionInterface):
        pass

    # As in Flask: the class can be made, a missing method fails when it is called.
    interface = Incomplete()
    app = make_app()
    with pytest.raises(NotImplementedError, match="open_session"):
        interface.open_session(app, make_request(app))
    with pytest.raises(NotImplementedError, match="save_session"):
        interface.save_session(app, SecureCookieSession(), app.response_class())


def test_without_secret_key_open_returns_none_and_null_session_is_used() -> None:
    app = make_app(SECRET_KEY=None)
    interface = SecureCookieSessionInterface()
    assert interface.open_session(app, make_request(app)) is None
    null = interface.make_null_session(app)
    assert isinstance(null, NullSession)
    assert interface.is_null_session(null)
    assert not interface.is_null_session(SecureCookieSession())


def test_no_cookie_gives_a_new_empty_session() -> None:
    sess = opened(make_app(), None)
    assert sess is not None
    assert dict(sess) == {}
    assert sess.new
    assert not sess.modified


def test_saved_session_opens_with_the_same_data() -> None:
    app = make_app()
    data = {"user": "ada", "roles": ("admin",), "token": b"\x01"}
    sess = opened(app, saved_cookie(app, data))
    assert sess is not None
    assert not sess.new
    assert not sess.accessed
    assert not sess.modified
    assert dict(sess) == data


def test_session_reads_a_cookie_signed_by_flask() -> None:
    # Signed by Flask with SECRET_KEY "flask-compat-key"; checked without an age limit.
    cookie = (
        ".eJx1jc0KgzAQhF8lzDnQJNoqwQq9tCehh96KSERbhf5AotAiefdu4rmXb5aZYWdBc3sYN_QO-rqATSTorX1bcLSm"
        "Q-1rOqApI-JwzvfwHF10iDjakTOZscp8mRIqZVLpRGgh2Km6hOozVoko2vJTbNoyuC_ohGOKWRiVHIbGyDL30Q3r-3"
        "GNmyYWVO0pn6NHhFRJut1l-T8NM7PrLVVNZ-B_bWE98g.awGbsw.DPXeZVoCR0hnIwNf7M_FIC_CvWI"
    )
    signer = SecureCookieSessionInterface().get_signing_serializer(
        make_app(SECRET_KEY="flask-compat-key")
    )
    assert signer is not None
    data = signer.loads(cookie)
    assert data["user"] == "ada"
    assert data["t"] == (1, "a")
    assert data["_flashes"] == [("error", "bad")]


def test_tampered_cookie_gives_an_empty_session() -> None:
    app = make_app()
    cookie = saved_cookie(app, {"user": "ada"})
    rest = cookie.split(".", 1)[1]
    forged = saved_cookie(app, {"user": "root"}).split(".", 1)[0]
    sess = opened(app, f"{forged}.{rest}")
    assert sess is not None
    assert dict(sess) == {}
    assert sess.new


@pytest.mark.parametrize(
    "garbage",
    ["garbage", ".", "..", "a.b.c", ".eJzzSM3JyQcABiwCFQ.x.y", "x" * 5000, "é.ü.ß", '"quoted"'],
)
def test_garbage_cookie_gives_an_empty_session(garbage: str) -> None:
    sess = opened(make_app(), garbage)
    assert sess is not None
    assert dict(sess) == {}


def test_cookie_signed_with_another_key_gives_an_empty_session() -> None:
    sess = opened(make_app(), cookie_for({"user": "ada"}, "someone-elses-key"))
    assert sess is not None
    assert dict(sess) == {}


def test_expired_cookie_gives_an_empty_session() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=60)
    cookie = cookie_for({"user": "ada"}, "current-key", timestamp_offset=-120)
    sess = opened(app, cookie)
    assert sess is not None
    assert dict(sess) == {}
    fresh = cookie_for({"user": "ada"}, "current-key", timestamp_offset=-30)
    assert dict(opened(app, fresh) or {}) == {"user": "ada"}


def test_signed_value_that_is_not_a_dict_gives_an_empty_session() -> None:
    sess = opened(make_app(), cookie_for(["not", "a", "dict"], "current-key"))
    assert sess is not None
    assert dict(sess) == {}


def test_fallback_keys_verify_old_cookies() -> None:
    app = make_app(SECRET_KEY_FALLBACKS=["older-key", "old-key"])
    for key in ("current-key", "old-key", "older-key"):
        sess = opened(app, cookie_for({"user": key}, key))
        assert sess is not None
        assert dict(sess) == {"user": key}


def test_new_cookies_are_signed_with_the_current_key_only() -> None:
    app = make_app(SECRET_KEY_FALLBACKS=["old-key", "older-key"])
    cookie = saved_cookie(app, {"user": "ada"})
    assert signer_for("current-key").loads(cookie) == {"user": "ada"}
    for old in ("old-key", "older-key"):
        assert opened(make_app(SECRET_KEY=old), cookie) == {}


def test_changing_the_secret_key_at_runtime_takes_effect_at_once() -> None:
    app = make_app()
    cookie = saved_cookie(app, {"user": "ada"})
    assert opened(app, cookie) == {"user": "ada"}
    app.secret_key = "rotated-key"
    assert opened(app, cookie) == {}
    app.config["SECRET_KEY_FALLBACKS"] = ["current-key"]
    assert opened(app, cookie) == {"user": "ada"}
    assert signer_for("rotated-key").loads(saved_cookie(app, {"n": 1})) == {"n": 1}


def test_a_changed_salt_on_the_interface_is_used_at_once() -> None:
    app = make_app()
    interface = SecureCookieSessionInterface()
    header = f"session={saved_cookie(app, {'user': 'ada'})}"
    assert interface.open_session(app, make_request(app, header)) == {"user": "ada"}
    interface.salt = "another-salt"
    assert interface.open_session(app, make_request(app, header)) == {}


def test_bytes_secret_keys_work() -> None:
    app = make_app(SECRET_KEY=b"\x00bytes-key", SECRET_KEY_FALLBACKS=[b"old"])
    assert opened(app, saved_cookie(app, {"a": 1})) == {"a": 1}


def test_lifetime_of_wrong_type_is_a_type_error() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME="31 days")
    with pytest.raises(TypeError, match="PERMANENT_SESSION_LIFETIME must be a timedelta"):
        opened(app, saved_cookie(make_app(), {"a": 1}))


# -- the interface: saving --------------------------------------------------------


def save(app: Flask, sess: SessionMixin, response: Response | None = None) -> Response:
    response = response if response is not None else Response("")
    SecureCookieSessionInterface().save_session(app, sess, response)
    return response


def test_untouched_session_sets_no_cookie_and_no_vary() -> None:
    app = make_app()
    sess = opened(app, saved_cookie(app, {"a": 1}))
    assert sess is not None
    response = save(app, sess)
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_read_only_access_adds_vary_cookie_without_set_cookie(
    read: Callable[[SecureCookieSession], object],
) -> None:
    app = make_app()
    sess = opened(app, saved_cookie(app, {"a": 1}))
    assert sess is not None
    read(sess)
    response = save(app, sess)
    assert response.headers.getlist("Vary") == ["Cookie"]
    assert "Set-Cookie" not in response.headers


def test_read_of_an_empty_session_adds_vary_cookie() -> None:
    app = make_app()
    sess = opened(app, None)
    assert sess is not None
    assert "user" not in sess
    response = save(app, sess)
    assert response.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in response.headers


def test_modified_session_sets_a_cookie_with_the_configured_attributes() -> None:
    app = make_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    sess = SecureCookieSession()
    sess["user"] = "ada"
    response = save(app, sess)
    ((name, value, attrs),) = set_cookies(response)
    assert name == "sid"
    assert attrs["domain"] == "example.com"
    assert attrs["path"] == "/app"
    assert "secure" in attrs
    assert "httponly" in attrs
    assert attrs["samesite"] == "Lax"
    assert "partitioned" in attrs
    assert "expires" not in attrs
    assert response.headers["Vary"] == "Cookie"
    request = make_request(app, f"sid={value}")
    assert SecureCookieSessionInterface().open_session(app, request) == {"user": "ada"}


def test_default_cookie_attributes() -> None:
    app = make_app(APPLICATION_ROOT="/root")
    sess = SecureCookieSession()
    sess["a"] = 1
    ((name, _, attrs),) = set_cookies(save(app, sess))
    assert name == "session"
    assert attrs["path"] == "/root"
    assert "httponly" in attrs
    for absent in ("domain", "secure", "samesite", "partitioned", "expires", "max-age"):
        assert absent not in attrs


def test_httponly_can_be_turned_off() -> None:
    app = make_app(SESSION_COOKIE_HTTPONLY=False)
    sess = SecureCookieSession()
    sess["a"] = 1
    ((_, _, attrs),) = set_cookies(save(app, sess))
    assert "httponly" not in attrs


def test_emptied_session_deletes_the_cookie() -> None:
    app = make_app(SESSION_COOKIE_DOMAIN="example.com", SESSION_COOKIE_PATH="/app")
    sess = opened(app, saved_cookie(app, {"a": 1}))
    assert sess is not None
    sess.clear()
    response = save(app, sess)
    ((name, value, attrs),) = set_cookies(response)
    assert (name, value) == ("session", "")
    assert attrs["max-age"] == "0"
    assert attrs["domain"] == "example.com"
    assert attrs["path"] == "/app"
    assert parse_date(attrs["expires"]) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert response.headers["Vary"] == "Cookie"


def test_empty_unmodified_session_sets_nothing() -> None:
    app = make_app()
    sess = opened(app, None)
    assert sess is not None
    response = save(app, sess)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("lifetime", [timedelta(days=7), 7 * 24 * 3600])
def test_permanent_session_expires_after_the_lifetime(lifetime: timedelta | int) -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=lifetime)
    sess = SecureCookieSession()
    sess.permanent = True
    ((_, _, attrs),) = set_cookies(save(app, sess))
    expires = parse_date(attrs["expires"])
    assert expires is not None
    expected = datetime.now(timezone.utc) + timedelta(days=7)
    assert abs((expires - expected).total_seconds()) < 5


def test_permanent_session_is_refreshed_with_vary_even_when_not_read() -> None:
    app = make_app()
    sess = opened(app, saved_cookie(app, {"_permanent": True, "a": 1}))
    assert sess is not None
    assert not sess.accessed
    response = save(app, sess)
    ((_, value, attrs),) = set_cookies(response)
    assert "expires" in attrs
    assert opened(app, value) == {"_permanent": True, "a": 1}
    assert response.headers["Vary"] == "Cookie"


def test_permanent_session_is_not_refreshed_when_refresh_is_off() -> None:
    app = make_app(SESSION_REFRESH_EACH_REQUEST=False)
    sess = opened(app, saved_cookie(app, {"_permanent": True}))
    assert sess is not None
    response = save(app, sess)
    assert "Set-Cookie" not in response.headers


def test_vary_cookie_is_merged_with_an_existing_vary() -> None:
    app = make_app()
    sess = SecureCookieSession()
    sess.get("a")
    response = Response("")
    response.headers["Vary"] = "Accept-Encoding"
    save(app, sess, response)
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


@pytest.mark.parametrize("existing", ["cookie", "Accept, Cookie", "*"])
def test_vary_cookie_is_not_repeated(existing: str) -> None:
    app = make_app()
    sess = SecureCookieSession()
    sess["a"] = 1
    response = Response("")
    response.headers["Vary"] = existing
    save(app, sess, response)
    assert response.headers.getlist("Vary") == [existing]


def test_large_session_is_sent_without_error(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    sess = SecureCookieSession()
    sess["blob"] = "x" * 10_000
    with caplog.at_level(logging.DEBUG):
        response = save(app, sess)
    assert len(set_cookies(response)) == 1
    assert not caplog.records


def test_session_proxy_outside_a_request_explains_the_fix() -> None:
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        session.get("a")


# -- through the application -------------------------------------------------------


def session_app(**config: Any) -> Flask:
    app = make_app(**config)
    app.session_interface = SecureCookieSessionInterface()

    @app.route("/set/<key>/<value>")
    async def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    @app.route("/get/<key>")
    def get_value(key: str) -> str:  # a sync view: the session crosses into a thread
        return repr(session.get(key))

    @app.route("/contains")
    async def contains() -> str:
        return str("user" in session)

    @app.route("/len")
    async def length() -> str:
        return str(len(session))

    @app.route("/permanent")
    async def make_permanent() -> str:
        session.permanent = True
        session["user"] = "ada"
        return "permanent"

    @app.route("/clear")
    async def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    async def untouched() -> str:
        return "untouched"

    return app


def test_cookie_sessions_are_the_default() -> None:
    assert isinstance(Flask(__name__).session_interface, SecureCookieSessionInterface)


@pytest.mark.anyio
async def test_session_set_in_one_request_is_read_in_the_next() -> None:
    client = session_app().test_client()
    r = await client.get("/set/user/ada")
    assert r.status_code == 200
    ((name, _, attrs),) = set_cookies(r)
    assert name == "session"
    assert "httponly" in attrs
    assert r.headers["Vary"] == "Cookie"
    r = await client.get("/get/user")
    assert r.text == "'ada'"


@pytest.mark.anyio
async def test_tampered_cookie_is_an_empty_session_not_an_error() -> None:
    client = session_app().test_client()
    await client.get("/set/user/ada")
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value[:-4] + "AAAA")
    r = await client.get("/get/user")
    assert r.status_code == 200
    assert r.text == "None"


@pytest.mark.anyio
async def test_garbage_cookie_is_an_empty_session_not_an_error() -> None:
    client = session_app().test_client()
    client.set_cookie("session", "not-a-session")
    r = await client.get("/get/user")
    assert (r.status_code, r.text) == (200, "None")


@pytest.mark.anyio
async def test_cookie_from_an_app_with_another_key_is_ignored() -> None:
    other = session_app(SECRET_KEY="another-key").test_client()
    await other.get("/set/user/root")
    forged = other.get_cookie("session")
    assert forged is not None
    client = session_app().test_client()
    client.set_cookie("session", forged.value)
    r = await client.get("/get/user")
    assert (r.status_code, r.text) == (200, "None")


@pytest.mark.anyio
async def test_rotated_key_reads_old_cookies_and_signs_new_ones_with_the_current_key() -> None:
    old = session_app(SECRET_KEY="old-key").test_client()
    await old.get("/set/user/ada")
    old_cookie = old.get_cookie("session")
    assert old_cookie is not None

    client = session_app(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["old-key"]).test_client()
    client.set_cookie("session", old_cookie.value)
    assert (await client.get("/get/user")).text == "'ada'"

    await client.get("/set/role/admin")
    new_cookie = client.get_cookie("session")
    assert new_cookie is not None
    only_new = session_app(SECRET_KEY="new-key").test_client()
    only_new.set_cookie("session", new_cookie.value)
    assert (await only_new.get("/get/role")).text == "'admin'"
    only_old = session_app(SECRET_KEY="old-key").test_client()
    only_old.set_cookie("session", new_cookie.value)
    assert (await only_old.get("/get/role")).text == "None"


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/contains", "/len", "/get/user"])
async def test_read_only_access_varies_on_cookie_without_setting_one(path: str) -> None:
    client = session_app().test_client()
    await client.get("/set/user/ada")
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in r.headers


@pytest.mark.anyio
async def test_untouched_session_sends_no_cookie_and_no_vary() -> None:
    client = session_app().test_client()
    await client.get("/set/user/ada")
    r = await client.get("/untouched")
    assert "Set-Cookie" not in r.headers
    assert "Vary" not in r.headers


@pytest.mark.anyio
async def test_clearing_the_session_deletes_the_cookie() -> None:
    client = session_app().test_client()
    await client.get("/set/user/ada")
    r = await client.get("/clear")
    ((name, value, attrs),) = set_cookies(r)
    assert (name, value, attrs["max-age"]) == ("session", "", "0")
    assert client.get_cookie("session") is None
    assert (await client.get("/get/user")).text == "None"


@pytest.mark.anyio
async def test_permanent_session_sets_expires_and_is_refreshed() -> None:
    client = session_app(PERMANENT_SESSION_LIFETIME=timedelta(hours=2)).test_client()
    r = await client.get("/permanent")
    ((_, _, attrs),) = set_cookies(r)
    expires = parse_date(attrs["expires"])
    assert expires is not None
    expected = datetime.now(timezone.utc) + timedelta(hours=2)
    assert abs((expires - expected).total_seconds()) < 5

    r = await client.get("/get/user")
    assert r.text == "'ada'"
    ((_, _, attrs),) = set_cookies(r)
    assert "expires" in attrs
    assert r.headers["Vary"] == "Cookie"


@pytest.mark.anyio
async def test_without_secret_key_reading_the_session_works() -> None:
    client = session_app(SECRET_KEY=None).test_client()
    r = await client.get("/get/user")
    assert (r.status_code, r.text) == (200, "None")
    assert "Set-Cookie" not in r.headers


@pytest.mark.anyio
async def test_without_secret_key_writing_the_session_is_a_logged_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = session_app(SECRET_KEY=None).test_client()
    with caplog.at_level(logging.ERROR):
        r = await client.get("/set/user/ada")
    assert r.status_code == 500
    assert NO_KEY_MESSAGE in caplog.text
    assert "Set-Cookie" not in r.headers


@pytest.mark.anyio
async def test_without_secret_key_writing_the_session_raises_when_testing() -> None:
    client = session_app(SECRET_KEY=None, TESTING=True).test_client()
    with pytest.raises(RuntimeError) as info:
        await client.get("/set/user/ada")
    assert str(info.value) == NO_KEY_MESSAGE


@pytest.mark.anyio
async def test_permanent_session_is_refreshed_on_requests_that_do_not_touch_it() -> None:
    from datetime import timedelta

    from asyncflask import session

    app = Flask(__name__)
    app.secret_key = "refresh secret"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=7)

    @app.route("/set-permanent")
    def make_permanent() -> str:
        session.permanent = True
        session["info"] = "kept"
        return "set"

    @app.route("/page")
    def page() -> str:
        return "untouched"

    client = app.test_client()
    await client.get("/set-permanent")
    r = await client.get("/page")
    assert r.headers["Set-Cookie"].startswith("session=")
    assert "Expires=" in r.headers["Set-Cookie"]
    assert "Cookie" in r.headers.get("Vary", "")
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert "Set-Cookie" not in (await client.get("/page")).headers


@pytest.mark.anyio
async def test_an_untouched_non_permanent_session_sets_no_cookie() -> None:
    from asyncflask import session

    app = Flask(__name__)
    app.secret_key = "refresh secret"

    @app.route("/set")
    def set_value() -> str:
        session["info"] = "kept"
        return "set"

    @app.route("/page")
    def page() -> str:
        return "untouched"

    client = app.test_client()
    await client.get("/set")
    r = await client.get("/page")
    assert "Set-Cookie" not in r.headers


def test_a_session_is_freed_without_the_garbage_collector() -> None:
    """Each request's session must not be a reference cycle, or every request feeds the GC."""
    import gc
    import weakref

    session = SecureCookieSession({"a": 1})
    session["b"] = 2
    assert session.modified
    ref = weakref.ref(session)
    gc.disable()
    try:
        del session
        assert ref() is None
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "data",
    [
        {"user": "ada"},
        {"big": "x" * 2000, "items": list(range(200))},  # compressed: the payload starts with "."
        {"when": datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc), "t": (1, 2), "b": b"\x00"},
    ],
)
def test_cookies_match_the_itsdangerous_serializer_both_ways(data: dict[str, Any]) -> None:
    app = make_app()
    made_here = saved_cookie(app, data)
    assert signer_for("current-key").loads(made_here) == data
    assert opened(app, cookie_for(data, "current-key")) == data
    if len(str(data)) > 1000:
        assert made_here.startswith(".")


def test_a_validly_signed_cookie_with_a_broken_payload_gives_an_empty_session() -> None:
    signer = TimestampSigner(
        b"current-key",
        salt="cookie-session",
        key_derivation="hmac",
        digest_method=SecureCookieSessionInterface.digest_method,
    )
    for payload in (b".bm90IHpsaWI", b"_-_-", b".", b"eyJhIjoxfQ"[:5]):
        cookie = signer.sign(payload).decode()
        assert opened(make_app(), cookie) == {}


def test_a_subclass_with_its_own_signing_serializer_is_used() -> None:
    used: list[str] = []

    class Audited(SecureCookieSessionInterface):
        def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
            used.append("serializer")
            return super().get_signing_serializer(app)

    app = make_app()
    interface = Audited()
    header = f"session={cookie_for({'a': 1}, 'current-key')}"
    assert interface.open_session(app, make_request(app, header)) == {"a": 1}
    assert used == ["serializer"]
