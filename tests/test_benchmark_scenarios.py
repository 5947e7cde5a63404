"""The session, multipart, websocket and sync-hooks benchmark apps answer correctly in every
framework, and the thread hops of the sync endpoints are counted.

Each app is driven in-process exactly as the benchmark runner drives it (no timing here).
Starlette, FastAPI and Quart are checked when installed (the benchmark extras); the bare
app and asyncflask always are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from benchmarks import network
from benchmarks.driver import (
    ASGIApp,
    HTTPRequest,
    PreparedRequest,
    PreparedWebSocket,
    drive,
    drive_websocket,
    lifespan,
)
from benchmarks.frameworks import FRAMEWORKS_BY_NAME
from benchmarks.hops import counting_hops, own_hops
from benchmarks.payloads import (
    HELLO,
    HOOK_HEADER,
    HOOK_VALUE,
    MULTIPART_BODY,
    MULTIPART_BOUNDARY,
    UPLOAD_FILE,
    UPLOAD_TEXT,
    WEBSOCKET_MESSAGE_COUNT,
    WEBSOCKET_MESSAGE_SIZE,
    WEBSOCKET_MESSAGES,
)
from benchmarks.scenarios import SCENARIOS_BY_NAME, Expectation, primed_request
from benchmarks.wsload import (
    OP_BINARY,
    OP_CLOSE,
    OP_TEXT,
    EchoClient,
    Exchange,
    FrameReader,
    ProtocolError,
    Stats,
    accept_key,
    client_frame,
)

FRAMEWORKS = ["bare", "starlette", "fastapi", "quart", "asyncflask"]


@pytest.fixture(params=FRAMEWORKS)
def framework(request: pytest.FixtureRequest, anyio_backend: str) -> str:
    """A framework whose apps can run here: installed, and on an event loop it supports."""
    name: str = request.param
    package = FRAMEWORKS_BY_NAME[name].package
    if package is not None and package != "asyncflask":
        pytest.importorskip(package)
    if name == "quart" and anyio_backend == "trio":
        pytest.skip("Quart runs on asyncio only")
    return name


@asynccontextmanager
async def _started(framework: str, scenario: str) -> AsyncIterator[tuple[ASGIApp, dict[str, Any]]]:
    """The framework's app for ``scenario``, built and started as the runner does."""
    app = FRAMEWORKS_BY_NAME[framework].factories()[scenario]()
    async with lifespan(app) as state:
        yield app, state


async def _cookies(
    app: ASGIApp, request: HTTPRequest, state: dict[str, Any]
) -> tuple[str, list[str]]:
    """The body of the app's answer to ``request`` and the cookies it set."""
    response = await drive(app, PreparedRequest(request, state))
    set_cookies = [v.decode("latin-1") for k, v in response.headers if k == b"set-cookie"]
    return response.body.decode(), set_cookies


@pytest.mark.anyio
async def test_session_counter_survives_round_trips_in_the_signed_cookie(framework: str) -> None:
    scenario = SCENARIOS_BY_NAME["session"]
    async with _started(framework, "session") as (app, state):
        first, set_cookies = await _cookies(app, scenario.request, state)
        request = primed_request(scenario, 200, set_cookies)
        second, set_cookies = await _cookies(app, request, state)
        third, _ = await _cookies(app, primed_request(scenario, 200, set_cookies), state)
        again, _ = await _cookies(app, request, state)

    assert (first, second, third) == ("1", "2", "3")
    assert again == "2"


@pytest.mark.anyio
async def test_session_scenario_answer_passes_the_runner_check(framework: str) -> None:
    scenario = SCENARIOS_BY_NAME["session"]
    assert scenario.prime is not None
    async with _started(framework, "session") as (app, state):
        _, set_cookies = await _cookies(app, scenario.prime, state)
        request = primed_request(scenario, 200, set_cookies)
        response = await drive(app, PreparedRequest(request, state))

    names = {name.decode().lower() for name, _ in response.headers}
    assert scenario.expect.problem(response.status, response.body, names) is None


@pytest.mark.anyio
async def test_session_with_a_tampered_cookie_starts_over(framework: str) -> None:
    scenario = SCENARIOS_BY_NAME["session"]
    async with _started(framework, "session") as (app, state):
        _, set_cookies = await _cookies(app, scenario.request, state)
        name, _, value = set_cookies[0].split(";", 1)[0].partition("=")
        forged = HTTPRequest("GET", "/session", headers=(("cookie", f"{name}=x{value[1:]}"),))
        body, _ = await _cookies(app, forged, state)

    assert body == "1"


