"""Pages kept until their rows change: the catalogue, learning-set pages and calendar feeds are served
from the cache while nothing they show has changed, and show a change on the very next request."""

import os
import uuid

import pytest
import redis

from learnhub.caching import Topic, kept_until_changed
from learnhub.courses import admission
from learnhub.courses.services import PUBLIC_CURRICULUM
from learnhub.curriculum.models import VersionState
from learnhub.extensions import cache, db
from learnhub.mentoring import feeds
from learnhub.people.models import Municipality
from tests.conftest import recorded_queries
from tests.factories import CohortFactory, CohortSessionFactory, EnrolmentFactory, UserFactory, VersionFactory
from tests.ops.conftest import closed_port


@pytest.fixture
def keeping_app(make_app):
    """One process with its own cache: what KEEP_PAGES needs (every worker sharing one cache)."""
    app = make_app(CACHE_TYPE="SimpleCache", KEEP_PAGES=True)
    with app.app_context():
        yield app


def _text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_catalogue_is_served_kept_until_a_learning_set_changes(keeping_app):
    client = keeping_app.test_client()
    version = VersionFactory(title={"en": "Recovery into Practice"})
    assert "Recovery into Practice" in _text(client, "/catalogue")
    with recorded_queries() as seen:
        assert "Recovery into Practice" in _text(client, "/catalogue")
    assert not any("learning_set_version" in statement for statement in seen)  # nothing read again

    VersionFactory(title={"en": "Trialogue for families"})
    assert "Trialogue for families" in _text(client, "/catalogue")  # a new set, at once
    version.title = {"en": "Recovery into Practice, second edition"}
    assert "second edition" in _text(client, "/catalogue")  # a changed one
    version.state = VersionState.ARCHIVED
    page = _text(client, "/catalogue")
    assert "Recovery into Practice" not in page and "Trialogue for families" in page  # a withdrawn one


def test_catalogue_filters_follow_new_cohorts(keeping_app):
    client = keeping_app.test_client()
    version = VersionFactory(title={"en": "Crisis alternatives"})
    ruma = Municipality(name="Ruma", country="RS")
    db.session.add(ruma)
    db.session.flush()
    in_ruma = f"/catalogue?municipality={ruma.id}"
    assert "Crisis alternatives" not in _text(client, in_ruma)
    CohortFactory(version=version, municipality=ruma)
    assert "Crisis alternatives" in _text(client, in_ruma)


def test_a_typed_search_is_never_kept(keeping_app):
    client = keeping_app.test_client()
    VersionFactory(title={"en": "Recovery into Practice"})
    _text(client, "/catalogue?q=recovery")
    with recorded_queries() as seen:
        assert "Recovery into Practice" in _text(client, "/catalogue?q=recovery")
    assert any("learning_set_version" in statement for statement in seen)


def test_kept_pages_follow_the_readers_language_and_script(keeping_app):
    client = keeping_app.test_client()
    VersionFactory(title={"en": "Learning set", "sr_Latn": "Oporavak u praksi"})
    for language, title in (("sr_Latn", "Oporavak u praksi"), ("sr_Cyrl", "Опоравак у пракси"), ("en", "Learning set")):
        client.set_cookie("lang", language)
        assert title in _text(client, "/catalogue")


def test_learning_set_page_counts_places_left_after_each_enrolment(keeping_app):
    client = keeping_app.test_client()
    cohort = CohortFactory(capacity=10)
    url = f"/learning-sets/{cohort.version.learning_set.slug}"
    assert "10 places left" in _text(client, url)
    with recorded_queries() as seen:
        assert "10 places left" in _text(client, url)
    assert seen == []  # anonymous, and kept whole

    person = UserFactory()
    admission.enrol(person, cohort, person)  # the seat counter moves by a bulk UPDATE, not a flush
    db.session.commit()
    assert "9 places left" in _text(client, url)
    assert client.get("/learning-sets/no-such-set").status_code == 404
    assert client.get("/learning-sets/no-such-set").status_code == 404  # a miss is never kept


