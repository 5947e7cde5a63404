"""Password hashing and safe path joining (Werkzeug's ``werkzeug.security`` counterparts).

Password hashes use Werkzeug's format, ``method$salt$hexhash``, so hashes stored by a
Flask application keep verifying after the move to asyncflask, and the other way round.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import posixpath
import re
import secrets
import string

SALT_CHARS = string.ascii_letters + string.digits
DEFAULT_PBKDF2_ITERATIONS = 600_000
_DEFAULT_SCRYPT_PARAMS = (2**15, 8, 1)

# hashlib.scrypt accepts at most this ``maxmem``.
_MAX_SCRYPT_MEMORY = 2**31 - 1

# Names Windows maps to devices in every directory, whatever the extension
# (https://learn.microsoft.com/windows/win32/fileio/naming-a-file).
_WINDOWS_DEVICE_NAMES = frozenset(
    {
        "AUX",
        "CON",
        "CONIN$",
        "CONOUT$",
        "NUL",
        "PRN",
        *(f"COM{digit}" for digit in "123456789\u00b9\u00b2\u00b3"),
        *(f"LPT{digit}" for digit in "123456789\u00b9\u00b2\u00b3"),
    }
)
_DIGITS_RE = re.compile(r"[0-9]{1,10}")


def _is_windows_device_name(segment: str) -> bool:
    """Whether Windows would open a device for this path segment (``NUL``, ``con.txt``, ...)."""
    return segment.partition(".")[0].strip().upper() in _WINDOWS_DEVICE_NAMES


# -- password hashing --------------------------------------------------------


def gen_salt(length: int) -> str:
    """A random salt of ``length`` letters and digits, from :mod:`secrets`."""
    if length < 1:
        raise ValueError(f"The salt length must be at least 1, got {length}.")
    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def _parse_int(text: str, what: str) -> int:
    if _DIGITS_RE.fullmatch(text) is None:
        raise ValueError(f"{what} must be a positive integer, got {text!r}.")
    return int(text)


def _scrypt(password: bytes, salt: bytes, args: list[str]) -> tuple[str, str]:
    if not args:
        n, r, p = _DEFAULT_SCRYPT_PARAMS
    elif len(args) == 3:
        n, r, p = (_parse_int(arg, "Each of scrypt's n, r and p") for arg in args)
    else:
        raise ValueError("Use 'scrypt' or 'scrypt:<n>:<r>:<p>', e.g. 'scrypt:32768:8:1'.")
    if n < 2 or n & (n - 1) or r < 1 or p < 1:
        raise ValueError("scrypt's n must be a power of 2 above 1, and r and p at least 1.")
    memory = 128 * r * (n + p + 2)
    if memory > _MAX_SCRYPT_MEMORY:
        raise ValueError(f"scrypt:{n}:{r}:{p} needs more than 2 GiB of memory; lower n or r.")
    digest = hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=memory)
    return f"scrypt:{n}:{r}:{p}", digest.hex()


def _pbkdf2(password: bytes, salt: bytes, args: list[str]) -> tuple[str, str]:
    if len(args) > 2:
        raise ValueError("Use 'pbkdf2', 'pbkdf2:<hash>' or 'pbkdf2:<hash>:<iterations>'.")
    hash_name = args[0] if args else "sha256"
    iterations = DEFAULT_PBKDF2_ITERATIONS
    if len(args) == 2:
        iterations = _parse_int(args[1], "pbkdf2's iterations")
    if iterations < 1:
        raise ValueError("pbkdf2's iterations must be at least 1.")
    digest = hashlib.pbkdf2_hmac(hash_name, password, salt, iterations)
    return f"pbkdf2:{hash_name}:{iterations}", digest.hex()


def _hash_password(method: str, salt: str, password: str) -> tuple[str, str]:
    """The full method string and the hex digest of ``password`` under ``method``."""
    name, *args = method.split(":")
    if name == "scrypt":
        return _scrypt(password.encode(), salt.encode(), args)
    if name == "pbkdf2":
        return _pbkdf2(password.encode(), salt.encode(), args)
    raise ValueError(f"Unknown password hash method {name!r}; use 'scrypt' or 'pbkdf2'.")


def generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """Hash ``password`` for storage; check it later with :func:`check_password_hash`.

    ``method`` is ``"scrypt"`` (the default, ``scrypt:32768:8:1``) or
    ``"scrypt:<n>:<r>:<p>"``, or ``"pbkdf2"`` (``pbkdf2:sha256:600000``) or
    ``"pbkdf2:<hash>[:<iterations>]"``. The result reads
    ``scrypt:32768:8:1$<salt>$<hex digest>``, the format Werkzeug uses.
    """
    if not isinstance(password, str):
        raise TypeError(f"The password must be a str, not {type(password).__name__}.")
    salt = gen_salt(salt_length)
    full_method, digest = _hash_password(method, salt, password)
    return f"{full_method}${salt}${digest}"


def check_password_hash(pwhash: str, password: str) -> bool:
    """Whether ``password`` matches ``pwhash`` from :func:`generate_password_hash`.

    The comparison takes constant time. A hash that is malformed or uses an unknown
    method never matches (the result is ``False``, not an exception).
    """
    if not isinstance(password, str):
        raise TypeError(f"The password must be a str, not {type(password).__name__}.")
    if not isinstance(pwhash, str):
        return False
    method, sep1, rest = pwhash.partition("$")
    salt, sep2, expected = rest.partition("$")
    if not (sep1 and sep2):
        return False
    try:
        _, actual = _hash_password(method, salt, password)
    except (ValueError, OverflowError):
        return False
    # Compare bytes: compare_digest refuses str holding non-ASCII characters.
    return hmac.compare_digest(actual.encode(), expected.encode("utf-8", "replace"))


# -- paths -------------------------------------------------------------------


def _is_unsafe_segment(segment: str) -> bool:
    return (
        # "..", and names Windows trims to it (".. ", "...").
        (segment != "." and not segment.strip(". "))
        # A colon names a drive ("C:") or an NTFS alternate data stream ("a.txt::$DATA").
        or ":" in segment
        or _is_windows_device_name(segment)
    )


def safe_join(directory: str | os.PathLike[str], *pathnames: str) -> str | None:
    """Join untrusted ``pathnames`` below ``directory``, or return ``None`` if unsafe.

    The pathnames are URL paths with ``/`` separators, already percent-decoded (the
    router decodes the URL first, so ``%2e%2e`` arriving here is a literal file name).
    ``None`` is returned for anything that could leave ``directory`` or reach a special
    file, on every OS: absolute paths, ``..`` that climbs out, backslashes, NUL, a colon
    (drive letters such as ``C:``, NTFS streams) and Windows device names in any
    segment (``NUL``, ``example/con.txt``). An empty ``directory`` means ``.``.
    """
    base = os.fspath(directory) or "."
    parts = [base]
    for pathname in pathnames:
        if not isinstance(pathname, str):
            raise TypeError(f"safe_join() expects str path names, not {type(pathname).__name__}.")
        if not pathname:
            continue
        if "\\" in pathname or "\x00" in pathname or pathname.startswith("/"):
            return None
        normalized = posixpath.normpath(pathname)
        if any(_is_unsafe_segment(segment) for segment in normalized.split("/")):
            return None
        parts.append(normalized)
    joined = posixpath.join(*parts)
    # Containment by whole path components, never by string prefix: "static" must not
    # admit "static_disallow".
    root = os.path.abspath(base)
    try:
        if os.path.commonpath([root, os.path.abspath(joined)]) != root:
            return None
    except ValueError:
        return None
    return joined


__all__ = [
    "DEFAULT_PBKDF2_ITERATIONS",
    "SALT_CHARS",
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "safe_join",
]
