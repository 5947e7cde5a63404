"""send_file and send_from_directory: bodies, names, caching, conditional and range requests."""

from __future__ import annotations

import io
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import anyio
import httpx
import pytest

from asyncflask import Flask, request, send_file, send_from_directory
from asyncflask.conditional import ByteRange, evaluate, none_match, parse_range
from asyncflask.http import http_date
from asyncflask.sendfile import CHUNK_SIZE, FileBody

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 1000  # 256,000 bytes


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "data.bin").write_bytes(DATA)
    (tmp_path / "files" / "report.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "files" / "notes.txt").write_text("notes")
    (tmp_path / "files" / "archive.tar.gz").write_bytes(b"\x1f\x8b")
    (tmp_path / "files" / "empty.txt").write_bytes(b"")
    (tmp_path / "outside.txt").write_text("outside")
    return tmp_path


@pytest.fixture
def fapp(root: Path) -> Flask:
    app = Flask("files_app", root_path=str(root))
    app.config["TESTING"] = True

    @app.route("/file/<path:name>", methods=["GET", "POST"])
    def file(name: str) -> Any:
        return send_from_directory("files", name)

    return app


# -- the pure core: ranges and preconditions -----------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 10, 100)),
        ("bytes=90-", ByteRange(90, 100, 100)),
        ("bytes=-10", ByteRange(90, 100, 100)),
        ("bytes=-1000", ByteRange(0, 100, 100)),
        ("bytes=95-1000", ByteRange(95, 100, 100)),
        ("bytes=0-" + "9" * 5000, ByteRange(0, 100, 100)),
        ("BYTES = 1-1", ByteRange(1, 2, 100)),
        ("bytes=100-", False),
        ("bytes=100-200", False),
        ("bytes=" + "9" * 5000 + "-", False),
        ("bytes=-0", False),
        (None, None),
        ("", None),
        ("bytes=5-1", None),
        ("bytes=a-b", None),
        ("bytes=1-2,4-5", None),
        ("bytes=" + ",".join(["0-1"] * 10_000), None),
        ("items=0-1", None),
        ("bytes=-", None),
        ("bytes=1", None),
        ("bytes=--1", None),
        ("bytes=+1-2", None),
        ("bytes=\u0661-\u0662", None),
        ("bytes=0x1-2", None),
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | bool | None) -> None:
    assert parse_range(header, 100) == expected


def test_parse_range_on_an_empty_file_sends_it_whole() -> None:
    assert parse_range("bytes=0-1", 0) is None


def test_absurd_range_headers_take_linear_time() -> None:
    headers = [
        "bytes=" + ",".join(f"{i}-{i}" for i in range(20_000)),
        "bytes=" + "1" * 100_000 + "-",
        "bytes=0-" + "1" * 100_000,
        "bytes=" + "-" * 100_000,
        "bytes=" + " " * 100_000 + "0-1",
    ]
    start = time.perf_counter()
    for header in headers:
        parse_range(header, 1000)
        evaluate("GET", {"range": header, "if-range": header}, 1000, '"x"', None)
    assert time.perf_counter() - start < 0.5


def test_none_match() -> None:
    assert none_match('"a"', '"a"')
    assert none_match('W/"a"', '"a"')
    assert none_match('"b", W/"a"', 'W/"a"')
    assert none_match("*", '"a"')
    assert not none_match("*", None)
    assert not none_match('"b"', '"a"')
    assert not none_match("garbage", '"a"')


