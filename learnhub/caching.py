"""Values worth keeping between requests: computed figures and reference lists that change rarely, and
parts of pages that are kept until the rows they show change."""

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_caching.backends.rediscache import RedisCache
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from learnhub.extensions import cache

T = TypeVar("T")
log = logging.getLogger(__name__)


class ForgivingRedisCache(RedisCache):
    """The shared cache (CACHE_REDIS_URL). While Redis is unreachable every read misses and every
    write is dropped, so pages are computed afresh: slower, never an error page."""

    def _forgiving(self, action: Callable[[], Any], fallback: Any) -> Any:
        try:
            return action()
        except RedisError as error:
            log.warning("cache unavailable, computing afresh: %s", error)
            return fallback

    def get(self, key: str) -> Any:
        return self._forgiving(lambda: super(ForgivingRedisCache, self).get(key), None)

    def get_many(self, *keys: str) -> list[Any]:
        return self._forgiving(lambda: super(ForgivingRedisCache, self).get_many(*keys), [None] * len(keys))

    def set(self, key: str, value: Any, timeout: int | timedelta | None = None) -> Any:
        return self._forgiving(lambda: super(ForgivingRedisCache, self).set(key, value, timeout), False)

    def set_many(self, mapping: dict[str, Any], timeout: int | timedelta | None = None) -> list[Any]:
        return self._forgiving(lambda: super(ForgivingRedisCache, self).set_many(mapping, timeout), [])

    def delete(self, key: str) -> bool:
        return self._forgiving(lambda: super(ForgivingRedisCache, self).delete(key), False)


def kept(key: str, compute: Callable[[], T], seconds: int, fresh: bool = False) -> T:
    """`compute()`'s result, kept `seconds` per key (in Redis when CACHE_REDIS_URL is set, so every
    worker and instance shares it); `fresh` computes it again now."""
    value = None if fresh else cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=seconds)
    return value


class Topic:
    """The tables some kept pages are made from. A commit that adds, changes or deletes a row in any
    of them gives the topic a new stamp, and every page kept under an older stamp is made afresh."""

    _by_model: dict[type, list["Topic"]] = {}

    def __init__(self, name: str, *models: type) -> None:
        self.name = name
        self.stamp_key = f"topic-stamp:{name}"
        for model in models:
            Topic._by_model.setdefault(model, []).append(self)

    @classmethod
    def of(cls, model: type) -> list["Topic"]:
        return cls._by_model.get(model, [])


def kept_until_changed(topic: Topic, key: str, compute: Callable[[], T]) -> T:
    """`compute()`'s result, kept at most KEPT_PAGE_SECONDS and only while no row of `topic` has changed.

    Only with KEEP_PAGES (a cache every process shares): a change committed through one worker must
    reach the pages every other worker serves. The stamp is read before `compute()` reads the rows, so
    a page made from rows older than a commit is always filed under a stamp older than that commit's.
    """
    if not current_app.config["KEEP_PAGES"]:
        return compute()
    entry_key = f"kept:{topic.name}:{key}"
    stamp, entry = cache.get_many(topic.stamp_key, entry_key)  # one round trip to Redis
    if stamp is None:
        [stamp] = _new_stamps([topic])
    elif entry is not None and entry[0] == stamp:
        return entry[1]
    value = compute()
    cache.set(entry_key, (stamp, value), timeout=current_app.config["KEPT_PAGE_SECONDS"])
    return value


def kept_for_readers(topic: Topic, key: str, render: Callable[[], T]) -> T:
    """Rendered parts of a page that are the same for every visitor reading it in the current
    language (and script), kept until a row of `topic` changes."""
    return kept_until_changed(topic, f"{get_locale()}:{key}", render)


def _new_stamps(topics: Iterable[Topic]) -> list[str]:
    # One round trip to Redis however many topics a commit touched (an enrolment touches two).
    stamps = {topic.stamp_key: uuid.uuid4().hex for topic in topics}
    cache.set_many(stamps, timeout=0)  # kept for good: only a change replaces them
    return list(stamps.values())


# --- noticing changes -----------------------------------------------------------------------------------

_CHANGED = "changed_topics"  # in Session.info: topics this transaction touched, stamped at commit


def _note(session: Session, model: type | None) -> None:
    if model is not None and (topics := Topic.of(model)):
        session.info.setdefault(_CHANGED, set()).update(topics)


@event.listens_for(Session, "after_flush")
def _note_flushed_rows(session: Session, _flush_context) -> None:
    # Still the flush's own lists here: what it inserted, updated and deleted.
    for row in (*session.new, *session.dirty, *session.deleted):
        _note(session, type(row))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    """UPDATE and DELETE statements (seat counters, erasure) bypass the flush."""
    if state.is_update or state.is_delete or state.is_insert:
        _note(state.session, state.bind_mapper.class_ if state.bind_mapper else None)


@event.listens_for(Session, "after_commit")
def _stamp_changed_topics(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is visible to other requests yet
    topics = session.info.pop(_CHANGED, set())
    if topics and has_app_context() and current_app.config["KEEP_PAGES"]:
        _new_stamps(topics)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back_changes(session: Session, transaction) -> None:
    if transaction.parent is None:  # a savepoint rolled back may sit inside a transaction that commits
        session.info.pop(_CHANGED, None)
