"""Flask's documentation on application structure, run with only the import lines changed.

The seed sections: the application factory, blueprints, pluggable views, MethodView
REST APIs, the instance folder and signals (004). Project layouts are written to disk
and imported, as a user's package would be. Stand-ins for what the examples assume (an
ORM, a login decorator, a user) are defined next to the example and marked as such.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from asyncflask import Flask, current_app, jsonify, request
from asyncflask.views import MethodView, View

pytestmark = pytest.mark.anyio


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """Write files below tmp_path (on sys.path) and import a module from them."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written: set[str] = set()

    def write_and_import(files: dict[str, str], module: str) -> Any:
        for name, source in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
            written.add(name.split("/")[0].removesuffix(".py"))
        return importlib.import_module(module)

    yield write_and_import
    for name in list(sys.modules):
        if name.split(".")[0] in written:
            del sys.modules[name]


# --- 004 Application Structure: the application factory ------------------------------------


async def test_factory_basic_implementation_structure() -> None:
    # 004 "Basic Implementation Structure"; SQLAlchemy is a stand-in with init_app.
    class SQLAlchemy:  # stand-in for flask_sqlalchemy.SQLAlchemy
        def __init__(self) -> None:
            self.apps: list[Flask] = []

        def init_app(self, app: Flask) -> None:
            app.extensions["sqlalchemy"] = self
            self.apps.append(app)

    # 1. Initialize extensions without an app
    db = SQLAlchemy()

    def create_app(config_filename=None):
        # 2. Create the Flask instance
        app = Flask(__name__, instance_relative_config=True)

        # 3. Load Configuration
        if config_filename:
            app.config.from_pyfile(config_filename)
        else:
            app.config.from_mapping(SECRET_KEY="dev", DATABASE="project.db")

        # 4. Bind extensions to the app
        db.init_app(app)

        # 5. Register Blueprints (See Section 6.2)
        # from . import auth
        # app.register_blueprint(auth.bp)

        return app

    first, second = create_app(), create_app()
    assert first is not second
    assert db.apps == [first, second]
    assert first.extensions["sqlalchemy"] is db
    assert first.config["DATABASE"] == "project.db"


async def test_factory_and_blueprints_project_layout(project: Callable[..., Any]) -> None:
    # 004 "Recommended Directory Structure" and "Modular Project Structure" with the
    # blueprint of "Creating a Blueprint" (its view returns text here: templates come with
    # the web layer and are tested below).
    module = project(
        {
            "myapp/__init__.py": """
                from asyncflask import Flask
                from .auth.routes import auth_bp
                from .api.routes import api_bp

                def create_app():
                    app = Flask(__name__)

                    # Register the blueprint onto the app
                    app.register_blueprint(auth_bp)
                    app.register_blueprint(api_bp, url_prefix="/api")

                    @app.route("/")
                    def index():
                        return "home"

                    return app
            """,
            "myapp/auth/__init__.py": "",
            "myapp/auth/routes.py": """
                from asyncflask import Blueprint, url_for

                # Creating the Blueprint
                auth_bp = Blueprint('auth', __name__,
                                    template_folder='templates',
                                    static_folder='static',
                                    url_prefix='/auth')

                @auth_bp.route('/login')
                def login():
                    return url_for('.login') + " " + url_for('auth.login') + " " + url_for('index')
            """,
            "myapp/api/__init__.py": "",
            "myapp/api/routes.py": """
                from asyncflask import Blueprint, jsonify

                api_bp = Blueprint('api', __name__)

                @api_bp.route('/status')
                async def status():
                    return jsonify(ok=True)
            """,
        },
        "myapp",
    )
    app = module.create_app()
    client = app.test_client()
    assert (await client.get("/auth/login")).text == "/auth/login /auth/login /"
    assert (await client.get("/api/status")).json == {"ok": True}
    assert (await client.get("/")).text == "home"
    assert list(app.blueprints) == ["auth", "api"]
    auth_bp = app.blueprints["auth"]
    assert auth_bp.root_path.endswith("myapp/auth")
    assert auth_bp.template_folder == "templates"
    with app.test_request_context():
        from asyncflask import url_for

        assert url_for("auth.static", filename="app.css") == "/auth/static/app.css"