def test_evaluate_precedence_and_if_range() -> None:
    modified = datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc)
    date = http_date(modified)
    older = http_date(datetime(2024, 5, 17, 12, 29, tzinfo=timezone.utc))
    etag = '"v1"'
    assert evaluate("GET", {"if-none-match": '"v1"'}, 10, etag, modified).status == 304
    assert evaluate("HEAD", {"if-none-match": '"v1"'}, 10, etag, modified).status == 304
    assert evaluate("POST", {"if-none-match": '"v1"'}, 10, etag, modified).status == 200
    # If-None-Match wins over If-Modified-Since.
    mixed = {"if-none-match": '"v0"', "if-modified-since": date}
    assert evaluate("GET", mixed, 10, etag, modified).status == 200
    assert evaluate("GET", {"if-modified-since": date}, 10, etag, modified).status == 304
    assert evaluate("GET", {"if-modified-since": older}, 10, etag, modified).status == 200
    assert evaluate("GET", {"if-modified-since": "not a date"}, 10, etag, modified).status == 200
    ranged = {"range": "bytes=0-1"}
    assert evaluate("GET", ranged, 10, etag, modified).status == 206
    assert evaluate("HEAD", ranged, 10, etag, modified).status == 200
    assert evaluate("GET", ranged, 10, etag, modified, accept_ranges=False).status == 200
    assert evaluate("GET", {**ranged, "if-range": '"v1"'}, 10, etag, modified).status == 206
    assert evaluate("GET", {**ranged, "if-range": '"v0"'}, 10, etag, modified).status == 200
    assert evaluate("GET", {**ranged, "if-range": 'W/"v1"'}, 10, etag, modified).status == 200
    assert evaluate("GET", {**ranged, "if-range": '"v1"'}, 10, 'W/"v1"', modified).status == 200
    assert evaluate("GET", {**ranged, "if-range": date}, 10, etag, modified).status == 206
    assert evaluate("GET", {**ranged, "if-range": older}, 10, etag, modified).status == 200
    assert evaluate("GET", {"range": "bytes=10-"}, 10, etag, modified).status == 416


# -- send_file ------------------------------------------------------------------------------


async def test_send_file_path_and_relative_path(fapp: Flask, root: Path) -> None:
    @fapp.get("/abs")
    def absolute() -> Any:
        return send_file(str(root / "files" / "notes.txt"))

    @fapp.get("/rel")
    async def relative() -> Any:
        return send_file(Path("files") / "notes.txt")

    client = fapp.test_client()
    for path in ("/abs", "/rel"):
        r = await client.get(path)
        assert r.text == "notes"
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert r.headers["Content-Disposition"] == "inline; filename=notes.txt"
        assert r.headers["Content-Length"] == "5"


async def test_send_file_object(fapp: Flask) -> None:
    @fapp.get("/bytes")
    def from_bytes() -> Any:
        return send_file(io.BytesIO(b"hello bytes"), mimetype="application/x-thing")

    @fapp.get("/named")
    def named() -> Any:
        return send_file(io.BytesIO(b"a,b"), download_name="table.csv", as_attachment=True)

    client = fapp.test_client()
    r = await client.get("/bytes")
    assert r.data == b"hello bytes"
    assert r.headers["Content-Type"] == "application/x-thing"
    assert r.headers["Content-Length"] == "11"
    assert "ETag" not in r.headers
    assert "Content-Disposition" not in r.headers
    r = await client.get("/bytes", headers={"Range": "bytes=6-"})
    assert (r.status_code, r.data) == (206, b"bytes")
    r = await client.get("/named")
    assert r.headers["Content-Disposition"] == "attachment; filename=table.csv"
    assert r.mimetype == "text/csv"


async def test_send_file_object_reads_from_its_position(fapp: Flask) -> None:
    @fapp.get("/")
    def index() -> Any:
        data = io.BytesIO(b"skip:kept")
        data.read(5)
        return send_file(data, mimetype="text/plain")

    r = await fapp.test_client().get("/", headers={"Range": "bytes=1-2"})
    assert r.data == b"ep"
    assert r.headers["Content-Range"] == "bytes 1-2/4"


async def test_send_file_argument_errors(fapp: Flask) -> None:
    async with fapp.test_request_context():
        with pytest.raises(TypeError, match="mimetype"):
            send_file(io.BytesIO(b"x"))
        with pytest.raises(TypeError, match="binary"):
            send_file(io.StringIO("x"), mimetype="text/plain")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="download_name"):
            send_file(io.BytesIO(b"x"), mimetype="text/plain", as_attachment=True)
    with pytest.raises(RuntimeError, match="test_request_context"):
        send_file(io.BytesIO(b"x"), mimetype="text/plain")


