from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest

from asyncflask.datastructures import Headers
from asyncflask.files import SPOOL_MAX_SIZE, FileStorage, spooled_upload


def test_defaults_are_an_empty_nameless_file() -> None:
    upload = FileStorage()
    assert upload.read() == b""
    assert upload.filename is None
    assert upload.name is None
    assert not upload
    assert upload.content_type is None
    assert upload.content_length == 0
    assert upload.mimetype == ""
    assert upload.mimetype_params == {}


def test_content_type_and_length_arguments_become_headers() -> None:
    upload = FileStorage(
        io.BytesIO(b"x"),
        filename="a.txt",
        name="doc",
        content_type="Text/Plain; charset=utf-8",
        content_length=1,
    )
    assert upload.headers["Content-Type"] == "Text/Plain; charset=utf-8"
    assert upload.content_type == "Text/Plain; charset=utf-8"
    assert upload.mimetype == "text/plain"
    assert upload.mimetype_params == {"charset": "utf-8"}
    assert upload.content_length == 1
    assert upload.name == "doc"
    assert upload


def test_content_type_argument_replaces_the_header() -> None:
    headers = Headers([("Content-Type", "text/plain")])
    upload = FileStorage(headers=headers, content_type="image/png")
    assert upload.headers.getlist("Content-Type") == ["image/png"]


def test_malformed_content_length_header_reads_as_zero() -> None:
    upload = FileStorage(headers=Headers([("Content-Length", "12abc")]))
    assert upload.content_length == 0


def test_filename_defaults_to_the_stream_name(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n")
    with open(path, "rb") as file:
        assert FileStorage(file).filename == str(path)


def test_pseudo_and_anonymous_stream_names_are_not_filenames() -> None:
    stream = io.BytesIO()
    stream.name = "<stdin>"  # type: ignore[attr-defined]
    assert FileStorage(stream).filename is None
    spool = spooled_upload()
    spool.rollover()
    assert FileStorage(spool).filename is None
    spool.close()


def test_empty_filename_is_kept_and_falsy() -> None:
    upload = FileStorage(io.BytesIO(), filename="")
    assert upload.filename == ""
    assert not upload


def test_save_to_a_path_writes_and_closes(tmp_path: Path) -> None:
    upload = FileStorage(io.BytesIO(b"hello" * 10_000), filename="h.txt")
    target = tmp_path / "out.bin"
    upload.save(target)
    assert target.read_bytes() == b"hello" * 10_000
    upload.seek(0)
    upload.save(str(tmp_path / "out2.bin"), buffer_size=7)
    assert (tmp_path / "out2.bin").read_bytes() == b"hello" * 10_000


def test_save_to_a_binary_file_leaves_it_open() -> None:
    upload = FileStorage(io.BytesIO(b"data"))
    target = io.BytesIO()
    upload.save(target)
    assert not target.closed
    assert target.getvalue() == b"data"


def test_reading_delegates_to_the_stream() -> None:
    upload = FileStorage(io.BytesIO(b"one\ntwo\nthree\n"))
    assert upload.readline() == b"one\n"
    assert upload.tell() == 4
    assert list(upload) == [b"two\n", b"three\n"]
    assert upload.seek(0) == 0
    assert upload.read(3) == b"one"
    upload.seek(0)
    assert upload.readlines() == [b"one\n", b"two\n", b"three\n"]
    assert upload.readable()
    assert upload.seekable()


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = FileStorage().no_such_attribute


def test_copy_does_not_recurse() -> None:
    upload = FileStorage(io.BytesIO(b"x"), filename="x")
    assert copy.copy(upload).filename == "x"


def test_close_and_context_manager_close_the_stream() -> None:
    stream = io.BytesIO(b"x")
    FileStorage(stream).close()
    assert stream.closed
    stream = io.BytesIO(b"x")
    with FileStorage(stream) as upload:
        assert upload.read() == b"x"
    assert stream.closed


def test_repr_shows_filename_and_content_type() -> None:
    upload = FileStorage(filename="a.png", content_type="image/png")
    assert repr(upload) == "<FileStorage: 'a.png' ('image/png')>"


def test_spooled_upload_stays_in_memory_up_to_the_threshold() -> None:
    with spooled_upload() as spool:
        spool.write(b"x" * SPOOL_MAX_SIZE)
        assert not spool._rolled
        spool.write(b"x")
        assert spool._rolled
        spool.seek(0)
        assert len(spool.read()) == SPOOL_MAX_SIZE + 1
