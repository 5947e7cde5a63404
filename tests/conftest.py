from __future__ import annotations

import pytest

from asyncflask import Flask


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param


@pytest.fixture
def app() -> Flask:
    app = Flask("test_app")
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask):
    return app.test_client()
