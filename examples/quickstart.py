"""Flask's quickstart, served by asyncflask: only the import line differs.

Run it with ``uvicorn examples.quickstart:app``.
"""

from markupsafe import escape

from asyncflask import (
    Flask,
    abort,
    jsonify,
    make_response,
    redirect,
    request,
    session,
    url_for,
)

app = Flask(__name__)
app.secret_key = b"_5#y2L\"F4Q8z\n\xec]/"  # use secrets.token_hex() for a real app


@app.route("/")
def index():
    if "username" in session:
        return f"Logged in as {escape(session['username'])}"
    return "You are not logged in"


@app.route("/hello")
def hello():
    return "Hello, World"


@app.route("/user/<username>")
def show_user_profile(username):
    return f"User {escape(username)}"


@app.route("/post/<int:post_id>")
def show_post(post_id):
    return f"Post {post_id}"


@app.route("/path/<path:subpath>")
def show_subpath(subpath):
    return f"Subpath {escape(subpath)}"


@app.route("/projects/")
def projects():
    return "The project page"


@app.route("/about")
def about():
    return "The about page"


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        session["username"] = request.form["username"]
        return redirect(url_for("index"))
    return """
        <form method="post">
            <p><input type=text name=username>
            <p><input type=submit value=Login>
        </form>
    """


@app.route("/logout")
def logout():
    session.pop("username", None)
    return redirect(url_for("index"))


@app.route("/search")
async def search():
    searchword = request.args.get("key", "")
    return {"key": searchword}


@app.route("/set-theme/<theme>")
def set_theme(theme):
    resp = make_response(f"theme set to {escape(theme)}")
    resp.set_cookie("theme", theme)
    return resp


@app.route("/theme")
def theme():
    return request.cookies.get("theme", "light")


@app.route("/secret")
def secret():
    abort(401)


@app.errorhandler(404)
def page_not_found(error):
    resp = make_response("This page does not exist", 404)
    resp.headers["X-Something"] = "A value"
    return resp


@app.route("/me")
def me_api():
    return {"username": session.get("username"), "theme": request.cookies.get("theme")}


@app.route("/users")
async def users_api():
    return jsonify([{"id": 1, "name": "ada"}, {"id": 2, "name": "grace"}])
