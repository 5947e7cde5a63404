from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from python_multipart.multipart import MultipartParser

from asyncflask import formparser
from asyncflask.datastructures import ImmutableMultiDict
from asyncflask.exceptions import BadRequest, RequestEntityTooLarge
from asyncflask.files import SPOOL_MAX_SIZE, FileStorage
from asyncflask.formparser import parse_form_data

BOUNDARY = "----asyncflaskBoundary7MA4YWxk"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass
class FakeRequest:
    body: bytes
    mimetype: str = URLENCODED
    mimetype_params: dict[str, str] = field(default_factory=dict)
    max_form_memory_size: int | None = 500_000
    max_form_parts: int | None = 1000
    max_content_length: int | None = 16 * 1024 * 1024

    def get_data(self) -> bytes:
        return self.body


def multipart_request(body: bytes, boundary: str = BOUNDARY, **limits: int | None) -> FakeRequest:
    return FakeRequest(body, MULTIPART, {"boundary": boundary}, **limits)  # type: ignore[arg-type]


def part(disposition: str, data: bytes = b"", *headers: str) -> bytes:
    lines = [f"Content-Disposition: {disposition}", *headers]
    head = "".join(f"{line}\r\n" for line in lines).encode()
    return f"--{BOUNDARY}\r\n".encode() + head + b"\r\n" + data + b"\r\n"


def end() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


def text_part(name: str, value: bytes, *headers: str) -> bytes:
    return part(f'form-data; name="{name}"', value, *headers)


def file_part(name: str, filename: str, data: bytes, content_type: str = "text/plain") -> bytes:
    return part(
        f'form-data; name="{name}"; filename="{filename}"', data, f"Content-Type: {content_type}"
    )


def parse_multipart(
    body: bytes, **limits: int | None
) -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
    return parse_form_data(multipart_request(body, **limits))