async def test_non_ascii_download_name(fapp: Flask, root: Path) -> None:
    async with fapp.test_request_context():
        rv = send_file(
            root / "files" / "notes.txt", as_attachment=True, download_name="Ñandú €.txt"
        )
        rv.close()
    assert rv.headers["Content-Disposition"] == (
        "attachment; filename=\"Nandu .txt\"; filename*=UTF-8''%C3%91and%C3%BA%20%E2%82%AC.txt"
    )
    async with fapp.test_request_context():
        rv = send_file(io.BytesIO(b""), download_name='a"b\r\n.txt', mimetype="text/plain")
    assert "\r" not in rv.headers["Content-Disposition"]
    assert rv.headers["Content-Disposition"].startswith('inline; filename="a\\"b.txt"')


async def test_encoding_and_attachment(fapp: Flask, root: Path) -> None:
    async with fapp.test_request_context():
        inline = send_file(root / "files" / "archive.tar.gz")
        attached = send_file(root / "files" / "archive.tar.gz", as_attachment=True)
        pdf = send_file(root / "files" / "report.pdf")
    inline.close()
    attached.close()
    pdf.close()
    assert inline.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in attached.headers
    assert pdf.mimetype == "application/pdf"


async def test_etag_last_modified_and_max_age_options(fapp: Flask, root: Path) -> None:
    path = root / "files" / "notes.txt"
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    async with fapp.test_request_context():
        no_tag = send_file(path, etag=False)
        custom = send_file(path, etag="v42", last_modified=when, max_age=120)
        weak = send_file(path, etag='W/"w"', last_modified=1_700_000_000, max_age=lambda p: 5)
        zero = send_file(path, max_age=0)
    for rv in (no_tag, custom, weak, zero):
        rv.close()
    assert "ETag" not in no_tag.headers
    assert custom.headers["ETag"] == '"v42"'
    assert custom.headers["Last-Modified"] == "Tue, 02 Jan 2024 03:04:05 GMT"
    assert custom.headers["Cache-Control"] == "public, max-age=120"
    assert "Expires" in custom.headers
    assert weak.headers["ETag"] == 'W/"w"'
    assert weak.headers["Last-Modified"] == http_date(1_700_000_000)
    assert weak.headers["Cache-Control"] == "public, max-age=5"
    assert zero.headers["Cache-Control"] == "no-cache"


async def test_get_data_reads_the_file_and_closes_it(fapp: Flask, root: Path) -> None:
    async with fapp.test_request_context():
        rv = send_file(root / "files" / "data.bin")
    assert rv.is_streamed
    assert rv.get_data() == DATA
    body = FileBody(io.BytesIO(b"abc"))
    assert b"".join(body) == b"abc"
    assert body._file is None


async def test_use_x_sendfile(fapp: Flask, root: Path) -> None:
    fapp.config["USE_X_SENDFILE"] = True
    r = await fapp.test_client().get("/file/notes.txt")
    assert r.headers["X-Sendfile"] == str(root / "files" / "notes.txt")
    assert r.data == b""


# -- conditional and range requests through the app ---------------------------------------------


