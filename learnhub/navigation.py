"""Where URLs lead: safe redirects and the id converter every route uses."""

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter


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
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)
