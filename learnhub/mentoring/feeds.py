"""Private calendar feeds: a person's mentoring sessions, cohort sessions and plan deadlines.

Calendar apps fetch a feed again and again, mostly unchanged. Each event's DTSTAMP is when its
version was made (not when it was fetched), so an unchanged feed is the same bytes every time; the
feed carries an ETag and a Last-Modified and an unchanged one is answered 304 without a body.
A session the reader declined stays in their feed, marked "Declined" and free in free/busy.
"""

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import DateTime, Row, String, null, select, type_coerce, union_all
from sqlalchemy.orm import lazyload

from learnhub import ical
from learnhub.caching import Topic, kept_until_changed
from learnhub.courses.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from learnhub.curriculum.models import LearningSetVersion, pick_language
from learnhub.errors import NotFound
from learnhub.extensions import db
from learnhub.i18n import _, to_reader_script
from learnhub.mail.services import external_url, site_host
from learnhub.mentoring.models import (
    CalendarFeed,
    ImplementationPlan,
    MentoringProgramme,
    MentoringSession,
    PartStat,
    PlanAction,
    SessionKind,
    SessionParticipant,
    SessionStatus,
)
from learnhub.navigation import optional_whole_number
from learnhub.people.models import Membership, User
from learnhub.timeutil import local_to_utc, utcnow


def _feed_signature(user_id: int, version: int) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"calendar-feed:{user_id}:{version}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # 256 bits


def _feed_version(user_id: int) -> int:
    feed = db.session.get(CalendarFeed, user_id)
    return feed.version if feed else 1  # no row until the first rotation: reading never writes


def feed_token(user: User) -> str:
    """The user's current private feed token."""
    return f"{user.id}-{_feed_signature(user.id, _feed_version(user.id))}"


def rotate_feed_token(user: User) -> str:
    """A new private feed address; the old one stops working at once."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, version=1)
        db.session.add(feed)
    feed.version += 1
    feed.rotated_at = utcnow()
    db.session.flush()
    return feed_token(user)


def feed_owner(token: str) -> User:
    number, _sep, signature = token.partition("-")
    user_id = optional_whole_number(number)
    # A feed is read without anyone signed in: the owner's roles play no part.
    user = db.session.get(User, user_id, options=[lazyload(User.roles)]) if user_id is not None else None
    if user is None or not hmac.compare_digest(signature, _feed_signature(user.id, _feed_version(user.id))):
        raise NotFound(_("This calendar address is not valid (any more)."))
    return user


# Everything a calendar feed shows: feeds are kept until a row in one of these tables changes.
CALENDAR_FEEDS = Topic("calendar-feeds", MentoringSession, SessionParticipant, MentoringProgramme, User, CalendarFeed,
                       CohortSession, Enrolment, Cohort, LearningSetVersion, PlanAction, ImplementationPlan, Membership)


# Events that never change version (cohort sessions and deadlines have no SEQUENCE) carry this DTSTAMP
# unless their rows say when they were made.
_EPOCH = datetime(2020, 1, 1)


@dataclass(frozen=True)
class Feed:
    etag: str
    last_modified: datetime  # naive UTC
    body: bytes | None  # None when the caller holds this version already: it was not built


@dataclass(frozen=True)
class FeedRows:
    """What a feed is made from, as plain values: the same rows make the same bytes, so their digest is
    the feed's ETag, known before (and without) building any event."""

    user: User
    since: datetime
    mentoring: list[Row]
    cohort_sessions: list[Row]
    deadlines: list[Row]
    rotated_at: datetime | None

    @property
    def etag(self) -> str:
        owner = (self.user.display_name, self.user.preferred_language, self.user.time_zone)
        # Plain tuples: a Row's own repr shortens long values, and takes ten times as long.
        rows = [tuple(row) for found in (self.mentoring, self.cohort_sessions, self.deadlines) for row in found]
        content = repr((owner, rows, self.rotated_at))
        return hashlib.sha256(content.encode()).hexdigest()[:32]

    @property
    def last_modified(self) -> datetime:
        stamps = [row.answered_at or _EPOCH for row in self.mentoring]
        stamps += [row.changed_at for row in self.mentoring] + [row.removed_at or _EPOCH for row in self.mentoring]
        stamps += [row.created_at for row in self.cohort_sessions] + [row.updated_at for row in self.deadlines]
        return max([*stamps, self.rotated_at or _EPOCH]).replace(microsecond=0)


