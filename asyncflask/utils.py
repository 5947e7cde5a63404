"""Filename helpers for user uploads (Werkzeug's ``werkzeug.utils`` counterparts)."""

from __future__ import annotations

import re
import unicodedata

from .security import _is_windows_device_name

_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def secure_filename(filename: str) -> str:
    """Return a version of ``filename`` that is safe to store on any file system.

    The name is folded to ASCII (``"Ümlaut"`` becomes ``"Umlaut"``), path separators
    (``/`` and ``\\``) and whitespace become ``_``, every character other than
    ``A-Z a-z 0-9 _ . -`` is dropped and leading or trailing ``.``/``_`` are stripped,
    so ``"../../../etc/passwd"`` becomes ``"etc_passwd"``. A Windows device name
    (``CON``, ``NUL``, ``COM1``, ... also with an extension, as in ``"con.txt"``) gets
    a ``_`` prefix on every OS, so files saved here can be copied to Windows safely.

    The result may be empty (``secure_filename("../..") == ""``): generate a name of
    your own then. Two uploads may also map to the same name, so check for existing
    files before saving.
    """
    if not isinstance(filename, str):
        raise TypeError(f"secure_filename() expects a str, not {type(filename).__name__}.")
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    spaced = ascii_name.replace("/", " ").replace("\\", " ")
    cleaned = _UNSAFE_FILENAME_CHARS.sub("", "_".join(spaced.split())).strip("._")
    if cleaned and _is_windows_device_name(cleaned):
        cleaned = f"_{cleaned}"
    return cleaned


__all__ = ["secure_filename"]
