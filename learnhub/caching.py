"""Values worth keeping between requests: computed figures and reference lists that change rarely."""

from collections.abc import Callable
from typing import TypeVar

from learnhub.extensions import cache

T = TypeVar("T")


def kept(key: str, compute: Callable[[], T], seconds: int, fresh: bool = False) -> T:
    """`compute()`'s result, kept `seconds` per key (in Redis when CACHE_REDIS_URL is set, so every
    worker and instance shares it); `fresh` computes it again now."""
    value = None if fresh else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=seconds)
    return value
