"""Jinja templates: the environment, loaders, context, escaping and the render functions."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from blinker import Namespace
from jinja2 import FileSystemLoader, TemplateNotFound
from markupsafe import Markup

from asyncflask import (
    Flask,
    flash,
    g,
    get_template_attribute,
    render_template,
    render_template_async,
    render_template_string,
    render_template_string_async,
    request,
    session,
    stream_template,
    stream_template_string,
)
from asyncflask.scaffold import Scaffold
from asyncflask.templating import DispatchingJinjaLoader, Environment, _signals_module

pytestmark = pytest.mark.anyio


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(
        tmp_path / "templates",
        {
            "base.html": "<title>{% block title %}{% endblock %}</title>"
            "<main>{% block body %}{% endblock %}</main>",
            "page.html": '{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}'
            "{% block body %}{% for row in rows %}<li>{{ row }}</li>{% endfor %}{% endblock %}",
            "hello.html": "Hello {{ name }}!",
            "hello.txt": "Hello {{ name }}!",
            "macros.html": "{% macro shout(text) %}{{ text|upper }}!{% endmacro %}"
            "{% set answer = 42 %}",
        },
    )
    return tmp_path


@pytest.fixture
def tapp(root: Path) -> Flask:
    app = Flask("templated", root_path=str(root))
    app.config["TESTING"] = True
    app.secret_key = "test secret"
    return app


# -- rendering ---------------------------------------------------------------------


async def test_inheritance_and_loop(tapp: Flask) -> None:
    @tapp.get("/")
    def index() -> str:
        return render_template("page.html", title="Rows", rows=["a", "b", "c"])

    r = await tapp.test_client().get("/")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    assert r.text == "<title>Rows</title><main><li>a</li><li>b</li><li>c</li></main>"


async def test_html_templates_escape_and_text_templates_do_not(tapp: Flask) -> None:
    async with tapp.app_context():
        assert render_template("hello.html", name="<b>&") == "Hello &lt;b&gt;&amp;!"
        assert render_template("hello.txt", name="<b>&") == "Hello <b>&!"


async def test_safe_filter_and_markup_opt_out_of_escaping(tapp: Flask) -> None:
    async with tapp.app_context():
        assert render_template("hello.html", name=Markup("<b>x</b>")) == "Hello <b>x</b>!"
        assert render_template_string("{{ v|safe }}", v="<i>") == "<i>"
        assert render_template_string("{{ v }}", v="<i>") == "&lt;i&gt;"


@pytest.mark.parametrize("name", ["a.html", "a.htm", "a.xml", "a.xhtml", "a.svg", None])
def test_select_jinja_autoescape_on(name: str | None) -> None:
    assert Flask("x").select_jinja_autoescape(name) is True


@pytest.mark.parametrize("name", ["a.txt", "a.js", "a.css", "a.md", "a.html.j2"])
def test_select_jinja_autoescape_off(name: str) -> None:
    assert Flask("x").select_jinja_autoescape(name) is False


async def test_first_existing_template_of_a_list(tapp: Flask) -> None:
    async with tapp.app_context():
        assert render_template(["missing.html", "hello.txt"], name="x") == "Hello x!"
        with pytest.raises(TemplateNotFound):
            render_template("missing.html")


async def test_missing_template_is_a_500_outside_testing(tapp: Flask) -> None:
    tapp.config["TESTING"] = False

    @tapp.get("/")
    def index() -> str:
        return render_template("nope.html")

    r = await tapp.test_client().get("/")
    assert r.status_code == 500


async def test_standard_context(tapp: Flask) -> None:
    source = (
        "{{ config.NAME }}|{{ request.path }}|{{ session.user }}|{{ g.who }}|"
        "{{ url_for('index', q=1) }}|{{ get_flashed_messages()|join(',') }}"
    )

    @tapp.get("/here")
    def index() -> str:
        g.who = "gee"
        session["user"] = "ada"
        flash("hi")
        return render_template_string(source)

    tapp.config["NAME"] = "cfg"
    r = await tapp.test_client().get("/here")
    assert r.text == "cfg|/here|ada|gee|/here?q=1|hi"


async def test_template_outside_a_request_has_config_and_no_request(tapp: Flask) -> None:
    tapp.config["NAME"] = "cfg"
    async with tapp.app_context():
        assert render_template_string("{{ config.NAME }}{{ request is defined }}") == "cfgTrue"
        assert render_template_string("{{ g.__class__.__name__ }}") == "_AppCtxGlobals"


def test_render_without_app_context_says_how_to_fix() -> None:
    with pytest.raises(RuntimeError, match="app_context"):
        render_template_string("x")


async def test_sync_and_async_views_both_get_str(tapp: Flask) -> None:
    seen: list[type] = []

    @tapp.get("/sync")
    def sync_view() -> str:
        rv = render_template("hello.txt", name="s")
        seen.append(type(rv))
        return rv

    @tapp.get("/async")
    async def async_view() -> str:
        rv = render_template("hello.txt", name="a")
        seen.append(type(rv))
        return rv

    client = tapp.test_client()
    assert (await client.get("/sync")).text == "Hello s!"
    assert (await client.get("/async")).text == "Hello a!"
    assert seen == [str, str]


# -- context processors -----------------------------------------------------------------


async def test_context_processor_adds_values_and_caller_wins(tapp: Flask) -> None:
    @tapp.context_processor
    def extra() -> dict[str, Any]:
        return {"name": "processor", "other": "o"}

    async with tapp.app_context():
        assert render_template_string("{{ name }}{{ other }}") == "processoro"
        assert render_template_string("{{ name }}{{ other }}", name="me") == "meo"


async def test_blueprint_context_processors_only_for_its_requests(tapp: Flask) -> None:
    tapp.template_context_processors["admin"].append(lambda: {"area": "admin"})
    tapp.template_context_processors[None].append(lambda: {"area": "site"})

    @tapp.get("/admin", endpoint="admin.index")
    def admin_index() -> str:
        return render_template_string("{{ area }}")

    @tapp.get("/")
    def index() -> str:
        return render_template_string("{{ area }}")

    client = tapp.test_client()
    assert (await client.get("/admin")).text == "admin"
    assert (await client.get("/")).text == "site"


async def test_update_template_context(tapp: Flask) -> None:
    tapp.context_processor(lambda: {"a": 1, "b": 2})
    async with tapp.test_request_context("/x"):
        context: dict[str, Any] = {"b": 3}
        tapp.update_template_context(context)
        assert context["a"] == 1 and context["b"] == 3
        assert context["request"].path == "/x"
        assert context["g"] is g._get_current_object()


async def test_async_context_processor_with_render_template_async(tapp: Flask) -> None:
    @tapp.context_processor
    async def user() -> dict[str, Any]:
        await anyio.sleep(0)
        return {"user": "async-ada"}

    @tapp.context_processor
    def later() -> dict[str, Any]:
        return {"later": "sync"}

    @tapp.get("/")
    async def index() -> str:
        return await render_template_string_async("{{ user }} {{ later }}")

    @tapp.get("/sync")
    def sync_view() -> str:
        return render_template_string("{{ user }} {{ later }} from a thread")

    client = tapp.test_client()
    assert (await client.get("/")).text == "async-ada sync"
    # A sync view's thread waits for the coroutine on the loop, as ensure_sync does in Flask.
    assert (await client.get("/sync")).text == "async-ada sync from a thread"
    async with tapp.app_context():
        with pytest.raises(TypeError, match="render_template_async"):
            render_template_string("{{ user }}")


# -- filters, tests, globals ------------------------------------------------------------


async def test_template_filters(tapp: Flask) -> None:
    @tapp.template_filter()
    def reverse(s: str) -> str:
        return s[::-1]

    @tapp.template_filter("double")
    def twice(s: str) -> str:
        return s * 2

    @tapp.template_filter
    def bare(s: str) -> str:
        return f"[{s}]"

    tapp.add_template_filter(str.upper, "up")
    assert tapp.jinja_env.filters["reverse"] is reverse
    async with tapp.app_context():
        assert render_template_string("{{ 'ab'|reverse|double|bare|up }}") == "[BABA]"


async def test_template_tests_and_globals(tapp: Flask) -> None:
    @tapp.template_test()
    def boolean(value: Any) -> bool:
        return isinstance(value, bool)

    @tapp.template_test("even_length")
    def even(value: str) -> bool:
        return len(value) % 2 == 0

    tapp.add_template_test(lambda v: v == 0, "zero")

    @tapp.template_global()
    def double(n: int) -> int:
        return n * 2

    @tapp.template_global
    def answer() -> int:
        return 42

    tapp.add_template_global(lambda: "v", "version")
    source = (
        "{{ true is boolean }}{{ 'ab' is even_length }}{{ 0 is zero }}"
        "{{ double(2) }}{{ answer() }}{{ version() }}"
    )
    async with tapp.app_context():
        assert render_template_string(source) == "TrueTrueTrue442v"


async def test_get_template_attribute(tapp: Flask) -> None:
    async with tapp.app_context():
        shout = get_template_attribute("macros.html", "shout")
        assert shout("hi") == "HI!"
        assert get_template_attribute("macros.html", "answer") == 42


async def test_tojson_uses_the_app_json_provider(tapp: Flask) -> None:
    async with tapp.app_context():
        out = render_template_string("<script>let v = {{ v|tojson }}</script>", v={"a": "</x>"})
    assert out == '<script>let v = {"a": "\\u003c/x\\u003e"}</script>'


# -- the environment -----------------------------------------------------------------------


def test_jinja_env_is_created_once_with_the_dispatching_loader(tapp: Flask) -> None:
    env = tapp.jinja_env
    assert isinstance(env, Environment)
    assert env is tapp.jinja_env
    assert isinstance(env.loader, DispatchingJinjaLoader)
    assert env.app is tapp


def test_jinja_loader_is_the_template_folder(tapp: Flask, root: Path) -> None:
    loader = tapp.jinja_loader
    assert isinstance(loader, FileSystemLoader)
    assert loader.searchpath == [str(root / "templates")]
    assert Flask("x", template_folder=None).jinja_loader is None


async def test_jinja_options(root: Path) -> None:
    class App(Flask):
        jinja_options = {"trim_blocks": True, "line_statement_prefix": "%"}

    app = App("x", root_path=str(root))
    async with app.app_context():
        assert render_template_string("% for i in [1, 2]\n{{ i }}\n% endfor\n") == "1\n2\n"


async def test_create_jinja_environment_can_be_overridden(root: Path) -> None:
    class App(Flask):
        def create_jinja_environment(self) -> Environment:
            env = super().create_jinja_environment()
            env.globals["site"] = "mine"
            return env

    app = App("x", root_path=str(root))
    async with app.app_context():
        assert render_template_string("{{ site }}") == "mine"


@pytest.mark.parametrize(
    ("setting", "debug", "reloads"),
    [(None, False, False), (None, True, True), (True, False, True), (False, True, False)],
)
async def test_templates_auto_reload(
    tapp: Flask, root: Path, setting: bool | None, debug: bool, reloads: bool
) -> None:
    tapp.config["TEMPLATES_AUTO_RELOAD"] = setting
    tapp.debug = debug
    async with tapp.app_context():
        assert render_template("hello.txt", name="x") == "Hello x!"
        path = root / "templates" / "hello.txt"
        path.write_text("Bye {{ name }}!")
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 5))
        expected = "Bye x!" if reloads else "Hello x!"
        assert render_template("hello.txt", name="x") == expected
    assert tapp.templates_auto_reload is reloads


class FakeBlueprint(Scaffold):
    """Stands in for a Blueprint: a name, a root path and a template folder."""

    def __init__(self, name: str, root_path: str, template_folder: str | None) -> None:
        super().__init__(name, template_folder=template_folder, root_path=root_path)
        self.name = name


async def test_blueprint_templates_come_after_the_apps(tapp: Flask, tmp_path: Path) -> None:
    write(
        tmp_path / "bp" / "tpl",
        {"hello.txt": "blueprint {{ name }}", "admin/only.txt": "only in blueprint"},
    )
    tapp.blueprints["admin"] = FakeBlueprint("admin", str(tmp_path / "bp"), "tpl")
    tapp.blueprints["plain"] = FakeBlueprint("plain", str(tmp_path), None)
    async with tapp.app_context():
        assert render_template("hello.txt", name="x") == "Hello x!"
        assert render_template("admin/only.txt") == "only in blueprint"
    assert "admin/only.txt" in tapp.jinja_env.list_templates()
    assert "hello.html" in tapp.jinja_env.list_templates()


async def test_blueprints_are_searched_in_iter_blueprints_order(
    tapp: Flask, tmp_path: Path
) -> None:
    write(tmp_path / "one" / "t", {"x.txt": "one"})
    write(tmp_path / "two" / "t", {"x.txt": "two"})
    one = FakeBlueprint("one", str(tmp_path / "one"), "t")
    two = FakeBlueprint("two", str(tmp_path / "two"), "t")
    tapp.iter_blueprints = lambda: iter([two, one])  # type: ignore[attr-defined]
    async with tapp.app_context():
        assert render_template("x.txt") == "two"


async def test_explain_template_loading_logs_each_attempt(
    tapp: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    tapp.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger=tapp.logger.name):
        async with tapp.app_context():
            render_template("hello.txt", name="x")
            with pytest.raises(TemplateNotFound):
                render_template("absent.txt")
    text = caplog.text
    assert "Locating template 'hello.txt'" in text and "found" in text
    assert "Locating template 'absent.txt'" in text and "not found" in text


# -- streaming -------------------------------------------------------------------------------


async def test_stream_template_streams_with_the_request_usable(tapp: Flask) -> None:
    @tapp.get("/")
    def index() -> Any:
        return stream_template("page.html", title="T", rows=range(5000))

    @tapp.get("/s")
    async def from_string() -> Any:
        source = "{{ request.path }}{% for i in n %}[{{ g.x }}]{% endfor %}"
        return stream_template_string(source, n=range(3))

    @tapp.before_request
    def set_g() -> None:
        g.x = "gx"

    client = tapp.test_client()
    async with client.stream("GET", "/") as r:
        chunks = [chunk async for chunk in r.iter_bytes()]
    # About 70 KiB of page: several chunks of up to 8 KiB, not one per Jinja piece.
    assert 5 < len(chunks) < 100
    body = b"".join(chunks).decode()
    assert body.startswith("<title>T</title><main><li>0</li>")
    assert body.endswith("<li>4999</li></main>")
    assert (await client.get("/s")).text == "/s[gx][gx][gx]"


async def test_stream_template_sends_what_is_rendered_before_a_slow_item(tapp: Flask) -> None:
    def slow_rows() -> Iterator[int]:
        for n in range(3):
            time.sleep(0.05)
            yield n

    @tapp.get("/")
    def index() -> Any:
        return stream_template("page.html", title="slow", rows=slow_rows())

    arrivals: list[tuple[float, bytes]] = []
    async with tapp.test_client().stream("GET", "/") as r:
        start = time.monotonic()
        async for chunk in r.iter_bytes():
            arrivals.append((time.monotonic() - start, chunk))
    # Each row went out as it was rendered, not all at the end.
    assert len(arrivals) >= 3
    assert arrivals[-1][0] - arrivals[0][0] >= 0.08
    assert b"".join(c for _, c in arrivals).decode().endswith("<li>2</li></main>")


# -- off the event loop ----------------------------------------------------------------------


async def test_render_template_async_renders_in_a_worker_thread(tapp: Flask) -> None:
    threads: list[int] = []

    @tapp.template_global()
    def where() -> str:
        threads.append(threading.get_ident())
        return request.path

    @tapp.get("/page")
    async def page() -> str:
        return await render_template_async("hello.html", name=Markup("{{ where() }}"))

    @tapp.get("/string")
    async def string() -> str:
        return await render_template_string_async("{{ where() }} {{ session.get('k', 'none') }}")

    loop_thread = threading.get_ident()
    client = tapp.test_client()
    assert (await client.get("/string")).text == "/string none"
    assert threads and threads[0] != loop_thread
    assert (await client.get("/page")).text == "Hello {{ where() }}!"


async def test_large_async_render_leaves_the_loop_free(tapp: Flask, root: Path) -> None:
    write(
        root / "templates", {"big.html": "{% for i in n %}<p>{{ i }} {{ i * 2 }}</p>{% endfor %}"}
    )

    @tapp.get("/big")
    async def big() -> str:
        return await render_template_async("big.html", n=range(100_000))

    async with tapp.app_context():
        tapp.jinja_env.get_template("big.html")  # compiled once, outside the measurement
    ticks = 0
    done = anyio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await anyio.sleep(0.001)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ticker)
        r = await tapp.test_client().get("/big")
        done.set()
    assert r.text.count("<p>") == 100_000
    # The loop kept ticking while the page rendered in a thread.
    assert ticks > 3


# -- signals ----------------------------------------------------------------------------------


@pytest.fixture
def fake_signals(monkeypatch: pytest.MonkeyPatch) -> Any:
    real = _signals_module()
    if real is not None and hasattr(real, "template_rendered"):
        module = real
    else:
        ns = Namespace()
        module = types.ModuleType("asyncflask.signals")
        module.template_rendered = ns.signal("template-rendered")  # type: ignore[attr-defined]
        module.before_render_template = ns.signal("before-render-template")  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "asyncflask.signals", module)
    _signals_module.cache_clear()
    yield module
    _signals_module.cache_clear()


async def test_template_signals(tapp: Flask, fake_signals: Any) -> None:
    events: list[tuple[str, Any, str | None, dict[str, Any]]] = []

    def before(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        context["added"] = "by-signal"
        events.append(("before", sender, template.name, dict(context)))

    def rendered(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        events.append(("rendered", sender, template.name, dict(context)))

    fake_signals.before_render_template.connect(before, tapp)
    fake_signals.template_rendered.connect(rendered, tapp)
    try:
        async with tapp.app_context():
            assert render_template("hello.txt", name="x") == "Hello x!"
            assert "".join(stream_template_string("{{ added }}")) == "by-signal"
            assert await render_template_async("hello.txt", name="y") == "Hello y!"
    finally:
        fake_signals.before_render_template.disconnect(before, tapp)
        fake_signals.template_rendered.disconnect(rendered, tapp)
    kinds = [(kind, name) for kind, _, name, _ in events]
    assert kinds == [
        ("before", "hello.txt"),
        ("rendered", "hello.txt"),
        ("before", None),
        ("rendered", None),
        ("before", "hello.txt"),
        ("rendered", "hello.txt"),
    ]
    assert all(sender is tapp for _, sender, _, _ in events)
    assert events[1][3]["name"] == "x" and events[1][3]["added"] == "by-signal"


# -- concurrency --------------------------------------------------------------------------------


async def test_forty_concurrent_template_pages(tapp: Flask) -> None:
    @tapp.get("/sync/<int:n>")
    def sync_page(n: int) -> str:
        return render_template("page.html", title=f"t{n}", rows=[n] * 3)

    @tapp.get("/async/<int:n>")
    async def async_page(n: int) -> str:
        await anyio.sleep(0)
        return await render_template_async("page.html", title=f"t{n}", rows=[request.path])

    client = tapp.test_client()
    results: dict[str, str] = {}

    async def fetch(path: str) -> None:
        results[path] = (await client.get(path)).text

    async with anyio.create_task_group() as tg:
        for n in range(20):
            tg.start_soon(fetch, f"/sync/{n}")
            tg.start_soon(fetch, f"/async/{n}")
    assert len(results) == 40
    for n in range(20):
        assert results[f"/sync/{n}"] == f"<title>t{n}</title><main>{f'<li>{n}</li>' * 3}</main>"
        assert results[f"/async/{n}"] == f"<title>t{n}</title><main><li>/async/{n}</li></main>"


async def test_session_is_not_opened_by_a_template_that_does_not_read_it(tapp: Flask) -> None:
    @tapp.get("/")
    def index() -> str:
        return render_template("hello.html", name="x")

    client = tapp.test_client()
    client.set_cookie("session", "garbage")
    r = await client.get("/")
    assert r.text == "Hello x!"
    assert "Cookie" not in r.headers.get("Vary", "")
    _ = session  # the proxy stays importable for templates


async def test_render_template_async_uses_the_requests_own_thread(tapp: Flask) -> None:
    @tapp.before_request
    def remember_thread() -> None:
        g.hook_thread = threading.get_ident()

    @tapp.template_global()
    def same_thread() -> bool:
        return bool(g.hook_thread == threading.get_ident())

    @tapp.get("/")
    async def index() -> str:
        return await render_template_string_async("{{ same_thread() }}")

    client = tapp.test_client()
    assert [(await client.get("/")).text for _ in range(3)] == ["True"] * 3
