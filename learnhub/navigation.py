"""Helpers for where to send people next."""

from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """Only local paths: a `next` parameter must never send someone to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
