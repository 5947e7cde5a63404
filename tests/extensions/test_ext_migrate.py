"""Flask-Migrate: ``db init``, ``db migrate``, ``db upgrade``, in-process and as a command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

RunScript = Callable[..., str]

MODELS = """
import asyncflask.flask_patch
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()

class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)

def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///library.db"
    db.init_app(app)
    migrate.init_app(app, db)
    return app
"""


def test_init_migrate_upgrade_through_the_cli_runner(run_script: RunScript) -> None:
    out = run_script(
        """
        from library import create_app, db
        import sqlalchemy as sa

        app = create_app()
        runner = app.test_cli_runner()
        for args in (["db", "init"], ["db", "migrate", "-m", "authors"], ["db", "upgrade"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, (args, result.output, result.exception)
        with app.app_context():
            tables = set(sa.inspect(db.engine).get_table_names())
        assert tables == {"author", "alembic_version"}, tables
        assert runner.invoke(args=["db", "current"]).exit_code == 0
        print("ok")
        """,
        files={"library.py": MODELS},
    )
    assert out.strip().splitlines()[-1] == "ok"


def test_init_migrate_upgrade_through_the_asyncflask_command(tmp_path: Path) -> None:
    (tmp_path / "library.py").write_text(MODELS.lstrip())
    command = Path(sys.executable).with_name("asyncflask")
    env = {**os.environ, "ASYNCFLASK_APP": "library:create_app"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(command), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    run("db", "init")
    assert (tmp_path / "migrations" / "env.py").is_file()
    run("db", "migrate", "-m", "authors")
    versions = list((tmp_path / "migrations" / "versions").glob("*_authors.py"))
    assert len(versions) == 1 and "create_table('author'" in versions[0].read_text()
    run("db", "upgrade")
    assert "(head)" in run("db", "current").stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "instance" / "library.db") as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert {"author", "alembic_version"} <= tables, tables
    run("db", "downgrade")
    with sqlite3.connect(tmp_path / "instance" / "library.db") as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert "author" not in tables, tables
