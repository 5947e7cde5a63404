"""JSON providers: how an application turns values into JSON and back."""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
import weakref
from collections.abc import Callable
from datetime import date
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from typing import IO, TYPE_CHECKING, Any

from ..http import http_date

_decode = json.JSONDecoder().decode

if TYPE_CHECKING:
    from ..app import Flask
    from ..wrappers import Response


class JSONProvider:
    """Base class for an application's JSON behaviour; set ``app.json = MyProvider(app)``.

    Subclasses implement ``dumps`` and ``loads``; ``response`` builds a JSON response.
    """

    mimetype = "application/json"

    def __init__(self, app: Flask) -> None:
        self._app: weakref.ref[Flask] = weakref.ref(app)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise TypeError(f"{type(self).__name__} must implement dumps()")

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        """Serialize ``obj`` to a text file."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialize a JSON string or bytes."""
        raise TypeError(f"{type(self).__name__} must implement loads()")

    def load(self, fp: IO[Any], **kwargs: Any) -> Any:
        """Deserialize JSON read from a file."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args and kwargs:
            raise TypeError(
                "jsonify() takes either args or kwargs: passing both args and kwargs is undefined."
            )
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A response whose body is the JSON of the arguments (as ``jsonify`` takes them)."""
        obj = self._prepare_response_obj(args, kwargs)
        app = self._app()
        if app is None:
            raise RuntimeError("The application of this JSON provider no longer exists.")
        return app.response_class(f"{self.dumps(obj)}\n", mimetype=self.mimetype)


def _default(o: Any) -> Any:
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class DefaultJSONProvider(JSONProvider):
    """JSON with the standard library, the way Flask does it.

    ``date``/``datetime`` become HTTP dates, ``UUID`` and ``Decimal`` strings,
    dataclasses dicts, objects with ``__html__`` their markup. Output is compact
    unless the app is in debug mode, keys are sorted, non-ASCII is escaped.
    """

    default = staticmethod(_default)
    ensure_ascii = True
    sort_keys = True
    compact: bool | None = None

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self._encoders: dict[tuple[Any, ...], Callable[[Any], str]] = {}

    def _encoder(
        self, indent: int | None, separators: tuple[str, str] | None
    ) -> Callable[[Any], str]:
        # json.dumps() builds a new encoder on every call that passes options; keep one
        # per setting. Compact output goes straight to the C encoder, which skips the
        # per-call setup JSONEncoder.encode() does.
        key = (self.default, self.ensure_ascii, self.sort_keys, indent, separators)
        encode = self._encoders.get(key)
        if encode is None:
            encode = self._encoders[key] = self._make_encoder(indent, separators)
        return encode

    def _make_encoder(
        self, indent: int | None, separators: tuple[str, str] | None
    ) -> Callable[[Any], str]:
        encoder = json.JSONEncoder(
            default=self.default,
            ensure_ascii=self.ensure_ascii,
            sort_keys=self.sort_keys,
            indent=indent,
            separators=separators,
        )
        if c_make_encoder is None or indent is not None:
            return encoder.encode
        c_encode = c_make_encoder(
            None,
            self.default,
            encode_basestring_ascii if self.ensure_ascii else encode_basestring,
            None,
            encoder.key_separator,
            encoder.item_separator,
            self.sort_keys,
            False,
            True,
        )

        def encode(obj: Any) -> str:
            try:
                return "".join(c_encode(obj, 0))
            except RecursionError:
                raise ValueError(
                    "Circular reference detected, or the data is nested too deeply."
                ) from None

        return encode

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` with this provider's settings (keyword arguments override them)."""
        if not kwargs:
            return self._encoder(None, None)(obj)
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialize with ``json.loads``."""
        if not kwargs and type(s) is bytes and len(s) > 1 and 0 < s[0] < 0x80 and s[1]:
            # What json.loads() would detect for these first bytes (no BOM, no zero
            # bytes of UTF-16/32), minus the detection itself.
            return _decode(s.decode("utf-8", "surrogatepass"))
        return json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response; indented in debug mode, compact otherwise."""
        obj = args[0] if len(args) == 1 and not kwargs else self._prepare_response_obj(args, kwargs)
        app = self._app()
        if app is None:
            raise RuntimeError("The application of this JSON provider no longer exists.")
        compact = self.compact
        if compact is False or (compact is None and app.debug):
            indent: int | None = 2
            separators: tuple[str, str] | None = None
        else:
            encode = self._compact_encode
            if encode is not None:
                return app.response_class(f"{encode(obj)}\n", mimetype=self.mimetype)
            indent, separators = None, (",", ":")
        if type(self).dumps is DefaultJSONProvider.dumps:
            encode = self._encoder(indent, separators)
            if indent is None:
                self._compact_encode = encode
            text = encode(obj)
        else:
            text = self.dumps(obj, indent=indent, separators=separators)
        return app.response_class(f"{text}\n", mimetype=self.mimetype)

    #: The compact encoder for the current settings, kept while they do not change.
    _compact_encode: Callable[[Any], str] | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in _ENCODER_SETTINGS:
            self.__dict__.pop("_compact_encode", None)


_ENCODER_SETTINGS = frozenset({"default", "ensure_ascii", "sort_keys", "dumps"})


__all__ = ["DefaultJSONProvider", "JSONProvider"]
