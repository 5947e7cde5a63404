"""The "auth" blueprint: register, log in (with remember-me), log out."""

from __future__ import annotations

from flask_login import login_user, logout_user

from asyncflask import Blueprint, flash, redirect, render_template, request, url_for
from asyncflask.typing import ResponseReturnValue

from . import db
from .forms import CredentialsForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    form = CredentialsForm()
    if form.validate_on_submit():
        if db.session.scalar(db.select(User).filter_by(username=form.username.data)):
            form.username.errors.append("That name is taken.")
        else:
            user = User(username=form.username.data)
            user.set_password(form.password.data or "")
            db.session.add(user)
            db.session.commit()
            flash("Registered: log in now.")
            return redirect(url_for("auth.login"))
    return render_template("form.html", form=form, title="Register")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = CredentialsForm()
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).filter_by(username=form.username.data))
        if user is not None and user.check_password(form.password.data or ""):
            login_user(user, remember=form.remember.data)
            target = request.args.get("next", "")
            # Only a path on this site: never an open redirect.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("index")
            return redirect(target)
        flash("Wrong name or password.")
    return render_template("form.html", form=form, title="Log in")


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("auth.login"))
