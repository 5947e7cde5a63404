from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

import pytest

from asyncflask.security import (
    DEFAULT_PBKDF2_ITERATIONS,
    SALT_CHARS,
    check_password_hash,
    gen_salt,
    generate_password_hash,
    safe_join,
)

# Generated once with Werkzeug 3.1.8's generate_password_hash.
WERKZEUG_HASHES = [
    (
        "correct horse battery staple",
        "scrypt:32768:8:1$KLH2W26t8WgYreEr$426d464f141ed5827e3f2dd47f0966ba074b731f4326abfd59b7"
        "3c34fc58d1d9d079365732073ee2c43f1d13bd3c570bc2651a235402faf13745a7199885dab9",
    ),
    (
        "p\xe4ssw\xf6rd \u2713",
        "scrypt:16384:8:1$cgrzzC9zjSrPbSBz$293a9d2ceaea6256bd66bc267c49fa9faf1cb5ab1967779b5491"
        "2f99cd12a8bcb971f1644ca7594b4fe54d423863fb99b561d84e2d7adad3b754bedffb68f98c",
    ),
    (
        "hunter2",
        "pbkdf2:sha256:600000$bWx2MNHcCITrMSXU$b18b471518a40bea86a42ca266c60275caa7621a830a3b093b"
        "77c2792f8b2d76",
    ),
    (
        "hunter2",
        "pbkdf2:sha512:1000$0cAwHi9r$be44bfd81b5757c1e1d714cf122d6602520635a4ebbc60f9c77b8db8d8e4"
        "4a929d8771686f6b372875f6fddcf9bcadfd30d1d5b1ea5fde97326273a8d8a90d2b",
    ),
    (
        "",
        "pbkdf2:sha256:1000$ftfTTm96HPngsDOx$e590b9b4c433fdcae0457f8fc2887158bb101c7cc5a781c946b8"
        "1c862b2f0cb5",
    ),
]


# -- password hashing ----------------------------------------------------------


@pytest.mark.parametrize(("password", "pwhash"), WERKZEUG_HASHES)
def test_hashes_made_by_werkzeug_verify(password: str, pwhash: str) -> None:
    assert check_password_hash(pwhash, password)
    assert not check_password_hash(pwhash, password + "x")


def test_default_method_is_scrypt_in_werkzeugs_format() -> None:
    pwhash = generate_password_hash("secret")
    assert re.fullmatch(r"scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}", pwhash)
    assert check_password_hash(pwhash, "secret")
    assert not check_password_hash(pwhash, "Secret")


def test_pbkdf2_defaults_to_sha256_and_600000_iterations() -> None:
    assert DEFAULT_PBKDF2_ITERATIONS == 600_000
    pwhash = generate_password_hash("secret", method="pbkdf2")
    assert re.fullmatch(r"pbkdf2:sha256:600000\$[A-Za-z0-9]{16}\$[0-9a-f]{64}", pwhash)
    assert check_password_hash(pwhash, "secret")


@pytest.mark.parametrize(
    ("method", "prefix"),
    [
        ("scrypt:1024:8:1", "scrypt:1024:8:1$"),
        ("pbkdf2:sha512:1000", "pbkdf2:sha512:1000$"),
        ("pbkdf2:sha1:10", "pbkdf2:sha1:10$"),
    ],
)
def test_explicit_parameters_are_recorded_in_the_hash(method: str, prefix: str) -> None:
    pwhash = generate_password_hash("p\xe4ss", method=method)
    assert pwhash.startswith(prefix)
    assert check_password_hash(pwhash, "p\xe4ss")
    assert not check_password_hash(pwhash, "pass")


def test_each_hash_gets_its_own_salt_of_the_requested_length() -> None:
    first = generate_password_hash("same", method="pbkdf2:sha256:10", salt_length=24)
    second = generate_password_hash("same", method="pbkdf2:sha256:10", salt_length=24)
    assert first != second
    assert len(first.split("$")[1]) == 24


