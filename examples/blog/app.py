"""A small blog on asyncflask: log in with a session, flash messages, templates, static files.

Run it with ``uvicorn examples.blog.app:app`` and open http://127.0.0.1:8000/.
Posts and users live in memory, so they are gone when the server stops. The code is
what a Flask app would be, but for the import line (and ``render_template_async``,
used once to show how a large page renders off the event loop).
"""

import functools
import threading
from datetime import datetime, timezone

from asyncflask import (
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    render_template_async,
    request,
    session,
    url_for,
)
from asyncflask.security import check_password_hash, generate_password_hash

app = Flask(__name__)
app.config.from_mapping(SECRET_KEY="dev")  # set a random SECRET_KEY in production

_lock = threading.Lock()
users: dict[str, str] = {}  # username -> password hash
posts: list[dict] = []


@app.before_request
def load_logged_in_user():
    g.user = session.get("user")


def login_required(view):
    @functools.wraps(view)
    def wrapped_view(**kwargs):
        if g.user is None:
            flash("Log in first.", "error")
            return redirect(url_for("login", next=request.path))
        return view(**kwargs)

    return wrapped_view


@app.context_processor
def inject_site():
    return {"site_name": "asyncflask blog", "year": datetime.now(timezone.utc).year}


@app.template_filter("dateformat")
def dateformat(value, format="%Y-%m-%d %H:%M"):
    return value.strftime(format)


@app.route("/")
def index():
    return render_template("blog/index.html", posts=list(reversed(posts)))


@app.route("/posts/<int:post_id>")
async def show(post_id):
    if not 0 <= post_id < len(posts):
        abort(404)
    # A post can be long: render it in a worker thread, not on the event loop.
    return await render_template_async("blog/show.html", post=posts[post_id])


@app.route("/create", methods=("GET", "POST"))
@login_required
def create():
    if request.method == "POST":
        title = request.form.get("title", "").strip()
        body = request.form.get("body", "").strip()
        if not title:
            flash("A title is required.", "error")
        else:
            with _lock:
                posts.append(
                    {
                        "id": len(posts),
                        "title": title,
                        "body": body,
                        "author": g.user,
                        "created": datetime.now(timezone.utc),
                    }
                )
            flash("Post published.", "success")
            return redirect(url_for("index"))
    return render_template("blog/create.html")


@app.route("/auth/register", methods=("GET", "POST"))
def register():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            flash("Username and password are required.", "error")
        elif username in users:
            flash(f"User {username} is already registered.", "error")
        else:
            users[username] = generate_password_hash(password)
            flash("Registered. Now log in.", "success")
            return redirect(url_for("login"))
    return render_template("auth/register.html")


@app.route("/auth/login", methods=("GET", "POST"))
def login():
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        stored = users.get(username)
        if stored is None or not check_password_hash(stored, password):
            flash("Incorrect username or password.", "error")
        else:
            session.clear()
            session["user"] = username
            flash(f"Welcome, {username}!", "success")
            target = request.args.get("next", "")
            # Only local paths: an absolute URL here would be an open redirect.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("index")
            return redirect(target)
    return render_template("auth/login.html")


@app.route("/auth/logout")
def logout():
    session.clear()
    flash("Logged out.", "success")
    return redirect(url_for("index"))