def test_calendar_feed_is_kept_until_its_sessions_change_and_an_old_address_stops_at_once(keeping_app):
    client = keeping_app.test_client()
    enrolment = EnrolmentFactory()
    CohortSessionFactory(cohort=enrolment.cohort, place="Sala opštine Ruma")
    url = f"/calendar/{feeds.feed_token(enrolment.user)}.ics"
    assert "Sala opštine Ruma" in _text(client, url)
    with recorded_queries() as seen:
        assert "Sala opštine Ruma" in _text(client, url)
    assert seen == []

    CohortSessionFactory(cohort=enrolment.cohort, place="Dom zdravlja Inđija")
    assert "Dom zdravlja Inđija" in _text(client, url)
    feeds.rotate_feed_token(enrolment.user)
    db.session.commit()
    assert client.get(url).status_code == 404
    assert client.get(f"/calendar/{feeds.feed_token(enrolment.user)}.ics").status_code == 200


def _stamp() -> str | None:
    return cache.get(PUBLIC_CURRICULUM.stamp_key)


def test_only_committed_changes_give_a_new_stamp(keeping_app):
    version = VersionFactory()
    db.session.commit()
    committed = _stamp()
    version.hours = 20
    db.session.flush()
    db.session.rollback()
    assert _stamp() == committed  # rolled back: the kept pages still show the truth

    with db.session.begin_nested():
        version.hours = 24
    assert _stamp() == committed  # a savepoint released: other requests cannot see it yet
    db.session.commit()
    assert _stamp() != committed


def test_without_a_shared_cache_nothing_is_kept(app):
    assert app.config["KEEP_PAGES"] is False
    calls = []
    for _ in range(2):
        kept_until_changed(Topic("test-unshared"), "key", lambda: calls.append(1))
    assert len(calls) == 2


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {url} (set TEST_REDIS_URL)")
    return url


def test_a_change_made_through_one_instance_reaches_pages_another_keeps(make_app, redis_url):
    """Two apps, as two workers or machines would be, sharing one Redis."""
    shared = {"CACHE_TYPE": "learnhub.caching.ForgivingRedisCache", "CACHE_REDIS_URL": redis_url, "KEEP_PAGES": True,
              "CACHE_KEY_PREFIX": f"learnhub-test-{uuid.uuid4().hex}:"}
    reader, writer = make_app(**shared), make_app(**shared)
    with reader.app_context():
        VersionFactory(title={"en": "LGBTI-inclusive support"})
        db.session.commit()
        client = reader.test_client()
        assert "LGBTI-inclusive support" in _text(client, "/catalogue")
    with writer.app_context():
        version = db.session.scalars(db.select(VersionFactory._meta.model)).one()
        version.title = {"en": "LGBTI-inclusive psychosocial support"}
        db.session.commit()
    with reader.app_context():
        assert "LGBTI-inclusive psychosocial support" in _text(client, "/catalogue")
        cache.clear()


def test_a_commit_touching_two_topics_gives_both_new_stamps_in_redis(make_app, redis_url):
    app = make_app(CACHE_TYPE="learnhub.caching.ForgivingRedisCache", CACHE_REDIS_URL=redis_url, KEEP_PAGES=True,
                   CACHE_KEY_PREFIX=f"learnhub-test-{uuid.uuid4().hex}:")
    with app.app_context():
        cohort = CohortFactory()
        db.session.commit()
        keys = (PUBLIC_CURRICULUM.stamp_key, feeds.CALENDAR_FEEDS.stamp_key)  # a cohort is in both
        before = cache.get_many(*keys)
        cohort.capacity += 5
        db.session.commit()
        after = cache.get_many(*keys)
        assert None not in after and after[0] != before[0] and after[1] != before[1] and after[0] != after[1]
        cache.clear()


def test_while_redis_is_down_pages_are_made_afresh_and_changes_still_save(make_app, caplog):
    app = make_app(CACHE_TYPE="learnhub.caching.ForgivingRedisCache", KEEP_PAGES=True,
                   CACHE_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0", CACHE_OPTIONS={"socket_connect_timeout": 1})
    with app.app_context():
        client = app.test_client()
        version = VersionFactory(title={"en": "Recovery Houses"})
        assert "Recovery Houses" in _text(client, "/catalogue")
        version.title = {"en": "Recovery Houses and crisis alternatives"}
        db.session.commit()  # the new stamp cannot be stored: the commit stands all the same
        assert "crisis alternatives" in _text(client, "/catalogue")
    assert "cache unavailable" in caplog.text
