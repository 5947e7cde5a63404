"""The application logger: name, level, default handler, ``has_level_handler``."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterator

import pytest

from asyncflask import Flask
from asyncflask.logging import default_handler, errors_stream, has_level_handler, wsgi_errors_stream


@pytest.fixture(autouse=True)
def bare_logging(pytestconfig: pytest.Config) -> Iterator[None]:
    """No root handlers and no pytest log capture, as in a fresh process."""
    root_handlers = logging.root.handlers[:]
    root_level = logging.root.level
    logging.root.handlers = []
    plugin = pytestconfig.pluginmanager.unregister(name="logging-plugin")
    yield
    logging.root.handlers[:] = root_handlers
    logging.root.setLevel(root_level)
    for name in ("af_logging_app", "af_logging_debug", "af_logging_existing"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.setLevel(logging.NOTSET)
    if plugin:
        pytestconfig.pluginmanager.register(plugin, "logging-plugin")


def test_logger_is_created_on_first_access_with_the_default_handler() -> None:
    app = Flask("af_logging_app")
    logger = app.logger
    assert logger is logging.getLogger("af_logging_app")
    assert logger.level == logging.NOTSET
    assert logger.handlers == [default_handler]
    assert app.logger is logger


def test_debug_mode_sets_debug_level_when_created() -> None:
    app = Flask("af_logging_debug")
    app.debug = True
    assert app.logger.level == logging.DEBUG
    assert app.logger.handlers == [default_handler]


def test_an_existing_handler_means_no_default_handler() -> None:
    logging.root.addHandler(logging.StreamHandler())
    app = Flask("af_logging_existing")
    assert app.logger.level == logging.NOTSET
    assert app.logger.handlers == []


def test_has_level_handler() -> None:
    logger = logging.getLogger("af_logging_app.child")
    assert not has_level_handler(logger)
    handler = logging.StreamHandler()
    logging.root.addHandler(handler)
    assert has_level_handler(logger)
    logger.propagate = False
    try:
        assert not has_level_handler(logger)
    finally:
        logger.propagate = True
    handler.setLevel(logging.ERROR)
    assert not has_level_handler(logger)


def test_default_handler_writes_to_the_current_stderr() -> None:
    app = Flask("af_logging_app")
    stream = io.StringIO()
    with contextlib.redirect_stderr(stream):
        app.logger.error("seen %s", "here")
        assert errors_stream._get_current_object() is stream  # type: ignore[attr-defined]
    assert "ERROR in test_logging: seen here" in stream.getvalue()
    assert wsgi_errors_stream is errors_stream
    assert errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_unhandled_view_error_is_logged_with_path_and_method() -> None:
    app = Flask("af_logging_app")

    @app.route("/")
    def index() -> str:
        raise Exception("test")

    stream = io.StringIO()
    with contextlib.redirect_stderr(stream):
        r = await app.test_client().get("/")
    assert r.status_code == 500
    assert "Exception on / [GET]" in stream.getvalue()
    assert "Exception: test" in stream.getvalue()


@pytest.mark.anyio
async def test_errors_stream_of_a_test_request() -> None:
    app = Flask("af_logging_app")

    @app.route("/")
    def index() -> str:
        app.logger.error("test")
        return ""

    stream = io.StringIO()
    await app.test_client().get("/", errors_stream=stream)
    assert "ERROR in test_logging: test" in stream.getvalue()
    assert errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]
    with app.test_request_context(errors_stream=stream):
        assert errors_stream._get_current_object() is stream  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_forty_concurrent_requests_log_to_their_own_streams() -> None:
    import anyio

    app = Flask("af_logging_app")

    @app.route("/<int:n>")
    async def view(n: int) -> str:
        await anyio.sleep(0.001)
        app.logger.error("request %d", n)
        return ""

    @app.route("/sync/<int:n>")
    def sync_view(n: int) -> str:
        app.logger.error("request %d", n)
        return ""

    client = app.test_client()
    streams = {n: io.StringIO() for n in range(40)}

    async def one(n: int) -> None:
        path = f"/{n}" if n % 2 else f"/sync/{n}"
        await client.get(path, errors_stream=streams[n])

    async with anyio.create_task_group() as tg:
        for n in streams:
            tg.start_soon(one, n)
    for n, stream in streams.items():
        assert stream.getvalue().count("ERROR in test_logging") == 1
        assert f"request {n}\n" in stream.getvalue()