@pytest.mark.anyio
async def test_multipart_upload_reports_the_field_and_the_file_size(framework: str) -> None:
    scenario = SCENARIOS_BY_NAME["multipart"]
    async with _started(framework, "multipart") as (app, state):
        response = await drive(app, PreparedRequest(scenario.request, state))

    assert response.status == 200
    assert response.body == UPLOAD_TEXT.encode() == b"title=benchmark size=8192"


@pytest.mark.anyio
async def test_websocket_echoes_every_message_in_order(framework: str) -> None:
    scenario = SCENARIOS_BY_NAME["websocket"]
    assert scenario.websocket_messages is not None
    async with _started(framework, "websocket") as (app, state):
        session = PreparedWebSocket(scenario.request, scenario.websocket_messages, state)
        first = await drive_websocket(app, session)
        second = await drive_websocket(app, session)

    for captured in (first, second):
        assert captured.accepted
        assert captured.received == list(WEBSOCKET_MESSAGES)
        assert scenario.expect.websocket_problem(captured.accepted, captured.received) is None


@pytest.mark.anyio
async def test_sync_hooks_answer_carries_what_both_hooks_did_under_concurrency(
    framework: str,
) -> None:
    scenario = SCENARIOS_BY_NAME["sync-hooks"]
    responses: list[Any] = []
    async with _started(framework, "sync-hooks") as (app, state):
        request = PreparedRequest(scenario.request, state)

        async def one() -> None:
            responses.append(await drive(app, request))

        async with anyio.create_task_group() as group:
            for _ in range(40):
                group.start_soon(one)

    assert len(responses) == 40
    for response in responses:
        names = {name.decode().lower() for name, _ in response.headers}
        assert scenario.expect.problem(response.status, response.body, names) is None
        assert response.body == HELLO.encode()
        hook = HOOK_HEADER.lower().encode()
        assert [v for k, v in response.headers if k.lower() == hook] == [HOOK_VALUE.encode()]


async def _hops_per_request(framework: str, scenario_name: str, requests: int = 20) -> float:
    scenario = SCENARIOS_BY_NAME[scenario_name]
    async with _started(framework, scenario_name) as (app, state):
        request = PreparedRequest(scenario.request, state)
        await drive(app, request)
        before = own_hops(app)
        with counting_hops() as counter:
            for _ in range(requests):
                response = await drive(app, request)
                assert response.status == 200
        return (own_hops(app) - before + counter.calls) / requests


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_asyncflask_runs_a_sync_view_and_its_sync_hooks_in_one_hop() -> None:
    assert await _hops_per_request("asyncflask", "sync") == 1
    assert await _hops_per_request("asyncflask", "sync-hooks") == 1
    assert await _hops_per_request("asyncflask", "plaintext") == 0


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_hops_are_counted_for_anyio_threads_and_executors(framework: str) -> None:
    """Every other framework sends each sync callable to a thread of its own."""
    if framework == "asyncflask":
        pytest.skip("asyncflask counts its own hops")
    assert await _hops_per_request(framework, "plaintext") == 0
    assert await _hops_per_request(framework, "sync") >= 1
    assert await _hops_per_request(framework, "sync-hooks") >= 3
    if framework in ("bare", "starlette"):  # the app itself makes three calls
        assert await _hops_per_request(framework, "sync-hooks") == 3


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_hop_counting_is_off_outside_its_block() -> None:
    from concurrent.futures import ThreadPoolExecutor

    import anyio.to_thread

    submit = ThreadPoolExecutor.submit
    with counting_hops() as counter:
        await anyio.to_thread.run_sync(int)
        with ThreadPoolExecutor(1) as executor:
            assert executor.submit(int, "7").result() == 7
    await anyio.to_thread.run_sync(int)

    assert counter.calls == 2
    assert ThreadPoolExecutor.submit is submit


def test_upload_file_does_not_contain_the_boundary() -> None:
    assert MULTIPART_BOUNDARY.encode() not in UPLOAD_FILE
    assert MULTIPART_BODY.count(MULTIPART_BOUNDARY.encode()) == 3