def test_gen_salt_uses_letters_and_digits() -> None:
    salt = gen_salt(500)
    assert len(salt) == 500
    assert set(salt) <= set(SALT_CHARS)
    assert set(SALT_CHARS) == set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@pytest.mark.parametrize("length", [0, -1])
def test_salt_length_below_one_is_a_value_error(length: int) -> None:
    with pytest.raises(ValueError, match="salt length"):
        generate_password_hash("x", salt_length=length)


@pytest.mark.parametrize(
    "method",
    [
        "md5",
        "plain",
        "scrypt:1000:8:1",
        "scrypt:1024:8",
        "scrypt:0:8:1",
        "scrypt:1024:0:1",
        "scrypt:a:b:c",
        "pbkdf2:sha256:0",
        "pbkdf2:sha256:-5",
        "pbkdf2:sha256:10:extra",
        "pbkdf2:nope:10",
    ],
)
def test_unknown_or_invalid_method_is_a_value_error(method: str) -> None:
    with pytest.raises(ValueError):
        generate_password_hash("x", method=method)


def test_scrypt_needing_over_2_gib_is_a_value_error_before_hashing() -> None:
    with pytest.raises(ValueError, match="2 GiB"):
        generate_password_hash("x", method="scrypt:16777216:8:1")


def test_password_must_be_text() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        generate_password_hash(b"secret")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a str"):
        check_password_hash(WERKZEUG_HASHES[4][1], None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pwhash",
    [
        "",
        "nonsense",
        "pbkdf2:sha256:1000",
        "pbkdf2:sha256:1000$onlysalt",
        "md5$salt$1bc29b36f623ba82aaf6724fd3b16718",
        "plain$$secret",
        "pbkdf2:nope:1000$salt$00",
        "pbkdf2:sha256:zero$salt$00",
        "pbkdf2:sha256:0$salt$00",
        "pbkdf2:sha256:1:2:3$salt$00",
        "pbkdf2:sha256:1000$salt$\xfc\xfc\xfc",
        "pbkdf2:sha256\x00:1000$salt$00",
        "scrypt:3:8:1$salt$00",
        "scrypt:1024:8$salt$00",
        "scrypt:99999999999999999999999:8:1$salt$00",
        "scrypt:1099511627776:8:1$salt$00",
        "scrypt:-1024:8:1$salt$00",
    ],
)
def test_garbled_or_unknown_hash_is_false_not_an_error(pwhash: str) -> None:
    assert check_password_hash(pwhash, "secret") is False


def test_missing_stored_hash_is_false() -> None:
    assert check_password_hash(None, "secret") is False  # type: ignore[arg-type]


def test_truncated_digest_does_not_match() -> None:
    password, pwhash = WERKZEUG_HASHES[3]
    assert not check_password_hash(pwhash[:-2], password)
    assert not check_password_hash(pwhash + "00", password)


# -- safe_join ---------------------------------------------------------------


def test_safe_join_joins_below_the_directory() -> None:
    assert safe_join("static", "css/site.css") == "static/css/site.css"
    assert safe_join("/srv/static", "a", "b.txt") == "/srv/static/a/b.txt"
    assert safe_join("/srv/static", "a/./b/../c.txt") == "/srv/static/a/c.txt"
    assert safe_join("/srv/static", "a", "", "b") == "/srv/static/a/b"


def test_safe_join_accepts_a_pathlike_directory(tmp_path: Path) -> None:
    assert safe_join(tmp_path, "a.txt") == posixpath.join(os.fspath(tmp_path), "a.txt")


def test_safe_join_with_empty_directory_stays_relative() -> None:
    assert safe_join("", "a.txt") == "./a.txt"
    assert safe_join("", "/etc/passwd") is None
    assert safe_join("", "C:secret.txt") is None
    assert safe_join("", "C:/Windows/win.ini") is None