@pytest.fixture(autouse=True)
def created_spools(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[list[tempfile.SpooledTemporaryFile[bytes]]]:
    """Record the upload files the parser creates, and close them after each test."""
    spools: list[tempfile.SpooledTemporaryFile[bytes]] = []
    original = formparser.spooled_upload

    def recording_spool() -> tempfile.SpooledTemporaryFile[bytes]:
        spool = original()
        spools.append(spool)
        return spool

    monkeypatch.setattr(formparser, "spooled_upload", recording_spool)
    yield spools
    for spool in spools:
        spool.close()


# -- application/x-www-form-urlencoded ----------------------------------------


def test_urlencoded_repeated_keys_and_blank_values() -> None:
    form, files = parse_form_data(FakeRequest(b"tag=a&tag=b&empty=&bare&x=1"))
    assert form.getlist("tag") == ["a", "b"]
    assert form["empty"] == ""
    assert form["bare"] == ""
    assert form["x"] == "1"
    assert list(files) == []


def test_urlencoded_plus_and_percent_20_are_spaces() -> None:
    form, _ = parse_form_data(FakeRequest(b"q=hello+big%20world&a%2Bb=1%2B1"))
    assert form["q"] == "hello big world"
    assert form["a+b"] == "1+1"


def test_urlencoded_decodes_utf8() -> None:
    form, _ = parse_form_data(FakeRequest("name=%C3%A9t%C3%A9&raw=été".encode()))
    assert form["name"] == "été"
    assert form["raw"] == "été"


def test_urlencoded_bad_bytes_and_escapes_become_replacement_chars() -> None:
    form, _ = parse_form_data(FakeRequest(b"bad=%ff&raw=\xff&half=%C3&%fe=k&odd=%zz%"))
    assert form["bad"] == "\ufffd"
    assert form["raw"] == "\ufffd"
    assert form["half"] == "\ufffd"
    assert form["\ufffd"] == "k"
    # An escape that is not two hex digits is kept as sent, as browsers and Flask do.
    assert form["odd"] == "%zz%"


def test_urlencoded_only_ampersand_separates_fields() -> None:
    form, _ = parse_form_data(FakeRequest(b"a=1;b=2"))
    assert form.to_dict() == {"a": "1;b=2"}


def test_urlencoded_empty_body_gives_empty_form() -> None:
    form, files = parse_form_data(FakeRequest(b""))
    assert list(form) == []
    assert list(files) == []


def test_urlencoded_field_flood_is_413() -> None:
    request = FakeRequest(b"&".join([b"a=1"] * 100_000), max_form_memory_size=None)
    start = time.perf_counter()
    with pytest.raises(RequestEntityTooLarge) as info:
        parse_form_data(request)
    assert time.perf_counter() - start < 10
    assert info.value.code == 413
    assert "1000" in (info.value.description or "")


def test_urlencoded_fields_up_to_max_form_parts_are_accepted() -> None:
    form, _ = parse_form_data(FakeRequest(b"&".join([b"a=1"] * 1000)))
    assert len(form.getlist("a")) == 1000
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(FakeRequest(b"&".join([b"a=1"] * 1001)))
    form, _ = parse_form_data(FakeRequest(b"", max_form_parts=0))
    assert list(form) == []
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(FakeRequest(b"a=1", max_form_parts=0))


def test_urlencoded_body_over_form_memory_is_413() -> None:
    request = FakeRequest(b"big=" + b"x" * 500_000)
    with pytest.raises(RequestEntityTooLarge) as info:
        parse_form_data(request)
    assert "500000 bytes" in (info.value.description or "")


def test_urlencoded_body_at_form_memory_limit_is_accepted() -> None:
    form, _ = parse_form_data(FakeRequest(b"big=" + b"x" * (500_000 - 4)))
    assert len(form["big"]) == 500_000 - 4


def test_urlencoded_limits_of_none_are_unlimited() -> None:
    body = b"&".join([b"a=" + b"x" * 1000] * 2000)
    request = FakeRequest(body, max_form_memory_size=None, max_form_parts=None)
    form, _ = parse_form_data(request)
    assert len(form.getlist("a")) == 2000


def test_body_over_max_content_length_is_413() -> None:
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(FakeRequest(b"a=12345", max_content_length=5))


def test_other_mimetypes_give_empty_dicts() -> None:
    for mimetype in ("application/json", "text/plain", ""):
        form, files = parse_form_data(FakeRequest(b'{"a": 1}', mimetype))
        assert list(form) == []
        assert list(files) == []


def test_form_and_files_are_immutable() -> None:
    form, files = parse_form_data(FakeRequest(b"a=1"))
    assert isinstance(form, ImmutableMultiDict)
    assert isinstance(files, ImmutableMultiDict)
    with pytest.raises(TypeError):
        form["b"] = "2"


# -- multipart/form-data: fields and files -------------------------------------


def test_multipart_fields_and_files(tmp_path: Path) -> None:
    body = (
        text_part("title", "Été".encode())
        + text_part("tag", b"a")
        + text_part("tag", b"")
        + file_part("doc", "notes.txt", b"line 1\r\nline 2\n", "text/plain; charset=utf-8")
        + end()
    )
    form, files = parse_multipart(body)
    assert form["title"] == "Été"
    assert form.getlist("tag") == ["a", ""]
    upload = files["doc"]
    assert "doc" not in form
    assert upload.name == "doc"
    assert upload.filename == "notes.txt"
    assert upload.content_type == "text/plain; charset=utf-8"
    assert upload.mimetype == "text/plain"
    assert upload.mimetype_params == {"charset": "utf-8"}
    assert upload.headers["Content-Disposition"] == 'form-data; name="doc"; filename="notes.txt"'
    assert upload
    upload.save(tmp_path / "saved.txt")
    assert (tmp_path / "saved.txt").read_bytes() == b"line 1\r\nline 2\n"
    upload.seek(0)
    buffer = io.BytesIO()
    upload.save(buffer)
    assert buffer.getvalue() == b"line 1\r\nline 2\n"
    upload.close()


def test_multipart_repeated_files_keep_their_order() -> None:
    body = file_part("f", "a.bin", b"A") + file_part("f", "b.bin", b"B") + end()
    _, files = parse_multipart(body)
    assert [(f.filename, f.read()) for f in files.getlist("f")] == [
        ("a.bin", b"A"),
        ("b.bin", b"B"),
    ]


def test_multipart_binary_file_content_is_exact() -> None:
    data = bytes(range(256)) * 100 + b"\r\n--not-the-boundary\r\n" + b"\r" * 10
    _, files = parse_multipart(file_part("f", "x.bin", data, "application/octet-stream") + end())
    assert files["f"].read() == data


def test_multipart_empty_filename_gives_a_falsy_upload() -> None:
    _, files = parse_multipart(file_part("f", "", b"") + end())
    assert files["f"].filename == ""
    assert not files["f"]


def test_multipart_field_uses_the_part_charset() -> None:
    body = text_part("name", "café".encode("latin-1"), "Content-Type: text/plain; charset=latin-1")
    body += text_part("other", b"\xff", "Content-Type: text/plain; charset=rot13")
    form, _ = parse_multipart(body + end())
    assert form["name"] == "café"
    assert form["other"] == "\ufffd"


def test_multipart_invalid_utf8_name_and_value_become_replacement_chars() -> None:
    raw_part = text_part("NAME", b"ok\xff").replace(b"NAME", b"bad\xff")
    form, _ = parse_multipart(raw_part + end())
    assert form["bad\ufffd"] == "ok\ufffd"


def test_multipart_preamble_newlines_and_epilogue_are_ignored() -> None:
    body = b"\r\n" * 1000 + text_part("a", b"1") + end() + b"epilogue" * 100_000
    form, _ = parse_multipart(body)
    assert form.to_dict() == {"a": "1"}


def test_multipart_empty_body_gives_empty_dicts() -> None:
    form, files = parse_multipart(b"")
    assert list(form) == []
    assert list(files) == []


def test_multipart_small_file_stays_in_memory() -> None:
    _, files = parse_multipart(file_part("f", "small.txt", b"x" * 1000) + end())
    assert isinstance(files["f"].stream, tempfile.SpooledTemporaryFile)
    assert not files["f"].stream._rolled
    files["f"].close()


def test_multipart_file_over_500kb_is_spooled_to_disk() -> None:
    data = os.urandom(SPOOL_MAX_SIZE + 100_000)
    _, files = parse_multipart(file_part("f", "big.bin", data, "application/octet-stream") + end())
    upload = files["f"]
    assert isinstance(upload.stream, tempfile.SpooledTemporaryFile)
    assert upload.stream._rolled
    assert not isinstance(upload.stream._file, io.BytesIO)
    assert upload.read() == data
    upload.close()


def test_multipart_file_is_not_limited_by_form_memory_size() -> None:
    data = b"x" * 600_000
    _, files = parse_multipart(file_part("f", "f.txt", data) + end(), max_form_memory_size=1000)
    assert files["f"].read() == data


def test_multipart_text_field_at_form_memory_limit_is_accepted() -> None:
    form, _ = parse_multipart(text_part("t", b"x" * 500_000) + end())
    assert len(form["t"]) == 500_000


def test_parse_form_data_is_thread_safe() -> None:
    def parse(i: int) -> tuple[str, bytes]:
        body = text_part("i", str(i).encode()) + file_part("f", f"{i}.bin", b"%d" % i * 50_000)
        form, files = parse_multipart(body + end())
        return form["i"], files["f"].read()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(parse, range(16)))
    assert results == [(str(i), b"%d" % i * 50_000) for i in range(16)]