async def test_conditional_requests(fapp: Flask) -> None:
    client = fapp.test_client()
    first = await client.get("/file/data.bin")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    r = await client.get("/file/data.bin", headers={"If-None-Match": etag})
    assert (r.status_code, r.data) == (304, b"")
    assert r.headers["ETag"] == etag
    assert r.headers["Last-Modified"] == modified
    assert "Content-Type" not in r.headers
    assert "Content-Disposition" not in r.headers
    r = await client.get("/file/data.bin", headers={"If-None-Match": f'"other", W/{etag}'})
    assert r.status_code == 304
    r = await client.get("/file/data.bin", headers={"If-None-Match": '"other"'})
    assert (r.status_code, len(r.data)) == (200, len(DATA))
    r = await client.get("/file/data.bin", headers={"If-Modified-Since": modified})
    assert r.status_code == 304
    r = await client.post("/file/data.bin", headers={"If-None-Match": etag})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("header", "status", "expected", "content_range"),
    [
        ("bytes=0-99", 206, DATA[:100], "bytes 0-99/256000"),
        ("bytes=255900-", 206, DATA[255900:], "bytes 255900-255999/256000"),
        ("bytes=-10", 206, DATA[-10:], "bytes 255990-255999/256000"),
        ("bytes=-999999", 206, DATA, "bytes 0-255999/256000"),
        ("bytes=255999-999999999", 206, DATA[-1:], "bytes 255999-255999/256000"),
        ("bytes=100000-165535", 206, DATA[100000:165536], "bytes 100000-165535/256000"),
        ("bytes=256000-", 416, b"", "bytes */256000"),
        ("bytes=" + "9" * 5000 + "-", 416, b"", "bytes */256000"),
        ("bytes=-0", 416, b"", "bytes */256000"),
        ("bytes=0-1,5-6", 200, DATA, None),
        ("bytes=" + ",".join(["0-1"] * 5000), 200, DATA, None),
        ("bytes=9-1", 200, DATA, None),
        ("bytes=zz", 200, DATA, None),
        ("pages=1-2", 200, DATA, None),
        ("bytes=0-" + "9" * 5000, 206, DATA, "bytes 0-255999/256000"),
    ],
)
async def test_ranges(
    fapp: Flask, header: str, status: int, expected: bytes, content_range: str | None
) -> None:
    fapp.config["TESTING"] = False
    r = await fapp.test_client().get("/file/data.bin", headers={"Range": header})
    assert r.status_code == status
    assert r.data == expected
    assert r.headers.get("Content-Range") == content_range
    if status != 416:
        assert r.headers["Content-Length"] == str(len(expected))


async def test_if_range(fapp: Flask) -> None:
    client = fapp.test_client()
    first = await client.get("/file/data.bin")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    ranged = {"Range": "bytes=0-3"}
    assert (await client.get("/file/data.bin", headers={**ranged, "If-Range": etag})).data == (
        DATA[:4]
    )
    r = await client.get("/file/data.bin", headers={**ranged, "If-Range": modified})
    assert r.status_code == 206
    r = await client.get("/file/data.bin", headers={**ranged, "If-Range": '"stale"'})
    assert (r.status_code, len(r.data)) == (200, len(DATA))


async def test_head_and_range_on_head(fapp: Flask) -> None:
    client = fapp.test_client()
    r = await client.head("/file/data.bin", headers={"Range": "bytes=0-9"})
    assert (r.status_code, r.data) == (200, b"")
    assert r.headers["Content-Length"] == str(len(DATA))


async def test_empty_file(fapp: Flask) -> None:
    r = await fapp.test_client().get("/file/empty.txt", headers={"Range": "bytes=0-5"})
    assert (r.status_code, r.data, r.headers["Content-Length"]) == (200, b"", "0")


# -- send_from_directory -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../outside.txt",
        "%2e%2e/outside.txt",
        "..%2foutside.txt",
        "..\\outside.txt",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "C:/outside.txt",
        "notes.txt%00.png",
        "NUL",
        "missing.txt",
        "",
        ".",
        "link-out",
    ],
)
async def test_send_from_directory_rejects(fapp: Flask, root: Path, name: str) -> None:
    (root / "files" / "link-out").symlink_to(root / "outside.txt")
    fapp.config["TESTING"] = False
    r = await fapp.test_client().get(f"/file/{name}")
    assert r.status_code in (400, 404)
    assert b"outside" not in r.data


async def test_send_from_directory_direct_calls(fapp: Flask, root: Path) -> None:
    async with fapp.test_request_context():
        rv = send_from_directory(root / "files", "notes.txt", as_attachment=True)
        assert rv.get_data() == b"notes"
        assert rv.headers["Content-Disposition"] == "attachment; filename=notes.txt"
        from asyncflask.exceptions import NotFound

        for bad in ("../outside.txt", "/etc/passwd", "a\x00b", "files"):
            with pytest.raises(NotFound):
                send_from_directory(root, bad if bad != "files" else "files")