def feed_for_token(token: str, now: datetime, is_held: Callable[[str, datetime], bool]) -> Feed:
    """The feed behind a private calendar address (a wrong or old token is refused first). With a shared
    cache it is kept, built, until anything it shows changes; without one its rows are read and, when
    `is_held(etag, last_modified)` says the caller has this version already, no event is built."""
    if current_app.config["KEEP_PAGES"]:
        secret_free_key = hashlib.sha256(token.encode()).hexdigest()
        return kept_until_changed(CALENDAR_FEEDS, f"feed:{secret_free_key}",
                                  lambda: build_feed(feed_owner(token), now))
    rows = feed_rows(feed_owner(token), now)
    if is_held(rows.etag, rows.last_modified):
        return Feed(rows.etag, rows.last_modified, None)
    return Feed(rows.etag, rows.last_modified, _body(rows, now))


def build_feed(user: User, now: datetime) -> Feed:
    rows = feed_rows(user, now)
    return Feed(rows.etag, rows.last_modified, _body(rows, now))


def feed_body(user: User, now: datetime) -> bytes:
    return _body(feed_rows(user, now), now)


def feed_events(user: User, now: datetime) -> list[ical.CalendarEvent]:
    """The user's mentoring and cohort sessions and plan deadlines from CALENDAR_FEED_PAST_DAYS ago on."""
    return _events(feed_rows(user, now))


def _body(rows: FeedRows, now: datetime) -> bytes:
    with force_locale(rows.user.preferred_language):
        name = to_reader_script(_("LearnHub: %(name)s", name=rows.user.display_name))
    return ical.feed_bytes(_events(rows), name, now)


def feed_rows(user: User, now: datetime) -> FeedRows:
    """Three queries of plain columns: a feed of thousands of sessions builds no ORM objects."""
    since = now - timedelta(days=current_app.config["CALENDAR_FEED_PAST_DAYS"])
    feed = db.session.get(CalendarFeed, user.id)  # feed_owner has it already: no query
    return FeedRows(user, since, _mentoring_rows(user, since), _cohort_session_rows(user, since),
                    _deadline_rows(user, since), feed.rotated_at if feed else None)


def _events(rows: FeedRows) -> list[ical.CalendarEvent]:
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]), \
            force_locale(rows.user.preferred_language):
        return (_mentoring_events(rows.mentoring) + _cohort_events(rows.user, rows.cohort_sessions)
                + _deadline_events(rows.user, rows.deadlines))


def _mentoring_rows(user: User, since: datetime) -> list[Row]:
    runs = select(MentoringSession.id.label("session_id"), type_coerce(null(), String).label("partstat"),
                  type_coerce(null(), DateTime).label("answered_at"), type_coerce(null(), DateTime).label("removed_at")) \
        .where(MentoringSession.mentor_id == user.id)
    # Sessions the user was removed from come too: they leave the feed, which changed then.
    attends = (select(SessionParticipant.session_id, SessionParticipant.partstat, SessionParticipant.answered_at,
                      SessionParticipant.removed_at)
               .where(SessionParticipant.user_id == user.id))
    own = union_all(runs, attends).subquery()  # the period is asked once, of the sessions they lead to
    mentor = db.aliased(User)
    return list(db.session.execute(
        select(MentoringSession.id, MentoringSession.kind, MentoringSession.starts_at, MentoringSession.ends_at,
               MentoringSession.place, MentoringSession.online_url, MentoringSession.agenda, MentoringSession.status,
               MentoringSession.sequence, MentoringSession.cancel_reason, MentoringSession.reschedule_reason,
               MentoringSession.changed_at, MentoringProgramme.name.label("programme"),
               mentor.display_name.label("mentor_name"), mentor.email.label("mentor_email"),
               mentor.time_zone.label("mentor_zone"), own.c.partstat, own.c.answered_at, own.c.removed_at)
        .join(own, own.c.session_id == MentoringSession.id)
        .join(MentoringProgramme, MentoringProgramme.id == MentoringSession.programme_id)
        .join(mentor, mentor.id == MentoringSession.mentor_id)
        .where(MentoringSession.ends_at >= since)
        .order_by(MentoringSession.starts_at, MentoringSession.id)))