async def test_blueprint_templates_in_the_project_layout(project: Callable[..., Any]) -> None:
    # 004 "Creating a Blueprint", verbatim, with its template.
    pytest.importorskip("asyncflask.templating")
    module = project(
        {
            "tplproject/__init__.py": """
                from asyncflask import Flask
                from .auth.routes import auth_bp

                def create_app():
                    app = Flask(__name__)

                    # Register the blueprint onto the app
                    app.register_blueprint(auth_bp)

                    return app
            """,
            "tplproject/auth/__init__.py": "",
            "tplproject/auth/routes.py": """
                from asyncflask import Blueprint, render_template

                # Creating the Blueprint
                auth_bp = Blueprint('auth', __name__,
                                    template_folder='templates',
                                    static_folder='static',
                                    url_prefix='/auth')

                @auth_bp.route('/login')
                def login():
                    return render_template('auth/login.html')
            """,
            "tplproject/auth/templates/auth/login.html": "<h1>Log in</h1>",
            "tplproject/auth/static/auth.css": "body {}",
        },
        "tplproject",
    )
    app = module.create_app()
    client = app.test_client()
    assert (await client.get("/auth/login")).text == "<h1>Log in</h1>"
    assert (await client.get("/auth/static/auth.css")).text == "body {}"


async def test_registering_two_blueprints_with_one_name_is_an_error() -> None:
    # 004 "Warning: Blueprint Naming"
    from asyncflask import Blueprint

    app = Flask(__name__)
    app.register_blueprint(Blueprint("admin", __name__))
    with pytest.raises(ValueError, match="already registered"):
        app.register_blueprint(Blueprint("admin", __name__))


# --- 004 Pluggable Views -------------------------------------------------------------------


async def test_method_based_views() -> None:
    # 004 "Method-Based Views (MethodView)"
    app = Flask(__name__)

    class UserAPI(MethodView):
        def get(self, user_id):
            # Handle GET - retrieve user
            return jsonify({"user": user_id, "method": "GET"})

        def post(self):
            # Handle POST - create user
            return jsonify({"status": "user created"}), 201

        def delete(self, user_id):
            # Handle DELETE - remove user
            return jsonify({"status": f"user {user_id} deleted"})

    # Registration
    user_view = UserAPI.as_view("user_api")
    app.add_url_rule("/users/", view_func=user_view, methods=["POST"])
    app.add_url_rule("/users/<int:user_id>", view_func=user_view, methods=["GET", "DELETE"])

    client = app.test_client()
    assert (await client.get("/users/3")).json == {"user": 3, "method": "GET"}
    r = await client.post("/users/")
    assert (r.status_code, r.json) == (201, {"status": "user created"})
    assert (await client.delete("/users/3")).json == {"status": "user 3 deleted"}
    assert (await client.get("/users/")).status_code == 405
    assert (await client.put("/users/3")).status_code == 405


async def test_applying_decorators_to_class_based_views() -> None:
    # 004 "Applying Decorators"; the two decorators are stand-ins.
    import functools

    calls: list[str] = []

    def login_required(f):  # stand-in
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            calls.append("login_required")
            if request.headers.get("Authorization") != "Bearer ok":
                return "login required", 401
            return f(*args, **kwargs)

        return wrapper

    def some_other_decorator(f):  # stand-in
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            calls.append("other")
            return f(*args, **kwargs)

        return wrapper

    app = Flask(__name__)

    class SecretView(MethodView):
        # These decorators are applied to every method in the class
        decorators = [login_required, some_other_decorator]

        def get(self):
            return "Top Secret Data"

    app.add_url_rule("/secret", view_func=SecretView.as_view("secret"))
    client = app.test_client()
    assert (await client.get("/secret")).status_code == 401
    r = await client.get("/secret", headers={"Authorization": "Bearer ok"})
    assert r.text == "Top Secret Data"
    # The last decorator in the list is the outermost.
    assert calls == ["other", "login_required", "other", "login_required"]


