"""The template and static-file examples of Flask's documentation, with only the import changed.

Each test writes the example's templates (verbatim) into a temporary app folder; the one
change to the Python code is ``root_path=`` pointing the app at that folder. The seed file
and section are named in a comment.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from markupsafe import Markup

from asyncflask import Flask, flash, redirect, render_template, request, url_for

pytestmark = pytest.mark.anyio


def folder(tmp_path: Path, templates: dict[str, str], static: dict[str, str] | None = None) -> str:
    for name, text in templates.items():
        path = tmp_path / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name, text in (static or {}).items():
        path = tmp_path / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


def squash(text: str) -> str:
    return " ".join(text.split())


HELLO = """<!doctype html>
<title>Hello from Flask</title>
{% if name %}
  <h1>Hello {{ name }}!</h1>
{% else %}
  <h1>Hello, World!</h1>
{% endif %}
"""


async def test_quickstart_rendering_templates(tmp_path: Path) -> None:
    # 001 Quickstart, "Rendering Templates"
    app = Flask(__name__, root_path=folder(tmp_path, {"hello.html": HELLO}))

    @app.route("/hello/")
    @app.route("/hello/<name>")
    def hello(name=None):
        return render_template("hello.html", name=name)

    client = app.test_client()
    assert "<h1>Hello, World!</h1>" in (await client.get("/hello/")).text
    assert "<h1>Hello ada!</h1>" in (await client.get("/hello/ada")).text
    # "Automatic escaping is enabled, so if name contains HTML it will be escaped"
    assert "<h1>Hello &lt;b&gt;!</h1>" in (await client.get("/hello/<b>")).text


PROFILE = """<!DOCTYPE html>
<html>
<head>
    <title>{{ name }}'s Profile</title>
</head>
<body>
    <h1>Welcome, {{ user.real_name }}!</h1>
    <p>Bio: {{ user['bio'] }}</p>
    <p>Total Posts: {{ user.post_count }}</p>

    {% if active %}
        <span class="badge">Active User</span>
    {% endif %}
</body>
</html>
"""


async def test_passing_data_to_templates(tmp_path: Path) -> None:
    # 004 Templates, "Passing Data to Templates"
    app = Flask(__name__, root_path=folder(tmp_path, {"profile.html": PROFILE}))

    @app.route("/user/<username>")
    def profile(username):
        # Mock data representing a database result
        user_data = {
            "real_name": "Jane Doe",
            "bio": "Software Engineer & Flask Enthusiast",
            "post_count": 42,
        }

        # Passing variables to the template
        return render_template("profile.html", name=username, user=user_data, active=True)

    text = squash((await app.test_client().get("/user/jane")).text)
    assert "<title>jane's Profile</title>" in text
    assert "<p>Bio: Software Engineer &amp; Flask Enthusiast</p>" in text
    assert "<p>Total Posts: 42</p>" in text
    assert '<span class="badge">Active User</span>' in text


async def test_automatic_context_variables(tmp_path: Path) -> None:
    # 004 Templates, "Automatic Context Variables"
    source = (
        "{{ config['COMPANY_NAME'] }}|{{ request.path }}|{{ session['user_id'] }}|"
        "{{ g.user_permissions }}|<a href=\"{{ url_for('index') }}\">"
    )
    app = Flask(__name__, root_path=folder(tmp_path, {"ctx.html": source}))
    app.config["COMPANY_NAME"] = "ACME"
    app.secret_key = "dev"

    from asyncflask import g, session

    @app.route("/")
    def index():
        session["user_id"] = 7
        g.user_permissions = "rw"
        return render_template("ctx.html")

    assert (await app.test_client().get("/")).text == 'ACME|/|7|rw|<a href="/">'


async def test_context_processor_inject_now(tmp_path: Path) -> None:
    # 004 Templates, "Template Variables and Context"
    app = Flask(__name__, root_path=folder(tmp_path, {"year.html": "{{ now.year }}"}))

    @app.context_processor
    def inject_now():
        """
        Injects the current date into all templates automatically.
        Use in HTML as: {{ now.year }}
        """
        from datetime import datetime

        return {"now": datetime.now()}

    @app.route("/")
    def index():
        return render_template("year.html")

    assert (await app.test_client().get("/")).text == str(datetime.now().year)


class Product:
    """Stand-in for the example's database model."""

    def __init__(self, name: str, price: int) -> None:
        self.name = name
        self.price = price