# -- multipart/form-data: hostile input ----------------------------------------


def test_multipart_part_flood_is_413(
    created_spools: list[tempfile.SpooledTemporaryFile[bytes]],
) -> None:
    body = text_part("a", b"") * 10_000 + end()
    start = time.perf_counter()
    with pytest.raises(RequestEntityTooLarge) as info:
        parse_multipart(body)
    assert time.perf_counter() - start < 10
    assert "1000" in (info.value.description or "")


def test_multipart_file_flood_is_413_and_closes_spooled_files(
    created_spools: list[tempfile.SpooledTemporaryFile[bytes]],
) -> None:
    body = file_part("f", "a.txt", b"x") * 2000 + end()
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(body)
    assert len(created_spools) == 1000
    assert all(spool.closed for spool in created_spools)


def test_multipart_parts_up_to_max_form_parts_are_accepted() -> None:
    form, files = parse_multipart(
        text_part("a", b"1") * 500 + file_part("f", "x", b"") * 500 + end()
    )
    assert len(form.getlist("a")) == 500
    assert len(files.getlist("f")) == 500


def test_multipart_big_text_field_is_413(monkeypatch: pytest.MonkeyPatch) -> None:
    fed: list[int] = []

    class CountingParser(MultipartParser):
        def write(self, data: bytes) -> int:
            fed.append(len(data))
            return super().write(data)

    monkeypatch.setattr(formparser, "MultipartParser", CountingParser)
    body = text_part("big", b"x" * 100 * 1024 * 1024) + end()
    request = multipart_request(body, max_content_length=None)
    with pytest.raises(RequestEntityTooLarge) as info:
        parse_form_data(request)
    assert "500000 bytes" in (info.value.description or "")
    # Rejected as soon as the field passed the limit, not after reading the whole body.
    assert sum(fed) < 1024 * 1024


