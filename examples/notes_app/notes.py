"""The "notes" blueprint: a user's notes, paginated, and a JSON view of one.

The views that query the database are ``def`` views: each runs in its request's
worker thread, so a blocking database call never holds up the event loop.
"""

from __future__ import annotations

from flask_login import current_user, login_required

from asyncflask import Blueprint, abort, current_app, redirect, render_template, url_for
from asyncflask.typing import ResponseReturnValue

from . import db
from .forms import NoteForm
from .models import Note

bp = Blueprint("notes", __name__, url_prefix="/notes")


@login_required
def index() -> ResponseReturnValue:
    """The logged-in user's notes, newest first, and the form to add one."""
    page = db.paginate(
        db.select(Note).filter_by(author_id=current_user.id).order_by(Note.id.desc()),
        per_page=current_app.config["NOTES_PER_PAGE"],
    )
    return render_template("index.html", page=page, form=NoteForm())


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    form = NoteForm()
    if form.validate_on_submit():
        db.session.add(Note(text=form.text.data or "", author_id=current_user.id))
        db.session.commit()
    return redirect(url_for("index"))


@bp.get("/<int:note_id>")
@login_required
def show(note_id: int) -> ResponseReturnValue:
    note = db.get_or_404(Note, note_id)
    if note.author_id != current_user.id:
        abort(404)
    return {"id": note.id, "text": note.text, "author": note.author.username}


@bp.get("/whoami")
@login_required
async def whoami() -> ResponseReturnValue:
    """An async view: ``current_user`` works here too (the user was loaded by then)."""
    return {"username": current_user.username}
