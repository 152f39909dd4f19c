"""Where sessions meet: at a place, or online at a link.

A mentor chooses where their 1:1 sessions meet (a new video room for each session, their own meeting link,
or a place); each new booking takes that default, and the group-session form starts from it. A video room
is the configured service's address (VIDEO_ROOM_BASE_URL, e.g. Jitsi Meet) with an unguessable name.
"""

import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select

from learnhub.errors import Conflict, InvalidInput
from learnhub.extensions import db
from learnhub.i18n import _
from learnhub.mentoring.availability import lock_mentor, mentor_profile
from learnhub.mentoring.models import MeetingKind, MentorProfile
from learnhub.people.models import User


@dataclass(frozen=True)
class MeetingDefault:
    """Where a mentor's new sessions meet; a ROOM's link is made for each session."""

    kind: MeetingKind
    place: str = ""
    url: str = ""

    @property
    def is_online(self) -> bool:
        return self.kind != MeetingKind.PLACE

    def for_new_session(self) -> tuple[str, str]:
        """(place, online link) of a session booked now."""
        if self.kind == MeetingKind.ROOM:
            return "", new_video_room()
        return self.place, self.url


class NoMeetingPlace(Conflict):
    """The mentor has not said where sessions take place: nobody can book them until they do."""

    def __init__(self) -> None:
        super().__init__(_("This mentor has not yet said where sessions take place, so they cannot be booked yet."))


def video_rooms_offered() -> bool:
    return bool(current_app.config["VIDEO_ROOM_BASE_URL"].strip())


def new_video_room() -> str:
    """A room of the session's own: 128 random bits, in lower-case hex because Jitsi folds room names to
    lower case (a mixed-case name would be less unguessable than it looks)."""
    base = current_app.config["VIDEO_ROOM_BASE_URL"].strip()
    if not base:
        raise InvalidInput(_("Video rooms are not available here. Please give a meeting link or a place."))
    return f"{base.rstrip('/')}/learnhub-{secrets.token_hex(16)}"


def meeting_default(profile: MentorProfile | None) -> MeetingDefault | None:
    """Where a new session with this mentor meets; None while that cannot be said (no default yet, or a
    video room where this installation offers none): then nobody can book them."""
    if profile is None:
        return None
    kind = MeetingKind(profile.meeting_kind)
    if kind == MeetingKind.ROOM:
        return MeetingDefault(kind) if video_rooms_offered() else None
    if kind == MeetingKind.LINK:
        return MeetingDefault(kind, url=profile.meeting_url) if profile.meeting_url else None
    return MeetingDefault(kind, place=profile.meeting_place) if profile.meeting_place else None


_DEFAULT_OF = select(MentorProfile.meeting_kind, MentorProfile.meeting_place, MentorProfile.meeting_url).where(
    MentorProfile.user_id == bindparam("mentor_id"))


def group_session_defaults(mentor: User) -> tuple[str, str, bool]:
    """Where the mentor's group-session form starts: (place, online link, in a new video room)."""
    found = db.session.execute(_DEFAULT_OF, {"mentor_id": mentor.id}).first()
    if found is None:
        return "", "", video_rooms_offered()
    kind = MeetingKind(found.meeting_kind)
    if kind == MeetingKind.PLACE:
        return found.meeting_place, "", False
    if kind == MeetingKind.LINK:
        return "", found.meeting_url, False
    return "", "", video_rooms_offered()


def check_online_url(url: str) -> None:
    if url and (not url.startswith(("https://", "http://")) or any(c.isspace() for c in url)):
        raise InvalidInput(_("The online link must start with https://"))


def set_meeting_default(mentor: User, kind: str, place: str, url: str) -> MentorProfile:
    """Save where the mentor's new sessions meet. The place and link not chosen are kept, so switching back
    needs no retyping; sessions already booked keep where they meet."""
    place, url = place.strip()[:300], url.strip()[:500]
    if kind not in MeetingKind._value2member_map_:
        raise InvalidInput(_("Please choose where your sessions take place."))
    if kind == MeetingKind.ROOM and not video_rooms_offered():
        raise InvalidInput(_("Video rooms are not available here. Please give a meeting link or a place."))
    if kind == MeetingKind.LINK and not url:
        raise InvalidInput(_("Please give your meeting link."))
    if kind == MeetingKind.PLACE and not place:
        raise InvalidInput(_("Please give the address where you meet."))
    check_online_url(url)
    profile = lock_mentor(mentor_profile(mentor).user_id)
    profile.meeting_kind, profile.meeting_place, profile.meeting_url = kind, place, url
    db.session.flush()
    return profile