async def test_basic_view_class_and_pluggable_list_view(tmp_path: Path) -> None:
    # 004 "Basic View Class" and "Abstracting Logic"; Book and Author are stand-ins.
    pytest.importorskip("asyncflask.templating")
    from asyncflask import render_template  # type: ignore[attr-defined]

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "user.html").write_text("{{ user.name }} #{{ user.id }}")
    (tmp_path / "templates" / "books.html").write_text("{{ items|join(', ') }}")
    (tmp_path / "templates" / "authors.html").write_text("{{ items|join(' and ') }}")
    app = Flask(__name__, root_path=str(tmp_path))

    class ShowUser(View):
        """A simple class-based view to display a user profile."""

        def dispatch_request(self, user_id):
            # Business logic goes here
            user = {"id": user_id, "name": "Alice"}
            return render_template("user.html", user=user)

    # Registering the view
    app.add_url_rule("/user/<int:user_id>", view_func=ShowUser.as_view("show_user"))

    Book = SimpleNamespace(query=SimpleNamespace(all=lambda: ["Dune", "Emma"]))  # stand-in
    Author = SimpleNamespace(query=SimpleNamespace(all=lambda: ["Herbert", "Austen"]))

    class ListView(View):
        def __init__(self, model, template):
            self.model = model
            self.template = template

        def dispatch_request(self):
            items = self.model.query.all()
            return render_template(self.template, items=items)

    # Reusing the same class for different purposes
    app.add_url_rule(
        "/books/", view_func=ListView.as_view("book_list", model=Book, template="books.html")
    )
    app.add_url_rule(
        "/authors/",
        view_func=ListView.as_view("author_list", model=Author, template="authors.html"),
    )
    client = app.test_client()
    assert (await client.get("/user/7")).text == "Alice #7"
    assert (await client.get("/books/")).text == "Dune, Emma"
    assert (await client.get("/authors/")).text == "Herbert and Austen"


async def test_method_views_for_rest_apis() -> None:
    # 004 "MethodViews for REST APIs": "Practical Implementation" and "Registering RESTful
    # Routes"
    app = Flask(__name__)

    class UserAPI(MethodView):
        def get(self, user_id=None):
            if user_id is None:
                # Return a list of all users
                return jsonify({"users": ["Alice", "Bob"]})
            else:
                # Return details for a specific user
                return jsonify({"user": user_id, "name": "Alice"})

        def post(self):
            # Create a new user from JSON data
            data = request.get_json()
            return jsonify({"message": "User created", "data": data}), 201

        def put(self, user_id):
            # Update user with ID user_id
            return jsonify({"message": f"User {user_id} updated"})

        def delete(self, user_id):
            # Delete user with ID user_id
            return jsonify({"message": f"User {user_id} deleted"}), 204

    user_view = UserAPI.as_view("user_api")

    # Route for the collection (List/Create)
    app.add_url_rule("/users/", view_func=user_view, methods=["GET", "POST"])

    # Route for individual resources (Retrieve/Update/Delete)
    app.add_url_rule("/users/<int:user_id>", view_func=user_view, methods=["GET", "PUT", "DELETE"])

    client = app.test_client()
    assert (await client.get("/users/")).json == {"users": ["Alice", "Bob"]}
    assert (await client.get("/users/2")).json == {"user": 2, "name": "Alice"}
    r = await client.post("/users/", json={"name": "Carol"})
    assert (r.status_code, r.json) == (201, {"message": "User created", "data": {"name": "Carol"}})
    assert (await client.put("/users/2")).json == {"message": "User 2 updated"}
    assert (await client.delete("/users/2")).status_code == 204
    allow = (await client.options("/users/2")).headers["Allow"]
    assert sorted(allow.split(", ")) == ["DELETE", "GET", "HEAD", "OPTIONS", "PUT"]
    # "If a client sends a request using a method you haven't defined ... 405"
    assert (await client.patch("/users/2")).status_code == 405
    assert UserAPI.methods == {"GET", "POST", "PUT", "DELETE"}


async def test_api_specific_decorators() -> None:
    # 004 "Applying API-Specific Decorators"; authenticate_token is a stand-in.
    def authenticate_token(f):  # stand-in
        def wrapper(*args, **kwargs):
            if request.headers.get("X-Token") != "t0k3n":
                return jsonify({"error": "unauthorized"}), 401
            return f(*args, **kwargs)

        return wrapper

    app = Flask(__name__)

    class SecureAPI(MethodView):
        # Every method (get, post, etc.) will now require a valid token
        decorators = [authenticate_token]

        def get(self):
            return jsonify({"data": "secure content"})

    app.add_url_rule("/secure", view_func=SecureAPI.as_view("secure"))
    client = app.test_client()
    assert (await client.get("/secure")).status_code == 401
    assert (await client.get("/secure", headers={"X-Token": "t0k3n"})).json == {
        "data": "secure content"
    }


# --- 004 The Instance Folder ---------------------------------------------------------------


