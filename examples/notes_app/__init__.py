"""A Flask app with Flask-Login, Flask-WTF, Flask-SQLAlchemy and Flask-Migrate, on asyncflask.

Written as a Flask app would be; moving it to asyncflask took two lines: the
``import asyncflask.flask_patch`` below, first, and ``flask`` changed to
``asyncflask`` in the app's own imports. Layout::

    examples/notes_app/__init__.py   create_app(): config, the four extensions, blueprints
    examples/notes_app/models.py     User and Note (Flask-SQLAlchemy), the user loader
    examples/notes_app/forms.py      the forms (Flask-WTF)
    examples/notes_app/auth.py       the "auth" blueprint: register, log in, log out
    examples/notes_app/notes.py      the "notes" blueprint: a user's notes, paginated

Run it::

    export ASYNCFLASK_APP=examples.notes_app:create_app
    asyncflask db init && asyncflask db migrate -m "users and notes" && asyncflask db upgrade
    uvicorn --factory examples.notes_app:create_app

The database is ``instance/notes.db`` unless ``ASYNCFLASK_SQLALCHEMY_DATABASE_URI``
says otherwise; set ``ASYNCFLASK_SECRET_KEY`` outside development.
"""

from __future__ import annotations

import asyncflask.flask_patch  # noqa: F401  (first: the extensions below import flask)

# isort: split
from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from asyncflask import Flask


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``ASYNCFLASK_*`` variables or ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        SQLALCHEMY_DATABASE_URI="sqlite:///notes.db",
        NOTES_PER_PAGE=5,
    )
    if test_config is None:
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)

    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)

    from . import auth, models, notes

    login_manager.user_loader(models.load_user)
    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)
    app.add_url_rule("/", endpoint="index", view_func=notes.index)
    return app
