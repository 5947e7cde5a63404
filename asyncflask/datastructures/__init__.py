"""Request and response data structures: multi-value dicts, headers, Accept headers."""

from __future__ import annotations

from .headers import (
    Accept,
    CallbackDict,
    CharsetAccept,
    CombinedMultiDict,
    Headers,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    UserAgent,
)

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