def _mentoring_events(rows: list[Row]) -> list[ical.CalendarEvent]:
    url = external_url("mentoring.session", session_id=0)[:-1]  # one url_for, not one per session
    host, locale = site_host(), str(get_locale())
    events, seen = [], set()
    for row in rows:
        if row.id in seen or row.removed_at is not None:  # seen: both mentor and participant of one session
            continue
        seen.add(row.id)
        is_cancelled = row.status == SessionStatus.CANCELLED
        is_declined = row.partstat == PartStat.DECLINED
        online_url = "" if is_cancelled else row.online_url
        summary = _summary(locale, row.kind, row.programme, is_declined)
        stamp = max(row.changed_at, row.answered_at) if row.answered_at else row.changed_at
        events.append(ical.CalendarEvent(
            uid=f"session-{row.id}@{host}", sequence=row.sequence, starts_at=row.starts_at, ends_at=row.ends_at,
            summary=summary,
            description=_description(locale, row.agenda, row.cancel_reason if is_cancelled else "",
                                     row.reschedule_reason, online_url),
            location=row.place or online_url, url=f"{url}{row.id}", conference_url=online_url,
            conference_label=_conference_label(locale) if online_url else "",
            organizer=_person(row.mentor_name, row.mentor_email), cancelled=is_cancelled,
            time_zone=row.mentor_zone, stamp=stamp, is_transparent=is_declined))
    return events


# Worded as calendar_event words a session (mentoring/invitations.py); a feed repeats the same few titles
# and agendas thousands of times, so each is translated once per language (the first argument).

@lru_cache(maxsize=4096)
def _summary(_locale: str, kind: str, programme: str, is_declined: bool) -> str:
    label = _("Group mentoring") if kind == SessionKind.GROUP else _("Individual mentoring")
    summary = f"{label}: {programme}"
    return to_reader_script(_("Declined: %(title)s", title=summary) if is_declined else summary)


@lru_cache(maxsize=4096)
def _description(_locale: str, agenda: str, cancel_reason: str, reschedule_reason: str, online_url: str) -> str:
    if cancel_reason:
        return to_reader_script(_("Cancelled: %(reason)s", reason=cancel_reason))
    text = to_reader_script(agenda)
    if reschedule_reason:
        moved = _("Why the time changed: %(reason)s", reason=reschedule_reason)
        text = to_reader_script(f"{agenda}\n\n{moved}" if agenda else moved)
    return "\n\n".join(filter(None, [_("Join online: %(url)s", url=online_url) if online_url else "", text]))


@lru_cache(maxsize=16)
def _conference_label(_locale: str) -> str:
    return _("Online meeting")


@lru_cache(maxsize=1024)
def _person(name: str, email: str) -> ical.Person:
    return ical.Person(name, email)


def _cohort_session_rows(user: User, since: datetime) -> list[Row]:
    return list(db.session.execute(
        select(CohortSession.id, CohortSession.starts_at, CohortSession.ends_at, CohortSession.place,
               CohortSession.online_url, Cohort.id.label("cohort_id"), Cohort.name, Cohort.created_at,
               LearningSetVersion.title)
        .join(Enrolment, Enrolment.cohort_id == CohortSession.cohort_id)
        .join(Cohort, Cohort.id == CohortSession.cohort_id)
        .join(LearningSetVersion, LearningSetVersion.id == Cohort.version_id)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ENROLLED,
               CohortSession.ends_at >= since)
        .order_by(CohortSession.starts_at, CohortSession.id)))


def _cohort_events(user: User, rows: list[Row]) -> list[ical.CalendarEvent]:
    return [ical.CalendarEvent(
        uid=f"cohort-session-{row.id}@{site_host()}", sequence=0, starts_at=row.starts_at, ends_at=row.ends_at,
        summary=to_reader_script(f"{pick_language(row.title)}: {row.name}"), description="",
        location=row.place or row.online_url, conference_url=row.online_url,
        conference_label=_conference_label(str(get_locale())) if row.online_url else "",
        url=external_url("courses.cohort", cohort_id=row.cohort_id), time_zone=user.time_zone,
        stamp=row.created_at) for row in rows]


def _deadline_rows(user: User, since: datetime) -> list[Row]:
    """Open implementation-plan actions of the user's organisations."""
    organisation_ids = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return list(db.session.execute(
        select(PlanAction.id, PlanAction.due_on, PlanAction.description, PlanAction.owner, ImplementationPlan.updated_at)
        .join(ImplementationPlan)
        .where(ImplementationPlan.organisation_id.in_(organisation_ids), PlanAction.is_done.is_(False),
               PlanAction.due_on >= since.date())
        .order_by(PlanAction.id)))


def _deadline_events(user: User, rows: list[Row]) -> list[ical.CalendarEvent]:
    """Each action as a half hour at 09:00 on its due day."""
    events = []
    for row in rows:
        starts_at = local_to_utc(datetime.combine(row.due_on, time(9)), user.time_zone)
        events.append(ical.CalendarEvent(
            uid=f"plan-action-{row.id}@{site_host()}", sequence=0, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            summary=to_reader_script(_("Deadline: %(action)s", action=row.description)),
            description=to_reader_script(row.owner), time_zone=user.time_zone, stamp=row.updated_at))
    return events
