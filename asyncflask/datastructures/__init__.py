"""Request and response data structures: multi-value dicts, headers, Accept headers.

Each structure has a module of its own (``multidict``, ``headers``, ``accept``,
``auth``, ``user_agent``, ``callback_dict``); import the names from this package.
:class:`FileStorage`, the type of ``request.files`` values, lives in
:mod:`asyncflask.files` and is importable from here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from .auth import Authorization
from .callback_dict import CallbackDict
from .headers import Headers

# The header validators stay importable from the package path, as before the split.
from .headers import _header_name as _header_name
from .headers import _header_value as _header_value
from .multidict import CombinedMultiDict, ImmutableMultiDict, MultiDict
from .user_agent import UserAgent

if TYPE_CHECKING:
    from asyncflask.files import FileStorage

__all__ = [
    "Accept",
    "Authorization",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "FileStorage",
    "Headers",
    "ImmutableMultiDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "UserAgent",
]


def __getattr__(name: str) -> Any:
    # asyncflask.files imports Headers from this package, so FileStorage is imported on
    # first use: importing it above would fail whenever asyncflask.files is imported first.
    if name == "FileStorage":
        from asyncflask.files import FileStorage

        return FileStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