def test_websocket_messages_are_distinct_and_sized() -> None:
    assert len(set(WEBSOCKET_MESSAGES)) == WEBSOCKET_MESSAGE_COUNT
    assert {len(message.encode()) for message in WEBSOCKET_MESSAGES} == {WEBSOCKET_MESSAGE_SIZE}


def test_primed_request_carries_every_cookie_without_attributes() -> None:
    scenario = SCENARIOS_BY_NAME["session"]

    request = primed_request(
        scenario, 200, ["session=abc.def; Path=/; HttpOnly", "theme=dark; Max-Age=60"]
    )

    assert request.headers == (("cookie", "session=abc.def; theme=dark"),)
    assert (request.method, request.path) == ("GET", "/session")


def test_primed_request_without_a_cookie_is_an_error() -> None:
    scenario = SCENARIOS_BY_NAME["session"]

    with pytest.raises(ValueError, match="set a cookie"):
        primed_request(scenario, 200, [])
    with pytest.raises(ValueError, match="status 500"):
        primed_request(scenario, 500, ["session=abc"])


def test_expectation_reports_a_missing_header() -> None:
    expect = Expectation(body=b"2", headers=("set-cookie",))

    assert expect.problem(200, b"2", {"content-type", "set-cookie"}) is None
    assert expect.problem(200, b"2", {"content-type"}) == "no set-cookie header in the response"


def test_expectation_reports_a_wrong_or_missing_echo() -> None:
    expect = Expectation(messages=("a", "b", "c"))

    assert expect.websocket_problem(True, ["a", "b", "c"]) is None
    assert expect.websocket_problem(False, []) == "the app did not accept the connection"
    assert expect.websocket_problem(True, ["a", "x", "c"]) == "message 1 was 'x', expected 'b'"
    assert expect.websocket_problem(True, ["a", "b"]) == "2 messages came back, expected 3"
    assert expect.websocket_problem(True, [b"a", b"b", b"c"]) is not None


def test_wrk_script_sends_the_primed_cookie(tmp_path: Path) -> None:
    scenario = SCENARIOS_BY_NAME["session"]
    request = primed_request(scenario, 200, ["session=abc.def; Path=/"])

    script = network._write_wrk_script(tmp_path, "session-bare", request)

    assert 'wrk.headers["cookie"] = "session=abc.def"' in script.read_text()


def test_websocket_accept_key_matches_rfc_6455() -> None:
    assert accept_key(b"dGhlIHNhbXBsZSBub25jZQ==") == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_client_frame_is_masked_as_in_rfc_6455() -> None:
    frame = client_frame(OP_TEXT, b"Hello", bytes.fromhex("37fa213d"))

    assert frame == bytes.fromhex("818537fa213d7f9f4d5158")


def test_client_frame_uses_the_extended_lengths() -> None:
    mask_key = b"\x00\x00\x00\x00"

    assert client_frame(OP_TEXT, b"x" * 200, mask_key)[:4] == bytes([0x81, 0xFE, 0, 200])
    assert client_frame(OP_TEXT, b"x" * 70000, mask_key)[1] == 0xFF
    assert client_frame(OP_CLOSE, b"\x03\xe8", mask_key) == bytes.fromhex("888200000000" + "03e8")


def test_frame_reader_reassembles_frames_split_across_reads() -> None:
    reader = FrameReader()
    hello = bytes.fromhex("810548656c6c6f")
    long_payload = b"y" * 300
    long_frame = bytes([0x82, 126]) + (300).to_bytes(2, "big") + long_payload
    data = hello + long_frame + bytes.fromhex("8802") + b"\x03\xe8"

    frames = []
    for index in range(0, len(data), 7):
        frames += reader.feed(data[index : index + 7])

    assert frames == [(True, 0x1, b"Hello"), (True, 0x2, long_payload), (True, 0x8, b"\x03\xe8")]


def test_frame_reader_rejects_masked_and_extension_frames() -> None:
    with pytest.raises(ProtocolError, match="masked"):
        FrameReader().feed(bytes.fromhex("818537fa213d7f9f4d5158"))
    with pytest.raises(ProtocolError, match="reserved bits"):
        FrameReader().feed(bytes.fromhex("c10548656c6c6f"))


