"""URL converters: what a ``<name>`` placeholder matches and how its value is read and written.

A converter's ``regex`` decides what text a placeholder matches; ``to_python`` turns that text
into the value a view receives (raising :class:`ValidationError` makes the rule not match);
``to_url`` turns a value back into URL text when building. Register custom converters with
``app.url_map.converters["name"] = MyConverter`` before adding rules that use them.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

if TYPE_CHECKING:
    from .map import Map

#: The ``int`` converter's regex.
DIGITS = "[0-9]+"
# Characters left as they are in a path segment (RFC 3986 sub-delims, ":" and "@").
_SEGMENT_SAFE = "!$&'()*+,:;=@"


class ValidationError(ValueError):
    """Raised by ``BaseConverter.to_python`` when the matched text is not acceptable.

    The router then treats the rule as not matching and tries the next one (or answers 404).
    """


class BaseConverter:
    """Base class for converters; subclass it to add your own.

    ``regex`` is matched against the URL text (a single path segment unless ``part_isolating``
    is false), ``weight`` orders rules that could both match (lower goes first).
    """

    regex: str = "[^/]+"
    weight: int = 100
    part_isolating: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass whose own regex can match a slash spans segments unless it says otherwise.
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        """Turn the matched URL text into the value passed to the view."""
        return value

    def to_url(self, value: Any) -> str:
        """Turn a value into URL text; ``/`` and other reserved characters are percent-quoted."""
        return quote(str(value), safe=_SEGMENT_SAFE)


class UnicodeConverter(BaseConverter):
    """The default converter: any text without a slash.

    ``<string(minlength=2, maxlength=8):code>`` bounds the length; ``length`` fixes it.
    """

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            bounds = f"{{{_non_negative('length', length)}}}"
        else:
            low = _non_negative("minlength", minlength)
            high = "" if maxlength is None else str(_non_negative("maxlength", maxlength))
            if high and int(high) < low:
                raise ValueError(f"maxlength ({high}) must not be smaller than minlength ({low})")
            bounds = "+" if low == 1 and not high else f"{{{low},{high}}}"
        self.regex = f"[^/]{bounds}"


class PathConverter(BaseConverter):
    """Like the default converter but also matches slashes: ``/files/<path:name>``."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False

    def to_url(self, value: Any) -> str:
        """Quote the value but keep its slashes."""
        return quote(str(value), safe=_SEGMENT_SAFE + "/")


class AnyConverter(BaseConverter):
    """Matches one of a fixed set of items: ``<any(about, help, "x y"):page>``."""

    weight = 50

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("any() needs at least one item, e.g. <any(about, help):page>")
        self.items = tuple(str(item) for item in items)
        # Longest first, so a regex match takes the longest item that fits.
        longest_first = sorted(self.items, key=len, reverse=True)
        self.regex = "(?:{})".format("|".join(re.escape(item) for item in longest_first))

    def to_url(self, value: Any) -> str:
        """Quote the value after checking it is one of the items."""
        if str(value) not in self.items:
            choices = ", ".join(repr(item) for item in self.items)
            raise ValueError(f"{value!r} is not one of the values this rule accepts: {choices}")
        return super().to_url(value)


class NumberConverter(BaseConverter):
    """Shared logic of the ``int`` and ``float`` converters (bounds and sign)."""

    weight = 50
    num_convert: ClassVar[type[int] | type[float]] = int
    unsigned_regex: ClassVar[str] = DIGITS

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        if signed:
            self.regex = "-?" + self.unsigned_regex
        else:
            self.regex = self.unsigned_regex
        self.fixed_digits = _non_negative("fixed_digits", fixed_digits)
        self.min = min
        self.max = max
        self.signed = signed

    def to_python(self, value: str) -> Any:
        """Convert, then check the digit count and the bounds; out of range means no match."""
        if self.fixed_digits and len(value.lstrip("-")) != self.fixed_digits:
            raise ValidationError()
        try:
            number = self.num_convert(value)
        except ValueError:  # e.g. more digits than int() accepts from a string
            raise ValidationError() from None
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        """Write the number, zero-padded to ``fixed_digits`` when set."""
        try:
            number = self.num_convert(value)
        except (TypeError, ValueError):
            kind = self.num_convert.__name__
            raise ValueError(
                f"cannot build a URL part from {value!r}: {kind}() rejects it"
            ) from None
        text = str(number)
        if self.fixed_digits:
            sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
            text = sign + digits.zfill(self.fixed_digits)
        return text


class IntegerConverter(NumberConverter):
    """Matches digits and returns an ``int``: ``<int:id>``, ``<int(min=1, max=5):n>``.

    ``fixed_digits=4`` requires exactly four digits (and pads when building); ``signed=True``
    also accepts a leading ``-``.
    """


class FloatConverter(NumberConverter):
    """Matches ``digits.digits`` and returns a ``float``: ``<float:price>``."""

    num_convert = float
    unsigned_regex = r"[0-9]+\.[0-9]+"

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)


class UUIDConverter(BaseConverter):
    """Matches a UUID in its canonical hex form and returns a ``uuid.UUID``."""

    regex = "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"
    weight = 50

    def to_python(self, value: str) -> uuid.UUID:
        """Parse the matched text."""
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        """Write the UUID in canonical form."""
        return str(value)


def _non_negative(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


#: The converters every ``Map`` starts with (each map holds its own copy).
default_converters: dict[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}


_ARG_RE = re.compile(
    r"""\s*(?:(?P<name>[A-Za-z_]\w*)\s*=\s*)?
    (?P<value>"[^"]*"|'[^']*'|[^\s,"'=()]+)
    \s*(?P<end>,|$)""",
    re.VERBOSE,
)
_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CONSTANTS: dict[str, Any] = {"True": True, "False": False, "None": None}


def parse_converter_args(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse the ``(...)`` part of ``<int(min=1, max=5):id>`` into positional and keyword args.

    Values may be integers, floats, quoted strings, ``True``/``False``/``None`` or bare words
    (taken as strings).
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if not text.strip():
        return (), kwargs
    pos = 0
    while pos < len(text):
        match = _ARG_RE.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(
                f"cannot parse converter arguments {text!r} near {text[pos:]!r}; write them as"
                " Python literals or bare words, e.g. (min=1, max=10) or (about, help, 'x y')"
            )
        value = _parse_value(match["value"])
        name = match["name"]
        if name is None:
            if kwargs:
                raise ValueError(
                    f"positional converter argument {match['value']!r} follows a keyword"
                    f" argument in {text!r}"
                )
            args.append(value)
        elif name in kwargs:
            raise ValueError(f"converter argument {name!r} is given twice in {text!r}")
        else:
            kwargs[name] = value
        pos = match.end()
        if match["end"] == "," and pos >= len(text.rstrip()):
            raise ValueError(f"converter arguments {text!r} end with a stray comma")
    return tuple(args), kwargs


def _parse_value(token: str) -> Any:
    if token[0] in "\"'":
        return token[1:-1]
    if token in _CONSTANTS:
        return _CONSTANTS[token]
    if _INT_RE.fullmatch(token):
        return int(token)
    if _FLOAT_RE.fullmatch(token):
        return float(token)
    return token


__all__ = [
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "NumberConverter",
    "PathConverter",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "default_converters",
    "parse_converter_args",
]
