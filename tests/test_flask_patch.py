"""``import asyncflask.flask_patch``: ``flask`` and Werkzeug's names mean asyncflask's.

Each test runs in an interpreter of its own, so the patch never leaks into the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_flask_and_its_submodules_are_asyncflask(tmp_path: Path) -> None:
    done = run_python(
        """
        import asyncflask.flask_patch
        import asyncflask, asyncflask.globals, asyncflask.ctx, asyncflask.json
        import asyncflask.sessions, asyncflask.wrappers
        import flask
        from flask import Flask, current_app, request, g, session, abort, url_for
        from flask.globals import _cv_app, _cv_request, app_ctx, request_ctx
        from flask.ctx import _AppCtxGlobals
        import flask.json, flask.sessions, flask.wrappers
        assert flask is asyncflask
        assert flask.globals is asyncflask.globals
        assert flask.json is asyncflask.json
        assert flask.sessions is asyncflask.sessions
        assert flask.wrappers.Response is asyncflask.Response
        assert _AppCtxGlobals is asyncflask.ctx._AppCtxGlobals
        app = Flask("patched")
        with app.test_request_context("/x"):
            assert _cv_request.get() is request_ctx._get_current_object()
            assert _cv_app.get() is app_ctx._get_current_object()
            assert request_ctx.request.path == "/x"
        assert _cv_app.get(None) is None
        print("ok")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_werkzeug_names_resolve_to_asyncflask(tmp_path: Path) -> None:
    done = run_python(
        """
        import asyncflask.flask_patch
        import asyncflask.datastructures as ad, asyncflask.exceptions as ae
        import asyncflask.security as asec, asyncflask.utils as au
        from werkzeug.datastructures import MultiDict, ImmutableMultiDict, Headers, FileStorage
        from werkzeug.exceptions import HTTPException, NotFound, Forbidden
        from werkzeug.security import generate_password_hash, check_password_hash
        from werkzeug.utils import secure_filename
        assert MultiDict is ad.MultiDict and ImmutableMultiDict is ad.ImmutableMultiDict
        assert Headers is ad.Headers and FileStorage is ad.FileStorage
        assert HTTPException is ae.HTTPException and NotFound is ae.NotFound
        assert generate_password_hash is asec.generate_password_hash
        assert secure_filename is au.secure_filename
        assert isinstance(NotFound(), ae.HTTPException)
        print("ok")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr


def test_an_extension_written_for_flask_works_on_asyncflask(tmp_path: Path) -> None:
    (tmp_path / "flask_gate.py").write_text(
        textwrap.dedent(
            """
            from flask import current_app, g, request
            from werkzeug.exceptions import Forbidden


            class Gate:
                def __init__(self, app=None):
                    if app is not None:
                        self.init_app(app)

                def init_app(self, app):
                    app.extensions["gate"] = self
                    app.before_request(self.check)

                def check(self):
                    g.visitor = request.headers.get("X-Visitor")
                    if g.visitor is None:
                        raise Forbidden("Say who you are.")
                    current_app.logger.debug("visitor %s", g.visitor)
            """
        )
    )
    done = run_python(
        """
        import asyncflask.flask_patch
        import anyio
        from flask_gate import Gate
        from asyncflask import Flask, g

        app = Flask(__name__)
        Gate(app)

        @app.get("/")
        async def index():
            return f"hello {g.visitor}"

        async def main():
            async with app.test_client() as client:
                denied = await client.get("/")
                allowed = await client.get("/", headers={"X-Visitor": "ann"})
            print(denied.status_code, allowed.status_code, allowed.text)

        anyio.run(main)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "403 200 hello ann"


def test_importing_the_patch_after_flask_is_a_clear_error(tmp_path: Path) -> None:
    done = run_python(
        """
        import sys, types
        sys.modules["flask"] = types.ModuleType("flask")  # Flask's own, imported first
        import asyncflask.flask_patch
        """,
        tmp_path,
    )
    assert done.returncode != 0
    assert "Move `import asyncflask.flask_patch` above" in done.stderr


def test_importing_asyncflask_patches_nothing(tmp_path: Path) -> None:
    done = run_python(
        """
        import sys
        import asyncflask, asyncflask.testing, asyncflask.globals
        app = asyncflask.Flask("plain")
        print("flask" in sys.modules, "werkzeug" in sys.modules)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False False"


def test_an_installed_flask_and_werkzeug_never_win(tmp_path: Path) -> None:
    # The extensions in the test extra install the real Flask and Werkzeug; the patch
    # still decides what every flask module and the names extensions use resolve to.
    done = run_python(
        """
        import importlib, importlib.util, os, sys
        spec = importlib.util.find_spec("flask")
        real_dir = os.path.dirname(spec.origin) if spec and spec.origin else None
        import asyncflask.flask_patch
        import asyncflask, asyncflask.testing, asyncflask.routing, asyncflask.wrappers
        for name in ["flask", "flask.app", "flask.blueprints", "flask.cli", "flask.config",
                     "flask.ctx", "flask.globals", "flask.helpers", "flask.json",
                     "flask.json.provider", "flask.json.tag", "flask.logging", "flask.sessions",
                     "flask.signals", "flask.templating", "flask.testing", "flask.typing",
                     "flask.views", "flask.wrappers", "flask.sansio.app",
                     "flask.sansio.blueprints", "flask.sansio.scaffold"]:
            module = importlib.import_module(name)
            assert module.__name__.startswith("asyncflask"), (name, module)
        import flask.testing, werkzeug.routing, werkzeug.wrappers
        assert flask.testing.FlaskClient is asyncflask.testing.FlaskClient
        assert werkzeug.routing.Map is asyncflask.routing.Map
        assert werkzeug.routing.MapAdapter is asyncflask.routing.MapAdapter
        assert werkzeug.wrappers.Response is asyncflask.wrappers.Response
        if real_dir is not None:
            loaded = [n for n, m in list(sys.modules.items())
                      if (getattr(m, "__file__", None) or "").startswith(real_dir + os.sep)]
            assert not loaded, loaded
        print("ok")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_without_werkzeug_the_names_come_from_stand_in_modules(tmp_path: Path) -> None:
    # The test extra installs Werkzeug (extensions depend on it); an app without it
    # still gets werkzeug.* modules holding asyncflask's names.
    done = run_python(
        """
        import sys
        sys.modules["werkzeug"] = None  # as if Werkzeug were not installed
        import asyncflask.flask_patch
        import asyncflask.datastructures as ad, asyncflask.exceptions as ae
        from werkzeug.datastructures import MultiDict
        from werkzeug.exceptions import NotFound
        from werkzeug.routing import Map
        import werkzeug
        assert MultiDict is ad.MultiDict and NotFound is ae.NotFound
        assert Map.__module__.startswith("asyncflask")
        assert "stand-in" in (werkzeug.__doc__ or "")
        print("ok")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