def test_percent_encoding_is_not_decoded_here() -> None:
    # The router decodes the URL before views call safe_join, so "%2e%2e" here is a file name.
    assert safe_join("static", "%2e%2e") == "static/%2e%2e"
    assert safe_join("static", "%2e%2e/%2e%2e/etc/passwd") == "static/%2e%2e/%2e%2e/etc/passwd"
    assert safe_join("static", "..%2fsecret") == "static/..%2fsecret"


@pytest.mark.parametrize(
    "pathname",
    [
        "..",
        "../",
        "../secret.txt",
        "../../etc/passwd",
        "a/../../secret.txt",
        "a/b/../../../secret.txt",
        "./../secret.txt",
        "../static_disallow/secret.txt",
        "../static1.txt",
    ],
)
def test_parent_traversal_is_none(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) is None


@pytest.mark.parametrize(
    "pathname",
    ["/etc/passwd", "/", "//host/share/file", "//host/share", "///etc/passwd"],
)
def test_absolute_and_unc_paths_are_none(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) is None


@pytest.mark.parametrize(
    "pathname",
    [
        "..\\secret.txt",
        "a\\..\\..\\secret.txt",
        "\\\\host\\share\\file",
        "\\etc\\passwd",
        "a\\b.txt",
    ],
)
def test_backslashes_are_none_on_every_os(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) is None


@pytest.mark.parametrize(
    "pathname",
    ["C:", "C:/Windows/win.ini", "c:\\windows", "C:secret.txt", "a/D:/x", "a.txt::$DATA"],
)
def test_drive_letters_and_streams_are_none_on_every_os(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) is None


@pytest.mark.parametrize("pathname", ["a\x00.txt", "\x00", "a/\x00/b"])
def test_nul_is_none(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) is None


@pytest.mark.parametrize(
    "pathname",
    [
        "CON",
        "nul",
        "NUL.txt",
        "con.txt",
        "aux.tar.gz",
        "PRN",
        "COM1",
        "com9.log",
        "LPT1",
        "lpt3.txt",
        "COM\u00b9",
        "CONIN$",
        "conout$.txt",
        "NUL ",
        "CON .txt",
        "example/NUL",
        "example/con.txt",
        "a/b/aux/c.txt",
    ],
)
def test_windows_device_names_are_none_on_every_os(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) is None


@pytest.mark.parametrize("pathname", [".. ", "...", "a/.. /b", " "])
def test_names_windows_trims_to_dots_are_none(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) is None


def test_each_unsafe_argument_makes_the_whole_join_none() -> None:
    assert safe_join("/srv/static", "ok", "../x") is None
    assert safe_join("/srv/static", "a", "/etc") is None
    assert safe_join("/srv/static", "a", "NUL") is None


@pytest.mark.parametrize("pathname", ["CONSOLE.txt", "nullable", "COM10", "my.con", "a..b"])
def test_names_that_only_resemble_devices_or_dots_are_allowed(pathname: str) -> None:
    assert safe_join("/srv/static", pathname) == f"/srv/static/{pathname}"


def test_sibling_directory_with_same_prefix_is_unreachable(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.txt").write_text("ok")
    disallowed = tmp_path / "static_disallow"
    disallowed.mkdir()
    (disallowed / "secret.txt").write_text("secret")
    (tmp_path / "static1.txt").write_text("secret")

    assert safe_join(str(static), "../static_disallow/secret.txt") is None
    assert safe_join(str(static), "../static1.txt") is None
    assert safe_join(str(static), "..", "static_disallow", "secret.txt") is None
    joined = safe_join(str(static), "ok.txt")
    assert joined is not None
    assert Path(joined).read_text() == "ok"


def test_pathnames_must_be_text() -> None:
    with pytest.raises(TypeError, match="str path names"):
        safe_join("static", b"a.txt")  # type: ignore[arg-type]