async def test_complex_objects(tmp_path: Path) -> None:
    # 004 Templates, "Working with Complex Objects"
    source = """Total Products: {{ products|length }}

    {% for p in products %}
  • {{ p.name.title() }} - ${{ p.price }}
  • {% endfor %}
"""
    app = Flask(__name__, root_path=folder(tmp_path, {"dashboard.html": source}))

    @app.route("/dashboard")
    def dashboard():
        items = [Product("lamp", 10), Product("desk chair", 80)]
        return render_template("dashboard.html", products=items)

    text = squash((await app.test_client().get("/dashboard")).text)
    assert text == "Total Products: 2 • Lamp - $10 • • Desk Chair - $80 •"


async def test_control_structures(tmp_path: Path) -> None:
    # 004 Templates, "Control Structures (If, For)"
    templates = {
        "if.html": """{% if user.is_authenticated %}
    <h1>Welcome back, {{ user.username }}!</h1>
{% elif user.is_guest %}
    <h1>Welcome, Guest!</h1>
{% else %}
    <h1>Please <a href="/login">login</a>.</h1>
{% endif %}""",
        "for.html": """<ul>
{% for task in tasks %}
    <li>{{ task.description }}</li>
{% else %}
    <li>No tasks found for today.</li>
{% endfor %}
</ul>""",
        "loop.html": """<table>
{% for user in users %}
    <tr class="{{ loop.cycle('row-grey', 'row-white') }}">
        <td>{{ loop.index }}</td>
        <td>{{ user.name }}</td>
        <td>{% if loop.first %} (Admin) {% endif %}</td>
    </tr>
{% endfor %}
</table>""",
        "dictsort.html": """{% for key, value in my_dict|dictsort %}
    <p>{{ key }}: {{ value }}</p>
{% endfor %}""",
    }
    app = Flask(__name__, root_path=folder(tmp_path, templates))
    async with app.app_context():
        authed = {"is_authenticated": True, "username": "ada"}
        assert squash(render_template("if.html", user=authed)) == "<h1>Welcome back, ada!</h1>"
        guest = {"is_authenticated": False, "is_guest": True}
        assert squash(render_template("if.html", user=guest)) == "<h1>Welcome, Guest!</h1>"
        assert "login</a>" in render_template("if.html", user={})
        tasks = [{"description": "write <tests>"}]
        assert "<li>write &lt;tests&gt;</li>" in render_template("for.html", tasks=tasks)
        assert "No tasks found for today." in render_template("for.html", tasks=[])
        table = squash(render_template("loop.html", users=[{"name": "a"}, {"name": "b"}]))
        assert (
            table == '<table> <tr class="row-grey"> <td>1</td> <td>a</td> <td> (Admin) </td>'
            ' </tr> <tr class="row-white"> <td>2</td> <td>b</td> <td></td> </tr> </table>'
        )
        assert squash(render_template("dictsort.html", my_dict={"b": 2, "a": 1})) == (
            "<p>a: 1</p> <p>b: 2</p>"
        )


BASE = """<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <title>{% block title %}My Site{% endblock %}</title>
    <link rel="stylesheet" href="{{ url_for('static', filename='css/style.css') }}">
</head>
<body>
    <nav>
        <a href="/">Home</a> | <a href="/about">About</a>
    </nav>

    <main>
        {% block content %}
        {% endblock %}
    </main>

    <footer>© 2026 My Flask App</footer>
</body>
</html>
"""