def test_multipart_part_headers_over_8kb_is_413() -> None:
    headers = [f"X-Pad-{i}: {'p' * 3000}" for i in range(3)]
    body = part('form-data; name="a"', b"1", *headers) + end()
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(body)


def test_multipart_single_huge_part_header_is_rejected() -> None:
    body = part(f'form-data; name="{"n" * 100_000}"', b"1") + end()
    with pytest.raises((BadRequest, RequestEntityTooLarge)) as info:
        parse_multipart(body)
    assert info.value.code in (400, 413)


@pytest.mark.parametrize("prefix", [b"\r", b"\n", b"\r\n", b"\r\n\r"])
def test_multipart_cr_prefixed_file_parses_in_linear_time(prefix: bytes) -> None:
    data = prefix + b"a" * (5 * 1024 * 1024)
    body = file_part("f", "cr.bin", data, "application/octet-stream") + end()
    start = time.perf_counter()
    _, files = parse_multipart(body)
    assert time.perf_counter() - start < 10
    assert files["f"].read() == data
    files["f"].close()


def test_multipart_cr_prefixed_text_field_parses_in_linear_time() -> None:
    data = b"\r" + b"a" * 400_000
    form, _ = parse_multipart(text_part("t", data) + end())
    assert form["t"] == data.decode()


def test_missing_boundary_is_400() -> None:
    request = FakeRequest(text_part("a", b"1") + end(), MULTIPART, {})
    with pytest.raises(BadRequest) as info:
        parse_form_data(request)
    assert info.value.code == 400
    assert "boundary" in (info.value.description or "")


@pytest.mark.parametrize("boundary", ["", "x" * 201, "ends-in-space ", "caf\xe9", "a\r\nb"])
def test_invalid_boundary_is_400(boundary: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_form_data(multipart_request(b"--x\r\n", boundary=boundary))
    assert "boundary" in (info.value.description or "")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b"garbage before the boundary\r\n" + text_part("a", b"1") + end(), id="preamble"
        ),
        pytest.param(b"--wrong-boundary\r\n\r\nx\r\n--wrong-boundary--\r\n", id="wrong-boundary"),
        pytest.param(text_part("a", b"1"), id="no-closing-boundary"),
        pytest.param(text_part("a", b"1")[:-10], id="truncated"),
        pytest.param(
            f"--{BOUNDARY}\r\nno colon here\r\n\r\nx\r\n".encode() + end(), id="bad-header"
        ),
        pytest.param(
            f"--{BOUNDARY}\r\n: empty\r\n\r\nx\r\n".encode() + end(), id="empty-header-name"
        ),
        pytest.param(f"--{BOUNDARY}\r\n\r\nx\r\n".encode() + end(), id="no-disposition"),
        pytest.param(part("form-data", b"x") + end(), id="no-name"),
        pytest.param(part('attachment; name="a"', b"x") + end(), id="not-form-data"),
        pytest.param(part('form-data; name="a"; name="b"', b"x") + end(), id="repeated-name"),
        pytest.param(part('form-data; name="a" junk; filename="b"', b"x") + end(), id="junk-param"),
        pytest.param(part('form-data; name="a"', b"x", "X-A: 1\nX-B: 2") + end(), id="bare-lf"),
        pytest.param(part('form-data; name="a"', b"x", *["X: 1"] * 20) + end(), id="many-headers"),
        pytest.param(f"--{BOUNDARY}\r\n".encode() * 3, id="only-boundaries"),
        pytest.param(f"--{BOUNDARY}x\r\n".encode(), id="boundary-suffix"),
    ],
)
def test_malformed_multipart_is_400(
    body: bytes, created_spools: list[tempfile.SpooledTemporaryFile[bytes]]
) -> None:
    with pytest.raises(BadRequest) as info:
        parse_multipart(body)
    assert info.value.code == 400
    assert info.value.description
    assert all(spool.closed for spool in created_spools)


