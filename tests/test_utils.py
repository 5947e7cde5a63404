from __future__ import annotations

import pytest

from asyncflask.utils import secure_filename


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("report-2024_final.v2.pdf", "report-2024_final.v2.pdf"),
        ("  spaced\tout\nname.txt  ", "spaced_out_name.txt"),
        ("__.hidden.__", "hidden"),
    ],
)
def test_secure_filename_documented_examples(filename: str, expected: str) -> None:
    assert secure_filename(filename) == expected


def test_secure_filename_replaces_both_path_separators() -> None:
    assert secure_filename("a/b/c.txt") == "a_b_c.txt"
    assert secure_filename("..\\..\\windows\\win.ini") == "windows_win.ini"
    assert secure_filename("C:\\Users\\me\\photo.jpg") == "C_Users_me_photo.jpg"


def test_secure_filename_drops_nul_and_control_characters() -> None:
    assert secure_filename("evil\x00.php.jpg") == "evil.php.jpg"
    assert secure_filename("a\x1b[31mred.txt") == "a31mred.txt"


def test_secure_filename_never_keeps_a_leading_dot() -> None:
    assert secure_filename(".htaccess") == "htaccess"
    assert secure_filename("...bashrc") == "bashrc"


@pytest.mark.parametrize("filename", ["", "..", "../..", "/", "\\", "...", "\u4e2d\u6587", " "])
def test_secure_filename_empty_result_stays_empty(filename: str) -> None:
    assert secure_filename(filename) == ""


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("CON", "_CON"),
        ("con", "_con"),
        ("con.txt", "_con.txt"),
        ("NUL.tar.gz", "_NUL.tar.gz"),
        ("prn.log", "_prn.log"),
        ("Aux", "_Aux"),
        ("COM1", "_COM1"),
        ("com9.txt", "_com9.txt"),
        ("LPT1.bin", "_LPT1.bin"),
        ("lpt9", "_lpt9"),
        ("COM\u00b9.txt", "_COM1.txt"),
        ("../NUL", "_NUL"),
    ],
)
def test_secure_filename_neutralises_windows_device_names_on_every_os(
    filename: str, expected: str
) -> None:
    assert secure_filename(filename) == expected


@pytest.mark.parametrize("filename", ["CONSOLE.txt", "nullable", "COM10", "LPT0", "my_con.txt"])
def test_secure_filename_leaves_names_that_only_resemble_devices(filename: str) -> None:
    assert secure_filename(filename) == filename


def test_secure_filename_rejects_bytes() -> None:
    with pytest.raises(TypeError, match="expects a str"):
        secure_filename(b"file.txt")  # type: ignore[arg-type]