CHILD = """{% extends "base.html" %}

{% block title %}Home - My Site{% endblock %}

{% block content %}
    <h1>Welcome to the Homepage</h1>
    <p>This content is injected into the base layout's content block.</p>
{% endblock %}
"""


async def test_template_inheritance_with_a_static_stylesheet(tmp_path: Path) -> None:
    # 004 Templates, "Template Inheritance (extend, block)"
    templates = {
        "base.html": BASE,
        "index.html": CHILD,
        "append.html": '{% extends "base.html" %}{% block title %}{{ super() }} New'
        "{% endblock %}{% block content %}{% block sidebar %}<ul><li>Link 1</li></ul>"
        "{% endblock sidebar %}{% endblock content %}",
    }
    css = "body { font-family: sans-serif; }"
    app = Flask(__name__, root_path=folder(tmp_path, templates, {"css/style.css": css}))

    @app.route("/")
    def index():
        return render_template("index.html")

    @app.route("/append")
    def append():
        return render_template("append.html")

    client = app.test_client()
    page = (await client.get("/")).text
    assert "<title>Home - My Site</title>" in page
    assert "<h1>Welcome to the Homepage</h1>" in page
    assert '<link rel="stylesheet" href="/static/css/style.css">' in page
    assert (await client.get("/static/css/style.css")).text == css
    appended = (await client.get("/append")).text
    assert "<title>My Site New</title>" in appended
    assert "<ul><li>Link 1</li></ul>" in appended


async def test_context_processors(tmp_path: Path) -> None:
    # 004 Templates, "Context Processors"
    templates = {
        "footer.html": """<footer>
    <p>&copy; {{ current_year }} {{ site_name }}. All rights reserved.</p>
</footer>""",
        "price.html": "<p>Total Cost: {{ format_price(item.price) }}</p>",
        "shadow.html": "{{ site_name }}",
    }
    app = Flask(__name__, root_path=folder(tmp_path, templates))

    @app.context_processor
    def inject_global_data():
        """
        Automatically injects the current year and site name
        into every template context.
        """
        return {"current_year": datetime.now().year, "site_name": "Flask Mastery Portal"}

    @app.context_processor
    def utility_processor():
        def format_price(amount):
            return f"${amount:,.2f}"

        # The key 'format_price' is now a callable function in Jinja2
        return dict(format_price=format_price)

    async with app.test_request_context("/"):
        year = datetime.now().year
        assert f"&copy; {year} Flask Mastery Portal." in render_template("footer.html")
        price = render_template("price.html", item={"price": 1234.5})
        assert price == "<p>Total Cost: $1,234.50</p>"
        # "the variable passed in render_template() will take precedence"
        assert render_template("shadow.html", site_name="mine") == "mine"


async def test_autoescaping_safe_markup_and_tojson(tmp_path: Path) -> None:
    # 004 Templates, "Security (Autoescaping & XSS Prevention)"
    templates = {
        "bio.html": """<p>User Bio: {{ user_bio }}</p>

<div class="article-body">
    {{ article_content|safe }}
</div>""",
        "bold.html": "{{ bold_text('hi') }}",
        "script.html": "<script>const data = {{ user_data|tojson }};</script>",
        "raw.html": "{% autoescape false %}{{ html }}{% endautoescape %}|{{ html }}",
        "chars.html": "{{ text }}",
    }
    app = Flask(__name__, root_path=folder(tmp_path, templates))

    @app.context_processor
    def utility_processor():
        def bold_text(text):
            # This will be rendered as <b>text</b> instead of &lt;b&gt;...
            return Markup(f"<b>{text}</b>")

        return dict(bold_text=bold_text)

    async with app.test_request_context("/"):
        bio = render_template(
            "bio.html", user_bio="<script>x</script>", article_content="<em>ok</em>"
        )
        assert "<p>User Bio: &lt;script&gt;x&lt;/script&gt;</p>" in bio
        assert "<em>ok</em>" in bio
        assert render_template("bold.html") == "<b>hi</b>"
        script = render_template("script.html", user_data={"x": "</script><script>alert(1)"})
        assert "</script><script>" not in script.removesuffix("</script>")
        assert render_template("raw.html", html="<i>") == "<i>|&lt;i&gt;"
        assert render_template("chars.html", text="<>&\"'") == "&lt;&gt;&amp;&#34;&#39;"


