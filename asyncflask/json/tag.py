"""Tagged JSON: compact JSON that round-trips the Python types sessions hold.

:class:`TaggedJSONSerializer` stores tuple, bytes, Markup, UUID and datetime values as
one-item objects keyed by a tag (``{" t": [...]}``) and restores them on loading. The
default session interface uses it; the format is Flask's, so session cookies survive a
migration. Subclass :class:`JSONTag` and register it to store another type.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from markupsafe import Markup

from ..http import http_date, parse_date

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagAlreadyRegistered",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class TagAlreadyRegistered(KeyError, ValueError):
    """A tag key registered twice without ``force=True``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class JSONTag:
    """How :class:`TaggedJSONSerializer` stores one Python type in JSON.

    A tagged value is stored as ``{key: to_json(value)}``; on loading, a
    one-item object whose key is a registered tag becomes ``to_python(data)``.
    Subclass it and call :meth:`TaggedJSONSerializer.register` to add a type.
    """

    #: The tag, e.g. ``" t"``. The leading space keeps it apart from ordinary keys.
    #: An empty key means the value is only transformed, never wrapped.
    key: ClassVar[str] = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    # Not abstract methods: as in Flask, a tag class may be instantiated before (or
    # without) implementing all three; a missing one fails when it is called.

    def check(self, value: Any) -> bool:
        """Whether this tag handles ``value`` (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement check().")

    def to_json(self, value: Any) -> Any:
        """Turn ``value`` into JSON-compatible data without the tag (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_json().")

    def to_python(self, value: Any) -> Any:
        """Turn the data :meth:`to_json` produced back into the value (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_python().")

    def tag(self, value: Any) -> Any:
        """Return ``value`` as tagged JSON-compatible data."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-item dict whose key looks like a tag, so loading cannot mistake it for one."""

    key = " di"

    def check(self, value: Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: Any) -> Any:
        (key, item), *_ = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: Any) -> Any:
        (key, item), *_ = value.items()
        return {key[:-2]: item}


class PassDict(JSONTag):
    """Any other dict: its values are tagged, the dict itself is not."""

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: Any) -> Any:
        return {key: self.serializer.tag(item) for key, item in value.items()}

    def to_python(self, value: Any) -> Any:
        return value

    tag = to_json


class TagTuple(JSONTag):
    """A tuple, stored as a list of tagged items."""

    key = " t"

    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: its items are tagged, the list itself is not."""

    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return value

    tag = to_json


class TagBytes(JSONTag):
    """Bytes, stored as base64."""

    key = " b"

    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: Any) -> Any:
        return b64decode(value, validate=True)


class TagMarkup(JSONTag):
    """Anything with ``__html__`` (such as :class:`~markupsafe.Markup`), loaded as Markup."""

    key = " m"

    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    def to_python(self, value: Any) -> Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A :class:`~uuid.UUID`, stored as its hex string."""

    key = " u"

    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: Any) -> Any:
        return value.hex

    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime, stored as an HTTP date (whole seconds, UTC; naive means UTC)."""

    key = " d"

    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return http_date(value)

    def to_python(self, value: Any) -> Any:
        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not an HTTP date.")
        return parsed


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(
        f"Object of type {type(value).__name__} cannot be stored in the session. Store"
        " JSON values (str, int, float, bool, None, list, dict) or a tuple, bytes,"
        " Markup, UUID or datetime, or register a JSONTag for it."
    )


class TaggedJSONSerializer:
    """Compact JSON that round-trips the types sessions commonly hold.

    Besides JSON's own types it keeps tuple, bytes, Markup, UUID and datetime
    values, and dicts whose only key looks like a tag. Dates become HTTP date
    strings and Decimals strings.
    """

    #: Tag classes registered on every new serializer, tried in this order.
    default_tags: ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        for tag_class in self.default_tags:
            self.register(tag_class)
        # json.dumps()/loads() with options build a new encoder or decoder per call.
        self._encode = json.JSONEncoder(separators=(",", ":"), default=_json_default).encode
        self._decode = json.JSONDecoder(object_hook=self.untag).decode

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag. ``index`` places it in the checking order (default: last).

        A key that is already registered raises ``TagAlreadyRegistered`` (a ``KeyError``,
        as in Flask, and a ``ValueError``) unless ``force`` is true.
        """
        tag = tag_class(self)
        if tag.key:
            if tag.key in self.tags and not force:
                raise TagAlreadyRegistered(
                    f"The tag {tag.key!r} is already registered; pass force=True to replace it."
                )
            self.tags[tag.key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: Any) -> Any:
        """Return ``value`` as JSON-compatible data, tagging the types that need it."""
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, Any]) -> Any:
        """Turn one decoded JSON object back into the value it tags (if it is a tag)."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def dumps(self, value: Any) -> str:
        """Serialize ``value`` to a compact JSON string."""
        return self._encode(self.tag(value))

    def loads(self, value: str | bytes) -> Any:
        """Load a string made by :meth:`dumps`, restoring the tagged types."""
        if isinstance(value, str):
            return self._decode(value)
        return json.loads(value, object_hook=self.untag)
