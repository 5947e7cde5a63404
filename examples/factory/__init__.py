"""An application factory with blueprints, a MethodView API and an extension.

Serve it with ``uvicorn --factory examples.factory:create_app``. Layout::

    examples/factory/__init__.py   create_app(): config, extensions, blueprints
    examples/factory/auth.py       the "auth" blueprint: log in and out, g.user
    examples/factory/api.py        the "api" blueprint, with "api.v1" nested in it

With ``instance_relative_config=True`` the optional ``config.py`` is read from
the instance folder, beside the ``examples`` package unless ``instance_path``
says otherwise.
"""

from __future__ import annotations

from typing import Any

from asyncflask import Flask, g, url_for

from ..extension import RequestCounter

counter = RequestCounter()


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app: defaults, then the instance config (or ``test_config``), then the rest."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(SECRET_KEY="dev", API_PAGE_SIZE=10)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    counter.init_app(app)

    from . import api, auth

    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)

    @app.route("/")
    def index() -> dict[str, Any]:
        return {
            "user": g.user,
            "login": url_for("auth.login"),
            "items": url_for("api.v1.items"),
        }

    return app