def test_malformed_multipart_after_a_file_closes_it(
    created_spools: list[tempfile.SpooledTemporaryFile[bytes]],
) -> None:
    body = (
        file_part("f", "big.bin", b"x" * (SPOOL_MAX_SIZE + 1)) + f"--{BOUNDARY}\r\nbad\r\n".encode()
    )
    with pytest.raises(BadRequest):
        parse_multipart(body)
    assert len(created_spools) == 1
    assert created_spools[0].closed


# -- multipart/form-data: filenames --------------------------------------------


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "C:\\Users\\x\\passwd"],
)
def test_filename_with_traversal_is_kept_verbatim_and_never_touches_disk(
    filename: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "a" / "b"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    data = b"p" * (SPOOL_MAX_SIZE + 1)  # big enough to be spooled to a real file
    header_filename = filename.replace("\\", "\\\\")
    _, files = parse_multipart(file_part("f", header_filename, data) + end())
    upload = files["f"]
    assert upload.filename == filename
    assert upload.stream._rolled
    assert upload.read() == data
    upload.close()
    assert [name for _, _, names in os.walk(tmp_path) for name in names] == []
    assert sorted(os.listdir(tmp_path)) == ["a"]


def test_filename_backslashes_are_kept_as_sent() -> None:
    _, files = parse_multipart(file_part("f", "C:\\dir\\file.txt", b"x") + end())
    assert files["f"].filename == "C:\\dir\\file.txt"


def test_filename_escaped_quote_is_unescaped() -> None:
    _, files = parse_multipart(file_part("f", 'say \\"hi\\".txt', b"x") + end())
    assert files["f"].filename == 'say "hi".txt'


def test_filename_nul_is_stripped() -> None:
    _, files = parse_multipart(file_part("f", "evil.php\x00.jpg", b"x") + end())
    assert files["f"].filename == "evil.php.jpg"
    assert "\x00" not in files["f"].headers["Content-Disposition"]


def test_filename_star_nul_is_stripped() -> None:
    body = part("form-data; name=\"f\"; filename*=UTF-8''evil.php%00.jpg", b"x") + end()
    _, files = parse_multipart(body)
    assert files["f"].filename == "evil.php.jpg"


def test_filename_star_rfc5987_is_decoded_and_wins() -> None:
    body = (
        part(
            'form-data; name="f"; filename="rates.txt"; filename*=UTF-8\'\'%E2%82%AC%20rates.txt',
            b"x",
        )
        + part("form-data; name=\"g\"; filename*=iso-8859-1'en'caf%E9.txt", b"y")
        + part("form-data; name=\"h\"; filename*=UTF-8''%ff.txt", b"z")
        + end()
    )
    _, files = parse_multipart(body)
    assert files["f"].filename == "€ rates.txt"
    assert files["g"].filename == "café.txt"
    assert files["h"].filename == "\ufffd.txt"


def test_malformed_filename_star_falls_back_to_filename() -> None:
    body = part('form-data; name="f"; filename="plain.txt"; filename*=no-quotes', b"x") + end()
    _, files = parse_multipart(body)
    assert files["f"].filename == "plain.txt"


def test_raw_utf8_filename_is_decoded() -> None:
    _, files = parse_multipart(file_part("f", "résumé 履歴書.pdf", b"x") + end())
    assert files["f"].filename == "résumé 履歴書.pdf"


def test_name_star_does_not_override_the_field_name() -> None:
    body = part("form-data; name=\"real\"; name*=UTF-8''smuggled", b"v") + end()
    form, _ = parse_multipart(body)
    assert form.to_dict() == {"real": "v"}
