"""Request and response data structures: multi-value dicts, headers, Accept headers.

Each structure has a module of its own (``multidict``, ``headers``, ``accept``,
``user_agent``, ``callback_dict``); import the names from this package.
"""

from __future__ import annotations

from .accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from .callback_dict import CallbackDict
from .headers import Headers

# The header validators stay importable from the package path, as before the split.
from .headers import _header_name as _header_name
from .headers import _header_value as _header_value
from .multidict import CombinedMultiDict, ImmutableMultiDict, MultiDict
from .user_agent import UserAgent

__all__ = [
    "Accept",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "Headers",
    "ImmutableMultiDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "UserAgent",
]
