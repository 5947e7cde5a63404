"""Custom ``asyncflask`` commands: ``asyncflask --app examples.commands init-db``.

The commands of the CLI chapter, with a shell context processor; the tests run
them with ``app.test_cli_runner()``.
"""

from __future__ import annotations

import click

from asyncflask import Flask, g

app = Flask(__name__)
#: Stands in for a database: the users the commands create.
USERS: dict[str, dict[str, object]] = {}


@app.cli.command("init-db")
def init_db() -> None:
    """Clear the existing data and create new tables."""
    USERS.clear()
    click.echo("Initialized the database.")


@app.cli.command("create-user")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Give the user admin rights.")
def create_user(name: str, admin: bool) -> None:
    """Create a user."""
    USERS[name] = {"admin": admin, "password": None}
    click.echo(f"Creating {'admin' if admin else 'regular'} user: {name}")


@app.cli.command("reset-password")
@click.argument("name", default="admin")
@click.password_option()
def reset_password(name: str, password: str) -> None:
    """Set a user's password (asked for at the prompt)."""
    USERS.setdefault(name, {"admin": False})["password"] = password
    click.echo("Password updated.")


@app.cli.command("count-users")
async def count_users() -> None:
    """Commands may be ``async def``: they run on an event loop of their own."""
    click.echo(f"{len(USERS)} users")


@app.shell_context_processor
def shell_names() -> dict[str, object]:
    return {"users": USERS, "g": g}
