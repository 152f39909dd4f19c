"""Time is UTC inside: one helper so every default and comparison agrees."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, the form stored in every *_at column on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)
