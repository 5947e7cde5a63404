"""The "auth" blueprint: log in with a name, keep it in the session, expose it as ``g.user``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asyncflask import Blueprint, abort, g, redirect, request, session, url_for

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_app_request
def load_user() -> None:
    """Every request of the app, not only this blueprint's, gets ``g.user``."""
    g.user = session.get("user")


@bp.post("/login")
def login() -> Any:
    name = request.form.get("name", "").strip()
    if not name:
        abort(400, "Send a non-empty 'name' field.")
    session["user"] = name
    return redirect(url_for("index"))


@bp.post("/logout")
def logout() -> Any:
    session.pop("user", None)
    return redirect(url_for("index"))


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 401 unless someone is logged in; for sync and async views alike."""

    @functools.wraps(view)
    async def wrapped(**kwargs: Any) -> Any:
        if g.user is None:
            abort(401)
        rv = view(**kwargs)
        return await rv if hasattr(rv, "__await__") else rv

    return wrapped