async def test_initializing_the_instance_folder(
    project: Callable[..., Any], tmp_path: Path
) -> None:
    # 004 "Initializing the Instance Folder", verbatim in a package on disk.
    module = project(
        {
            "instanceapp/__init__.py": """
                import os
                from asyncflask import Flask

                def create_app():
                    # instance_relative_config=True allows loading config from the instance folder
                    app = Flask(__name__, instance_relative_config=True)

                    # Ensure the instance folder exists (optional but recommended)
                    try:
                        os.makedirs(app.instance_path)
                    except OSError:
                        pass

                    # Load a default config, then override it with an instance config if it exists
                    app.config.from_mapping(SECRET_KEY='dev_key')
                    app.config.from_pyfile('config.py', silent=True)

                    return app
            """,
        },
        "instanceapp",
    )
    app = module.create_app()
    # "For packages, it sits alongside the package folder."
    assert app.instance_path == str(tmp_path / "instance")
    assert (tmp_path / "instance").is_dir()
    assert app.config["SECRET_KEY"] == "dev_key"

    # "On the production server, you manually create ... a config.py inside it"
    (tmp_path / "instance" / "config.py").write_text("SECRET_KEY = '3f9a-production'\n")
    app = module.create_app()
    assert app.config["SECRET_KEY"] == "3f9a-production"


async def test_instance_folder_of_a_flat_module(
    project: Callable[..., Any], tmp_path: Path
) -> None:
    # 004 Instance Folder note: "If you are using a flat module structure (a single app.py)
    # ... the instance folder is expected to be in the same directory as the script."
    module = project(
        {"flatapp.py": "from asyncflask import Flask\napp = Flask(__name__)\n"}, "flatapp"
    )
    assert module.app.instance_path == str(tmp_path / "instance")


# --- 004 Signals ---------------------------------------------------------------------------


async def test_subscribing_to_template_rendered(capsys: pytest.CaptureFixture[str]) -> None:
    # 004 Signals, "Subscribing to a Signal"
    pytest.importorskip("asyncflask.templating")
    from asyncflask import render_template_string, template_rendered  # type: ignore[attr-defined]

    app = Flask(__name__)

    def log_template_rendering(sender, template, context, **extra):
        # sender is the Flask app instance
        print(f"Rendering template: {template.name} with context {context}")

    # Connecting the subscriber to the signal
    template_rendered.connect(log_template_rendering, app)
    try:

        @app.route("/")
        def index():
            return render_template_string("Hi {{ name }}", name="Ada")

        assert (await app.test_client().get("/")).text == "Hi Ada"
    finally:
        template_rendered.disconnect(log_template_rendering, app)
    assert "Rendering template:" in capsys.readouterr().out


async def test_creating_custom_signals(capsys: pytest.CaptureFixture[str]) -> None:
    # 004 Signals, "Creating Custom Signals"; new_user is a stand-in.
    from blinker import Namespace

    app = Flask(__name__)
    new_user = SimpleNamespace(email="ada@example.com")  # stand-in

    # 1. Define a namespace for your app
    my_signals = Namespace()

    # 2. Create a specific signal
    user_registered = my_signals.signal("user-registered")

    # 3. Emit the signal in your view
    @app.route("/register", methods=["POST"])
    def register():
        # ... registration logic ...
        user_registered.send(current_app._get_current_object(), user=new_user)
        return "Welcome!"

    # 4. Subscribe elsewhere (e.g., in a notification module)
    @user_registered.connect_via(app)
    def send_welcome_email(sender, user, **extra):
        print(f"Sending welcome email to {user.email}")

    assert (await app.test_client().post("/register")).text == "Welcome!"
    assert capsys.readouterr().out == "Sending welcome email to ada@example.com\n"


async def test_core_built_in_signals_table() -> None:
    # 004 Signals, "Core Built-in Signals": each fires when the table says.
    from asyncflask import (
        appcontext_tearing_down,
        got_request_exception,
        request_finished,
        request_started,
    )

    app = Flask(__name__)
    fired: list[str] = []

    @app.route("/")
    def index():
        return "ok"

    @app.route("/boom")
    def boom():
        raise ValueError("boom")

    request_started.connect(lambda sender, **kw: fired.append("request_started"), app, weak=False)
    request_finished.connect(lambda sender, **kw: fired.append("request_finished"), app, weak=False)
    got_request_exception.connect(
        lambda sender, **kw: fired.append("got_request_exception"), app, weak=False
    )
    appcontext_tearing_down.connect(
        lambda sender, **kw: fired.append("appcontext_tearing_down"), app, weak=False
    )
    client = app.test_client()
    await client.get("/")
    assert fired == ["request_started", "request_finished", "appcontext_tearing_down"]
    fired.clear()
    assert (await client.get("/boom")).status_code == 500
    assert fired == [
        "request_started",
        "got_request_exception",
        "request_finished",
        "appcontext_tearing_down",
    ]
