"""The static route: folders, URLs, caching headers, hosts and hostile paths."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import anyio
import pytest

from asyncflask import Flask, url_for
from asyncflask.http import parse_date

pytestmark = pytest.mark.anyio

CSS = b"body { color: #333; }\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "static" / "sub").mkdir(parents=True)
    (tmp_path / "static" / "style.css").write_bytes(CSS)
    (tmp_path / "static" / "sub" / "inner.txt").write_text("inner")
    (tmp_path / "static" / "data.bin").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "static_disallow").mkdir()
    (tmp_path / "static_disallow" / "secret.txt").write_text("secret")
    (tmp_path / "app.py").write_text("SECRET = 1\n")
    return tmp_path


@pytest.fixture
def sapp(root: Path) -> Flask:
    app = Flask("static_app", root_path=str(root))
    app.config["TESTING"] = True
    return app


async def test_static_file_is_served_with_headers(sapp: Flask, root: Path) -> None:
    r = await sapp.test_client().get("/static/style.css")
    assert r.status_code == 200
    assert r.data == CSS
    assert r.headers["Content-Type"] == "text/css; charset=utf-8"
    assert r.headers["Content-Length"] == str(len(CSS))
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["ETag"].startswith('"') and r.headers["ETag"].endswith('"')
    modified = parse_date(r.headers["Last-Modified"])
    assert modified is not None
    assert int(modified.timestamp()) == int((root / "static" / "style.css").stat().st_mtime)
    nested = await sapp.test_client().get("/static/sub/inner.txt")
    assert nested.text == "inner"


async def test_url_for_static(sapp: Flask) -> None:
    async with sapp.test_request_context("/"):
        assert url_for("static", filename="style.css") == "/static/style.css"
        assert url_for("static", filename="sub/a b.css") == "/static/sub/a%20b.css"


async def test_static_route_exists_even_without_the_folder(tmp_path: Path) -> None:
    app = Flask("nofolder", root_path=str(tmp_path))
    assert app.has_static_folder
    assert [r.rule for r in app.url_map.iter_rules("static")] == ["/static/<path:filename>"]
    assert (await app.test_client().get("/static/x.css")).status_code == 404


async def test_no_static_folder_no_route(tmp_path: Path) -> None:
    app = Flask("nostatic", root_path=str(tmp_path), static_folder=None)
    assert not app.has_static_folder
    assert app.static_url_path is None
    assert list(app.url_map.iter_rules("static")) == []
    with pytest.raises(RuntimeError, match="static_folder"):
        app.send_static_file("x")


async def test_custom_folder_and_url_path(root: Path) -> None:
    (root / "assets").mkdir()
    (root / "assets" / "a.js").write_text("let a = 1;")
    app = Flask("custom", root_path=str(root), static_folder="assets/")
    assert app.static_folder == os.path.join(str(root), "assets")
    assert app.static_url_path == "/assets"
    r = await app.test_client().get("/assets/a.js")
    assert r.text == "let a = 1;"
    assert r.mimetype in ("text/javascript", "application/javascript")

    other = Flask("custom2", root_path=str(root), static_folder="assets", static_url_path="/s/")
    assert other.static_url_path == "/s"
    assert (await other.test_client().get("/s/a.js")).text == "let a = 1;"
    empty = Flask("custom3", root_path=str(root), static_folder="assets", static_url_path="")
    assert (await empty.test_client().get("/a.js")).text == "let a = 1;"


async def test_absolute_static_folder(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "x.txt").write_text("far")
    app = Flask("absolute", root_path=str(root), static_folder=str(elsewhere))
    assert (await app.test_client().get(f"/{elsewhere.name}/x.txt")).text == "far"


async def test_send_file_max_age_default_and_override(sapp: Flask) -> None:
    sapp.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(hours=1)
    r = await sapp.test_client().get("/static/style.css")
    assert r.headers["Cache-Control"] == "public, max-age=3600"
    expires = parse_date(r.headers["Expires"])
    assert expires is not None and abs(expires.timestamp() - time.time() - 3600) < 60

    class App(Flask):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 60 if filename is not None and filename.endswith(".css") else None

    app = App("override", root_path=sapp.root_path)
    client = app.test_client()
    assert (await client.get("/static/style.css")).headers["Cache-Control"] == "public, max-age=60"
    assert (await client.get("/static/sub/inner.txt")).headers["Cache-Control"] == "no-cache"


async def test_head_sends_headers_only(sapp: Flask) -> None:
    r = await sapp.test_client().head("/static/style.css")
    assert r.status_code == 200
    assert r.data == b""
    assert r.headers["Content-Length"] == str(len(CSS))


async def test_conditional_get_on_static(sapp: Flask) -> None:
    client = sapp.test_client()
    first = await client.get("/static/style.css")
    r = await client.get("/static/style.css", headers={"If-None-Match": first.headers["ETag"]})
    assert r.status_code == 304
    assert r.data == b""
    assert r.headers["ETag"] == first.headers["ETag"]
    r = await client.get(
        "/static/style.css", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert r.status_code == 304


async def test_range_on_static(sapp: Flask) -> None:
    r = await sapp.test_client().get("/static/data.bin", headers={"Range": "bytes=256-511"})
    assert r.status_code == 206
    assert r.data == bytes(range(256))
    assert r.headers["Content-Range"] == "bytes 256-511/10240"


async def test_static_host(root: Path) -> None:
    app = Flask("hosted", root_path=str(root), static_host="cdn.example", host_matching=True)
    client = app.test_client()
    assert (await client.get("http://cdn.example/static/style.css")).data == CSS
    assert (await client.get("http://localhost/static/style.css")).status_code == 404
    with pytest.raises(ValueError, match="static_host"):
        Flask("bad", root_path=str(root), static_host="cdn.example")
    with pytest.raises(ValueError, match="static_host"):
        Flask("bad", root_path=str(root), host_matching=True)
    Flask("fine", root_path=str(root), static_folder=None, host_matching=True)


# -- hostile paths -----------------------------------------------------------------------

TRAVERSALS = [
    "/static/../app.py",
    "/static/%2e%2e/app.py",
    "/static/%2E%2E/app.py",
    "/static/.%2e/app.py",
    "/static/%2e./app.py",
    "/static/%252e%252e/app.py",
    "/static/%252e%252e%252fapp.py",
    "/static/..%2fapp.py",
    "/static/..%5capp.py",
    "/static/..\\app.py",
    "/static/%5c..%5capp.py",
    "/static/sub/../../app.py",
    "/static/sub/%2e%2e/%2e%2e/app.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/C:/Windows/win.ini",
    "/static/c:%5cwindows%5cwin.ini",
    "/static/C:app.py",
    "/static/%5c%5cserver%5cshare%5cfile",
    "/static///server/share/file",
    "/static/CON",
    "/static/aux.txt",
    "/static/sub/NUL",
    "/static/COM1.css",
    "/static/style.css%00.png",
    "/static/%00",
    "/static/%c0%ae%c0%ae/app.py",
    "/static/%c0%af",
    "/static/..;/app.py",
    "/static/....//app.py",
    "/static/..../app.py",
    "/static/.. /app.py",
    "/static/../static_disallow/secret.txt",
    "/static/%2e%2e%2fstatic_disallow%2fsecret.txt",
    "/static/style.css::$DATA",
    "/static/~/.bashrc",
    "/static/",
    "/static/sub",
    "/static/" + "a" * 5000,
]


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_traversal_is_404_or_400(sapp: Flask, path: str) -> None:
    sapp.config["TESTING"] = False
    r = await sapp.test_client().get(path)
    assert r.status_code in (400, 404), (path, r.status_code)
    assert b"SECRET" not in r.data and b"secret" not in r.data and b"root:" not in r.data


def test_at_least_25_traversal_payloads() -> None:
    assert len(TRAVERSALS) >= 25


async def test_symlink_out_of_the_folder_is_404(sapp: Flask, root: Path) -> None:
    os.symlink(root / "app.py", root / "static" / "leak.py")
    os.symlink(root / "static_disallow", root / "static" / "dir")
    client = sapp.test_client()
    assert (await client.get("/static/leak.py")).status_code == 404
    assert (await client.get("/static/dir/secret.txt")).status_code == 404


async def test_symlinks_inside_the_folder_and_a_symlinked_folder_work(root: Path) -> None:
    os.symlink(root / "static" / "style.css", root / "static" / "alias.css")
    os.symlink(root / "static" / "sub", root / "static" / "subalias")
    (root / "public").symlink_to(root / "static", target_is_directory=True)
    app = Flask("linked", root_path=str(root), static_folder="public")
    client = app.test_client()
    assert (await client.get("/public/style.css")).data == CSS
    assert (await client.get("/public/alias.css")).data == CSS
    assert (await client.get("/public/subalias/inner.txt")).text == "inner"


async def test_forty_concurrent_static_requests(sapp: Flask) -> None:
    client = sapp.test_client()
    results: list[tuple[int, bytes]] = []

    async def fetch(n: int) -> None:
        if n % 2:
            r = await client.get("/static/style.css")
        else:
            start = n * 100
            r = await client.get(
                "/static/data.bin", headers={"Range": f"bytes={start}-{start + 99}"}
            )
        results.append((n, r.data))

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(fetch, n)
    data = bytes(range(256)) * 40
    assert len(results) == 40
    for n, body in results:
        assert body == (CSS if n % 2 else data[n * 100 : n * 100 + 100])
