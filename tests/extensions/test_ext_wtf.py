"""Flask-WTF: FlaskForm, CSRFProtect, csrf.exempt, FileField uploads, the token in templates."""

from __future__ import annotations

from collections.abc import Callable

import pytest

RunScript = Callable[..., str]

APP = """
import asyncflask.flask_patch
import io, re
import anyio
from flask import Flask, render_template_string
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from flask_wtf.file import FileField, FileRequired, FileAllowed
from wtforms import StringField
from wtforms.validators import DataRequired

app = Flask(__name__)
app.secret_key = "not-a-secret"
csrf = CSRFProtect(app)

class NameForm(FlaskForm):
    name = StringField("name", validators=[DataRequired()])

class UploadForm(FlaskForm):
    doc = FileField("doc", validators=[FileRequired(), FileAllowed(["txt"], "text only")])

@app.route("/name", methods=["GET", "POST"])
def name():
    form = NameForm()
    if form.validate_on_submit():
        return f"hello {form.name.data}"
    return render_template_string(
        "<form method=post>{{ form.csrf_token }}{{ form.name }}</form>{{ form.errors }}",
        form=form,
    )

@app.route("/async-name", methods=["GET", "POST"])
async def async_name():
    form = NameForm()
    if form.validate_on_submit():
        return f"async hello {form.name.data}"
    return render_template_string("{{ form.csrf_token }}", form=form)

@app.route("/upload", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        data = form.doc.data
        return f"{data.filename} {data.read().decode()}"
    return render_template_string("{{ form.csrf_token }} {{ form.errors }}", form=form)

@app.post("/hook")
@csrf.exempt
def hook():
    return "no token needed"

def token_in(html):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_forms_and_csrf(run_script: RunScript, backend: str) -> None:
    out = run_script(
        APP
        + """
async def main():
    async with app.test_client() as client:
        page = await client.get("/name")
        assert page.status_code == 200
        token = token_in(page.text)

        missing = await client.post("/name", data={"name": "ann"})
        assert missing.status_code == 400, missing.status_code
        assert "CSRF token is missing" in missing.text, missing.text
        forged = await client.post("/name", data={"name": "ann", "csrf_token": "forged"})
        assert forged.status_code == 400 and "CSRF token is invalid" in forged.text, forged.text

        good = await client.post("/name", data={"name": "ann", "csrf_token": token})
        assert (good.status_code, good.text) == (200, "hello ann"), good.text
        header = await client.post(
            "/async-name", data={"name": "bo"}, headers={"X-CSRFToken": token}
        )
        assert (header.status_code, header.text) == (200, "async hello bo"), header.text

        invalid = await client.post("/name", data={"name": "", "csrf_token": token})
        assert invalid.status_code == 200 and "This field is required" in invalid.text

        assert (await client.post("/hook", data={"x": "1"})).text == "no token needed"

    # Another browser's token (another session) is refused.
    async with app.test_client() as other:
        r = await other.post("/name", data={"name": "eve", "csrf_token": token})
        assert r.status_code == 400, r.status_code
    print("ok")

anyio.run(main)
""",
        backend=backend,
    )
    assert out.strip() == "ok"


def test_file_uploads_with_file_required(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    async with app.test_client() as client:
        token = token_in((await client.get("/name")).text)
        sent = await client.post(
            "/upload",
            data={"csrf_token": token, "doc": (io.BytesIO(b"file body"), "notes.txt")},
        )
        assert (sent.status_code, sent.text) == (200, "notes.txt file body"), sent.text
        none = await client.post("/upload", data={"csrf_token": token})
        assert none.status_code == 200 and "This field is required" in none.text, none.text
        wrong = await client.post(
            "/upload",
            data={"csrf_token": token, "doc": (io.BytesIO(b"MZ"), "tool.exe")},
        )
        assert "text only" in wrong.text, wrong.text
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"


def test_forty_forms_posted_at_once(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    results = {}

    async def one(n):
        async with app.test_client() as client:
            token = token_in((await client.get("/name")).text)
            path = "/name" if n % 2 else "/async-name"
            r = await client.post(path, data={"name": f"user{n}", "csrf_token": token})
            results[n] = r.text.rsplit(" ", 1)[-1]

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(one, n)
    assert results == {n: f"user{n}" for n in range(40)}, results
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"