class _FakeTransport:
    """Records what the client writes, and whether it gave up on the connection."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def abort(self) -> None:
        self.aborted = True


def _server_frame(opcode: int, payload: bytes) -> bytes:
    return bytes([0x80 | opcode, len(payload)]) + payload


def _connected_client(
    messages: list[str],
) -> tuple[EchoClient, _FakeTransport, Exchange, Stats, list[ProtocolError | None]]:
    """A client that sent its handshake and got a correct 101 answer."""
    exchange = Exchange.of("127.0.0.1", 8000, "/ws", messages)
    stats = Stats(deadline=float("inf"))
    outcomes: list[ProtocolError | None] = []
    client = EchoClient(exchange, stats, outcomes.append)
    transport = _FakeTransport()
    client.connection_made(transport)  # type: ignore[arg-type]
    handshake = transport.written[0].decode()
    key = handshake.split("Sec-WebSocket-Key: ")[1].split("\r\n")[0].encode()
    client.data_received(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_key(key) + b"\r\n\r\n"
    )
    return client, transport, exchange, stats, outcomes


def test_load_client_sends_each_message_after_the_previous_echo_then_closes() -> None:
    client, transport, exchange, stats, outcomes = _connected_client(["ab", "cd"])
    assert transport.written[1:] == [exchange.frames[0]]

    echo = _server_frame(OP_TEXT, b"ab")
    client.data_received(echo[:1])
    client.data_received(echo[1:])
    assert transport.written[2:] == [exchange.frames[1]]

    client.data_received(_server_frame(OP_TEXT, b"cd"))
    assert transport.written[3:] == [exchange.close_frame]

    client.data_received(_server_frame(OP_CLOSE, b"\x03\xe8"))
    client.connection_lost(None)

    assert outcomes == [None]
    assert (stats.echoes, len(stats.round_trips)) == (2, 2)
    assert not transport.aborted


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (_server_frame(OP_TEXT, b"xx"), "echo 0 was b'xx', expected b'ab'"),
        (_server_frame(OP_BINARY, b"ab"), "echo 0 came back as a binary message"),
        (_server_frame(OP_CLOSE, b"\x03\xf3"), "the server closed (code 1011) after 0 echoes"),
    ],
)
def test_load_client_gives_up_on_a_wrong_answer(answer: bytes, problem: str) -> None:
    client, transport, _, stats, outcomes = _connected_client(["ab", "cd"])

    client.data_received(answer)

    assert [str(outcome) for outcome in outcomes] == [problem]
    assert transport.aborted
    assert stats.echoes == 0


def test_load_client_reports_a_refused_handshake() -> None:
    exchange = Exchange.of("127.0.0.1", 8000, "/ws", ["ab"])
    outcomes: list[ProtocolError | None] = []
    client = EchoClient(exchange, Stats(deadline=float("inf")), outcomes.append)
    transport = _FakeTransport()
    client.connection_made(transport)  # type: ignore[arg-type]

    client.data_received(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    assert [str(outcome) for outcome in outcomes] == [
        "the handshake was answered 'HTTP/1.1 403 Forbidden'"
    ]
    assert transport.aborted


def test_load_client_counts_a_connection_lost_midway_as_an_error() -> None:
    client, _, _, _, outcomes = _connected_client(["ab", "cd"])

    client.data_received(_server_frame(OP_TEXT, b"ab"))
    client.connection_lost(ConnectionResetError("reset"))

    assert [str(outcome) for outcome in outcomes] == [
        "the connection was lost after 1 echoes: reset"
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["template", "static"])
async def test_template_and_static_answers_pass_the_runner_check(framework: str, name: str) -> None:
    scenario = SCENARIOS_BY_NAME[name]
    async with _started(framework, name) as (app, state):
        response = await drive(app, PreparedRequest(scenario.request, state))
    names = {key.decode("latin-1").lower() for key, _ in response.headers}
    assert scenario.expect.problem(response.status, response.body, names) is None


def test_template_page_escapes_and_loops() -> None:
    page = SCENARIOS_BY_NAME["template"].expect.body
    assert page is not None
    assert page.count(b"<tr class=") == 100
    assert b"User 3 &lt;3&gt; &amp; co" in page and b"user3@example.com" in page
    assert b"<title>Benchmark &amp; friends</title>" in page


def test_weblayer_stall_measures_both_ways_of_rendering() -> None:
    from benchmarks.weblayer import measure_stall

    results = measure_stall(200)
    assert set(results) == {"render_template (on the loop)", "await render_template_async"}
    for numbers in results.values():
        assert numbers["render_ms"] > 0 and numbers["max_stall_ms"] >= 0