# -- streaming ------------------------------------------------------------------------------------


async def test_large_file_streams_in_chunks(fapp: Flask, root: Path) -> None:
    big = root / "files" / "big.bin"
    big.write_bytes(b"x" * (CHUNK_SIZE * 5 + 7))
    client = fapp.test_client()
    async with client.stream("GET", "/file/big.bin") as r:
        sizes = [len(chunk) async for chunk in r.iter_bytes()]
    assert sum(sizes) == CHUNK_SIZE * 5 + 7
    assert len(sizes) >= 6
    assert max(sizes) <= CHUNK_SIZE


class RecordingFile(io.BufferedReader):
    """A real file whose reads note the thread they ran in."""

    threads: list[int]

    def read(self, size: int | None = -1) -> bytes:
        self.threads.append(threading.get_ident())
        return super().read(size)


async def test_file_reads_run_off_the_event_loop(fapp: Flask, root: Path) -> None:
    opened: list[RecordingFile] = []

    @fapp.get("/recorded")
    async def recorded() -> Any:
        raw: IO[bytes] = open(root / "files" / "data.bin", "rb", buffering=0)  # noqa: SIM115
        file = RecordingFile(raw)  # type: ignore[arg-type]
        file.threads = []
        opened.append(file)
        return send_file(file, mimetype="application/octet-stream")

    loop_thread = threading.get_ident()
    r = await fapp.test_client().get("/recorded")
    assert r.data == DATA
    assert opened[0].threads and loop_thread not in opened[0].threads
    assert opened[0].closed


async def test_client_leaving_closes_the_file(root: Path) -> None:
    body = FileBody(str(root / "files" / "data.bin"), chunk_size=1000)
    chunks = body.__aiter__()
    assert await chunks.__anext__() == DATA[:1000]
    assert body._file is not None
    await body.aclose()
    assert body._file is None


async def test_forty_concurrent_range_requests(fapp: Flask) -> None:
    client = fapp.test_client()
    got: dict[int, tuple[int, bytes]] = {}

    async def fetch(n: int) -> None:
        start = n * 6000
        r = await client.get("/file/data.bin", headers={"Range": f"bytes={start}-{start + 5999}"})
        got[n] = (r.status_code, r.data)

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(fetch, n)
    assert sorted(got) == list(range(40))
    for n, (status, data) in got.items():
        assert status == 206
        assert data == DATA[n * 6000 : n * 6000 + 6000]


async def test_request_is_available_to_the_view_calling_send_file(fapp: Flask) -> None:
    @fapp.get("/by-arg")
    def by_arg() -> Any:
        return send_from_directory("files", request.args["name"])

    assert (await fapp.test_client().get("/by-arg?name=notes.txt")).text == "notes"


# -- behind a real server -------------------------------------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_file_through_uvicorn(fapp: Flask, root: Path) -> None:
    from tests.test_server import serve

    big = root / "files" / "big.bin"
    payload = bytes(range(256)) * (4 * 4096)  # 4 MiB
    big.write_bytes(payload)
    with serve(fapp) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            r = await http.get("/file/big.bin")
            assert r.status_code == 200 and r.content == payload
            r = await http.get("/file/big.bin", headers={"Range": "bytes=1000-1999"})
            assert r.status_code == 206 and r.content == payload[1000:2000]
            r = await http.head("/file/big.bin")
            assert r.headers["content-length"] == str(len(payload)) and r.content == b""
            r = await http.get("/file/%2e%2e/outside.txt")
            assert r.status_code == 404
            # A client that leaves mid-download does not disturb the next one.
            async with http.stream("GET", "/file/big.bin") as streamed:
                async for _ in streamed.aiter_bytes():
                    break
            r = await http.get("/file/notes.txt")
            assert r.text == "notes"