async def test_flashing_with_categories(tmp_path: Path) -> None:
    # 004 Flashing, "Retrieving Messages in Templates"
    settings = """{% with messages = get_flashed_messages(with_categories=true) %}
  {% if messages %}
    <div class="flashes">
    {% for category, message in messages %}
      <div class="alert alert-{{ category }}">
        {{ message }}
      </div>
    {% endfor %}
    </div>
  {% endif %}
{% endwith %}"""
    app = Flask(__name__, root_path=folder(tmp_path, {"settings.html": settings}))
    app.secret_key = "some_really_secure_random_string"

    @app.route("/update-email", methods=["POST"])
    def update_email():
        new_email = request.form.get("email")

        if not new_email:
            # Flash a message with the 'error' category
            flash("Email field cannot be empty!", "error")
            return redirect(url_for("settings"))

        # Logic to update email in database...

        # Flash a success message
        flash(f"Your email has been updated to {new_email}.", "success")
        return redirect(url_for("settings"))

    @app.route("/settings")
    def settings():
        return render_template("settings.html")

    client = app.test_client()
    r = await client.post("/update-email", data={"email": ""}, follow_redirects=True)
    assert '<div class="alert alert-error"> Email field cannot be empty! </div>' in squash(r.text)
    r = await client.post("/update-email", data={"email": "a@b.c"}, follow_redirects=True)
    assert "alert-success" in r.text and "updated to a@b.c." in r.text
    assert "flashes" not in (await client.get("/settings")).text


async def test_static_urls_and_custom_folders(tmp_path: Path) -> None:
    # 004 Routing, "Static Files": url_for('static', ...) and custom folders
    root = folder(tmp_path, {}, {"css/main.css": "main"})
    app = Flask(__name__, root_path=root)

    @app.route("/style-check")
    def style_check():
        """
        Demonstrates how to generate URLs for various static assets.
        The resulting strings can be passed to templates or used in responses.
        """
        css_url = url_for("static", filename="css/main.css")
        js_url = url_for("static", filename="js/app.js")
        logo_url = url_for("static", filename="img/logo.png")

        return f"CSS: {css_url}, JS: {js_url}, Logo: {logo_url}"

    client = app.test_client()
    assert (await client.get("/style-check")).text == (
        "CSS: /static/css/main.css, JS: /static/js/app.js, Logo: /static/img/logo.png"
    )
    assert (await client.get("/static/css/main.css")).text == "main"

    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("assets")
    (tmp_path / "custom_templates").mkdir()
    (tmp_path / "custom_templates" / "t.html").write_text("custom {{ 1 + 1 }}")
    # Example of explicitly setting a template folder for non-standard structures
    app = Flask(
        __name__, template_folder="custom_templates", static_folder="assets", root_path=root
    )
    client = app.test_client()
    assert (await client.get("/assets/site.css")).text == "assets"
    async with app.app_context():
        assert render_template("t.html") == "custom 2"

    # Customizing the static asset configuration
    app = Flask(__name__, static_folder="assets", static_url_path="/public", root_path=root)
    assert (await app.test_client().get("/public/site.css")).text == "assets"


async def test_error_page_template(tmp_path: Path) -> None:
    # 001 Quickstart, "Redirects and Errors"
    app = Flask(
        __name__, root_path=folder(tmp_path, {"page_not_found.html": "Nope: {{ request.path }}"})
    )

    @app.errorhandler(404)
    def page_not_found(error):
        return render_template("page_not_found.html"), 404

    r = await app.test_client().get("/missing")
    assert (r.status_code, r.text) == (404, "Nope: /missing")
