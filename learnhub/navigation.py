"""Where URLs lead, and what numbers in them and in forms may be: safe redirects, the id converter
every route uses, and the same check for ids and page numbers sent as parameters or form fields."""

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import request
from werkzeug.routing import IntegerConverter

# The largest value of an INTEGER column on every database we run on (PostgreSQL's are 32-bit).
MAX_WHOLE_NUMBER = 2**31 - 1


def safe_next_url(target: str | None) -> str | None:
    """Only local paths: a `next` parameter must never send someone to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` URL parts stop at the database's integer range, so a huge id is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_WHOLE_NUMBER)
        super().__init__(url_map, *args, **kwargs)


def whole_number(value: object) -> int:
    """An id or count sent as text: ASCII digits only (str.isdigit also takes '²', which int() refuses)
    and small enough for an INTEGER column, else ValueError. As the `type` of `request.args.get` or
    `getlist`, a value that is not one counts as missing, as a huge `<int:…>` URL part is a 404."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_WHOLE_NUMBER:
        raise ValueError(f"not a whole number the database holds: {text[:20]!r}")
    return int(text)


def optional_whole_number(value: object) -> int | None:
    try:
        return whole_number(value)
    except ValueError:
        return None


def whole_numbers(values: Iterable[object]) -> list[int]:
    """The values that are whole numbers (ticked ids, say); the others are left out."""
    return [number for number in map(optional_whole_number, values) if number is not None]


def requested_page() -> int:
    """The `page` parameter of a list: 1 when it is missing, not a number, or out of range."""
    return request.args.get("page", 1, type=whole_number) or 1
