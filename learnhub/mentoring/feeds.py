"""Private calendar feeds: a person's mentoring sessions, cohort sessions and plan deadlines.

Calendar apps fetch a feed again and again, mostly unchanged. Each event's DTSTAMP is when its
version was made (not when it was fetched), so an unchanged feed is the same bytes every time; the
feed carries an ETag and a Last-Modified and an unchanged one is answered 304 without a body.
A session the reader declined stays in their feed, marked "Declined" and free in free/busy.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import DateTime, String, null, select, type_coerce, union_all
from sqlalchemy.orm import joinedload, lazyload

from learnhub import ical
from learnhub.caching import Topic, kept_until_changed
from learnhub.courses.models import Cohort, CohortSession, Enrolment, EnrolmentStatus
from learnhub.curriculum.models import LearningSetVersion
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
    body: bytes
    etag: str
    last_modified: datetime  # naive UTC


def feed_for_token(token: str, now: datetime) -> Feed:
    """The feed behind a private calendar address, kept until anything it shows changes (a wrong or
    old token is refused before anything is kept)."""
    secret_free_key = hashlib.sha256(token.encode()).hexdigest()
    return kept_until_changed(CALENDAR_FEEDS, f"feed:{secret_free_key}", lambda: build_feed(feed_owner(token), now))


def build_feed(user: User, now: datetime) -> Feed:
    events, last_modified = _events_and_last_change(user, now)
    body = _body(user, events, now)
    return Feed(body, hashlib.sha256(body).hexdigest()[:32], last_modified.replace(microsecond=0))


def feed_body(user: User, now: datetime) -> bytes:
    return _body(user, feed_events(user, now), now)


def feed_events(user: User, now: datetime) -> list[ical.CalendarEvent]:
    """The user's mentoring and cohort sessions and plan deadlines from CALENDAR_FEED_PAST_DAYS ago on."""
    return _events_and_last_change(user, now)[0]


def _body(user: User, events: list[ical.CalendarEvent], now: datetime) -> bytes:
    with force_locale(user.preferred_language):
        name = to_reader_script(_("LearnHub: %(name)s", name=user.display_name))
    return ical.feed_bytes(events, name, now)


def _events_and_last_change(user: User, now: datetime) -> tuple[list[ical.CalendarEvent], datetime]:
    since = now - timedelta(days=current_app.config["CALENDAR_FEED_PAST_DAYS"])
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]), \
            force_locale(user.preferred_language):
        mentoring, last_change = _mentoring_events(user, since)
        events = mentoring + _cohort_events(user, since) + _deadline_events(user, since)
    stamps = [event.stamp for event in events if event.stamp is not None]
    feed = db.session.get(CalendarFeed, user.id)  # feed_owner has it already: no query
    rotated = feed.rotated_at if feed else None
    return events, max([*stamps, last_change or _EPOCH, rotated or _EPOCH])


def _mentoring_events(user: User, since: datetime) -> tuple[list[ical.CalendarEvent], datetime | None]:
    """One query of plain columns: a feed of thousands of sessions builds no ORM objects."""
    runs = select(MentoringSession.id.label("session_id"), type_coerce(null(), String).label("partstat"),
                  type_coerce(null(), DateTime).label("answered_at"), type_coerce(null(), DateTime).label("removed_at")) \
        .where(MentoringSession.mentor_id == user.id, MentoringSession.ends_at >= since)
    # Sessions the user was removed from come too: they leave the feed, which changed then.
    attends = (select(SessionParticipant.session_id, SessionParticipant.partstat, SessionParticipant.answered_at,
                      SessionParticipant.removed_at)
               .join(MentoringSession)
               .where(SessionParticipant.user_id == user.id, MentoringSession.ends_at >= since))
    own = union_all(runs, attends).subquery()
    mentor = db.aliased(User)
    rows = db.session.execute(
        select(MentoringSession.id, MentoringSession.kind, MentoringSession.starts_at, MentoringSession.ends_at,
               MentoringSession.place, MentoringSession.online_url, MentoringSession.agenda, MentoringSession.status,
               MentoringSession.sequence, MentoringSession.cancel_reason, MentoringSession.reschedule_reason,
               MentoringSession.changed_at, MentoringProgramme.name.label("programme"),
               mentor.display_name.label("mentor_name"), mentor.email.label("mentor_email"),
               mentor.time_zone.label("mentor_zone"), own.c.partstat, own.c.answered_at, own.c.removed_at)
        .join(own, own.c.session_id == MentoringSession.id)
        .join(MentoringProgramme, MentoringProgramme.id == MentoringSession.programme_id)
        .join(mentor, mentor.id == MentoringSession.mentor_id)
        .order_by(MentoringSession.starts_at, MentoringSession.id)).all()
    removed = max((row.removed_at for row in rows if row.removed_at is not None), default=None)
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
    return events, removed


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


def _cohort_events(user: User, since: datetime) -> list[ical.CalendarEvent]:
    cohort_sessions = db.session.scalars(
        select(CohortSession).join(Enrolment, Enrolment.cohort_id == CohortSession.cohort_id)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ENROLLED,
               CohortSession.ends_at >= since)
        .options(joinedload(CohortSession.cohort).options(
            lazyload(Cohort.trainers), joinedload(Cohort.version).options(
                lazyload(LearningSetVersion.languages), lazyload(LearningSetVersion.service_types))))
        .order_by(CohortSession.starts_at))
    events = []
    for cohort_session in cohort_sessions:
        cohort = cohort_session.cohort
        events.append(ical.CalendarEvent(
            uid=f"cohort-session-{cohort_session.id}@{site_host()}", sequence=0,
            starts_at=cohort_session.starts_at, ends_at=cohort_session.ends_at,
            summary=to_reader_script(f"{cohort.version.display_title}: {cohort.name}"), description="",
            location=cohort_session.place or cohort_session.online_url, conference_url=cohort_session.online_url,
            conference_label=_conference_label(str(get_locale())) if cohort_session.online_url else "",
            url=external_url("courses.cohort", cohort_id=cohort.id), time_zone=user.time_zone,
            stamp=cohort.created_at))
    return events


def _deadline_events(user: User, since: datetime) -> list[ical.CalendarEvent]:
    """Open implementation-plan actions of the user's organisations, as a half hour at 09:00 on the due day."""
    organisation_ids = select(Membership.organisation_id).where(Membership.user_id == user.id)
    found = db.session.execute(select(PlanAction, ImplementationPlan.updated_at).join(ImplementationPlan).where(
        ImplementationPlan.organisation_id.in_(organisation_ids), PlanAction.is_done.is_(False),
        PlanAction.due_on >= since.date()))
    events = []
    for action, updated_at in found:
        starts_at = local_to_utc(datetime.combine(action.due_on, time(9)), user.time_zone)
        events.append(ical.CalendarEvent(
            uid=f"plan-action-{action.id}@{site_host()}", sequence=0, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            summary=to_reader_script(_("Deadline: %(action)s", action=action.description)),
            description=to_reader_script(action.owner), time_zone=user.time_zone, stamp=updated_at))
    return events
