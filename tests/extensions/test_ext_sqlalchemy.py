"""Flask-SQLAlchemy: a factory, models, sessions in views, paginate, get_or_404, teardown."""

from __future__ import annotations

from collections.abc import Callable

import pytest

RunScript = Callable[..., str]

APP = """
import asyncflask.flask_patch
import anyio
from flask import Flask, abort, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

db = SQLAlchemy(model_class=Base)

class Note(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]

sessions_removed = []

def create_app(uri):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    db.init_app(app)

    @app.teardown_appcontext
    def note_removal(exc):
        sessions_removed.append(exc)

    @app.post("/notes")
    def add_note():
        note = Note(text=request.form["text"])
        db.session.add(note)
        db.session.commit()
        return {"id": note.id}, 201

    @app.get("/notes")
    def list_notes():
        page = db.paginate(db.select(Note).order_by(Note.id), per_page=3)
        return {"items": [n.text for n in page.items], "pages": page.pages,
                "next": page.next_num, "total": page.total}

    @app.get("/notes/<int:note_id>")
    def get_note(note_id):
        return db.get_or_404(Note, note_id).text

    @app.get("/async/notes/<int:note_id>")
    async def get_note_async(note_id):
        return db.get_or_404(Note, note_id, description="no such note").text

    return app
"""


def test_models_sessions_paginate_get_or_404(run_script: RunScript, tmp_path: object) -> None:
    out = run_script(
        APP
        + """
app = create_app("sqlite:///notes.db")
with app.app_context():
    db.create_all()

async def main():
    async with app.test_client() as client:
        for n in range(7):
            r = await client.post("/notes", data={"text": f"note {n}"})
            assert r.status_code == 201 and r.json == {"id": n + 1}, (r.status_code, r.text)
        first = await client.get("/notes")
        assert first.json == {"items": ["note 0", "note 1", "note 2"], "pages": 3, "next": 2,
                              "total": 7}, first.json
        last = await client.get("/notes", query_string={"page": 3})
        assert last.json["items"] == ["note 6"] and last.json["next"] is None, last.json
        assert (await client.get("/notes?page=9")).status_code == 404
        assert (await client.get("/notes/2")).text == "note 1"
        assert (await client.get("/notes/99")).status_code == 404
        assert (await client.get("/async/notes/3")).text == "note 2"
        missing = await client.get("/async/notes/99")
        assert missing.status_code == 404 and "no such note" in missing.text

    # Each request's session was removed when its app context ended.
    assert len(sessions_removed) >= 13 and all(e is None for e in sessions_removed)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id))) == 7
        session = db.session()
    with app.app_context():
        assert db.session() is not session
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_forty_sync_requests_keep_their_own_sessions(run_script: RunScript, backend: str) -> None:
    out = run_script(
        APP
        + """
import threading, time

app = create_app("sqlite:///concurrent.db")
with app.app_context():
    db.create_all()

@app.post("/own/<int:n>")
def own_session(n):
    note = Note(text=f"pending {n}")
    db.session.add(note)
    time.sleep(0.01)  # others run meanwhile: none may see or flush this object
    pending = [o.text for o in db.session.new]
    db.session.commit()
    return {"pending": pending, "session": id(db.session())}

async def main():
    results = {}

    async def one(n):
        async with app.test_client() as client:
            results[n] = (await client.post(f"/own/{n}")).json

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(one, n)
    assert all(results[n]["pending"] == [f"pending {n}"] for n in range(40)), results
    with app.app_context():
        texts = sorted(db.session.scalars(db.select(Note.text)))
        assert texts == sorted(f"pending {n}" for n in range(40)), texts
    print("ok")

anyio.run(main)
""",
        backend=backend,
    )
    assert out.strip() == "ok"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_thread_local_scoped_sessions_stay_with_their_request(
    run_script: RunScript, backend: str
) -> None:
    # SQLAlchemy's default scoped_session is keyed by thread: a request's hooks, view and
    # teardown must all see the same one, and no other request may see it meanwhile.
    out = run_script(
        """
        import asyncflask.flask_patch
        import threading, time
        import anyio
        from flask import Flask, g
        from sqlalchemy import create_engine, String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session
        from sqlalchemy.orm import sessionmaker
        from sqlalchemy.pool import StaticPool

        class Base(DeclarativeBase):
            pass

        class Item(Base):
            __tablename__ = "item"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(20))

        engine = create_engine("sqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
        Base.metadata.create_all(engine)
        Session = scoped_session(sessionmaker(engine))
        app = Flask(__name__)
        removed = []

        @app.before_request
        def open_session():
            g.session = Session()

        @app.teardown_request
        def close_session(exc):
            removed.append(Session() is g.session)
            Session.remove()

        @app.post("/items/<int:n>")
        def add(n):
            assert Session() is g.session
            Session.add(Item(name=f"item {n}"))
            time.sleep(0.01)
            pending = sorted(i.name for i in Session.new)
            Session.rollback()
            return {"pending": pending}

        async def main():
            results = {}

            async def one(n, client):
                results[n] = (await client.post(f"/items/{n}")).json["pending"]

            async with app.test_client() as client:
                async with anyio.create_task_group() as tg:
                    for n in range(40):
                        tg.start_soon(one, n, client)
            assert results == {n: [f"item {n}"] for n in range(40)}, results
            assert removed == [True] * 40, removed
            print("ok")

        anyio.run(main)
        """,
        backend=backend,
    )
    assert out.strip() == "ok"
