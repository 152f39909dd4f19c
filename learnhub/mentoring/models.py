from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from learnhub.enums import LabelledEnum, stored_as_value
from learnhub.evaluations.models import RATINGS_CHECK, EvaluationRatings
from learnhub.extensions import Model
from learnhub.i18n import _l
from learnhub.people.models import Organisation, ServiceType, User
from learnhub.timeutil import utcnow


class SessionKind(StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class PartStat(LabelledEnum):
    """Participation status, with the iCalendar (RFC 5545) names."""

    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"

    __labels__ = {NEEDS_ACTION: _l("Not answered yet"), ACCEPTED: _l("Coming"), DECLINED: _l("Not coming"),
                  TENTATIVE: _l("Maybe")}


class MentoringProgramme(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_type: Mapped[ServiceType | None] = mapped_column(stored_as_value(ServiceType, 40))
    learning_set_id: Mapped[int | None] = mapped_column(ForeignKey("learning_set.id", ondelete="SET NULL"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="SET NULL"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mentors: Mapped[list["ProgrammeMentor"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    organisations: Mapped[list["ProgrammeOrganisation"]] = relationship(cascade="all, delete-orphan",
                                                                        lazy="selectin")
    mentees: Mapped[list["ProgrammeMentee"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def has_mentor(self, user: User) -> bool:
        return any(m.user_id == user.id for m in self.mentors)


class ProgrammeMentor(Model):
    programme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)

    user: Mapped[User] = relationship(lazy="joined")


class ProgrammeOrganisation(Model):
    """Every member of these organisations is a mentee of the programme."""

    programme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class ProgrammeMentee(Model):
    """A professional taking part individually (e.g. a municipal psychologist)."""

    programme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)


class MeetingKind(StrEnum):
    """Where a mentor meets by default: a new video room for each session, their own link, or a place."""

    ROOM = "room"
    LINK = "link"
    PLACE = "place"


class MentorProfile(Model):
    """A mentor's booking rules. Its row is locked while booking, so one mentor's bookings never race."""

    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 15 AND 480 AND buffer_minutes BETWEEN 0 AND 240", name="sane_lengths"),
        CheckConstraint("meeting_kind IN ('room', 'link', 'place')", name="known_meeting_kind"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    slot_minutes: Mapped[int] = mapped_column(default=60)
    buffer_minutes: Mapped[int] = mapped_column(default=15)
    min_notice_hours: Mapped[int] = mapped_column(default=24)
    max_days_ahead: Mapped[int] = mapped_column(default=30)
    max_sessions_per_mentee_per_month: Mapped[int] = mapped_column(default=2)
    # Where new 1:1 sessions take place (learnhub/mentoring/meeting.py); group sessions start from it too.
    meeting_kind: Mapped[str] = mapped_column(String(10), default=MeetingKind.ROOM)
    meeting_place: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")

    windows: Mapped[list["AvailabilityWindow"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start)")
    days_off: Mapped[list["MentorDayOff"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MentorDayOff.first_day")
    user: Mapped[User] = relationship(lazy="joined")


class AvailabilityWindow(Model):
    """Hours every week on a weekday or, with `day`, on that one date in place of its weekday's. Both kinds
    share a table so that a mentor's profile, windows and days off still load in one query."""

    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6 AND start < \"end\"", name="valid_window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profile.user_id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # the date's weekday when `day` is set
    day: Mapped[date | None]
    start: Mapped[time]
    end: Mapped[time]


class MentorDayOff(Model):
    __table_args__ = (CheckConstraint("first_day <= last_day", name="ordered_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profile.user_id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")


class MentoringSession(Model):
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The database itself refuses a second scheduled session of one mentor at the same start.
        Index("uq_mentoring_session_mentor_start", "mentor_id", "starts_at", unique=True,
              postgresql_where=text("status = 'scheduled'"), sqlite_where=text("status = 'scheduled'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_programme.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[SessionKind] = mapped_column(stored_as_value(SessionKind, 12))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    # What the mentee of a 1:1 session wrote for the mentor when booking: shown to the two of them only.
    note_for_mentor: Mapped[str] = mapped_column(String(1000), default="")
    capacity: Mapped[int | None]
    status: Mapped[SessionStatus] = mapped_column(stored_as_value(SessionStatus, 12), default=SessionStatus.SCHEDULED)
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: +1 on every significant change
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    reschedule_reason: Mapped[str] = mapped_column(Text, default="")  # why it was last moved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)  # when this SEQUENCE was made: feeds' DTSTAMP

    @validates("sequence")
    def _stamp_version(self, _key: str, sequence: int) -> int:
        self.changed_at = utcnow()
        return sequence

    programme: Mapped[MentoringProgramme] = relationship(lazy="joined")
    mentor: Mapped[User] = relationship(lazy="joined")
    participants: Mapped[list["SessionParticipant"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_group(self) -> bool:
        return self.kind == SessionKind.GROUP

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def active_participants(self) -> list["SessionParticipant"]:
        return [p for p in self.participants if p.removed_at is None]

    @property
    def answer_counts(self) -> dict[PartStat, int]:
        """How many invited people gave each answer, every answer listed (with 0 when nobody gave it)."""
        counts = dict.fromkeys(PartStat, 0)
        for participant in self.active_participants:
            counts[participant.partstat] += 1
        return counts


class SessionParticipant(Model):
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mentoring_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    partstat: Mapped[PartStat] = mapped_column(stored_as_value(PartStat, 16), default=PartStat.NEEDS_ACTION)
    attended: Mapped[bool | None]
    removed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]  # when partstat last changed

    session: Mapped[MentoringSession] = relationship(back_populates="participants")

    @validates("partstat")
    def _stamp_answer(self, _key: str, partstat: PartStat) -> PartStat:
        self.answered_at = utcnow()
        return partstat
    user: Mapped[User] = relationship(lazy="joined")


class SessionNote(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mentoring_session.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    is_shared: Mapped[bool] = mapped_column(default=False)  # visible to the session's mentees
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanStatus(LabelledEnum):
    DRAFT = "draft"
    IN_PROGRESS = "in_progress"
    NEEDS_ATTENTION = "needs_attention"
    DONE = "done"

    __labels__ = {DRAFT: _l("Draft"), IN_PROGRESS: _l("In progress"), NEEDS_ATTENTION: _l("Needs attention"),
                  DONE: _l("Done")}


class ImplementationPlan(Model):
    """How an organisation puts the training into practice, kept between mentoring sessions."""

    __table_args__ = (UniqueConstraint("programme_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_programme.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    goals: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    involvement_strategies: Mapped[str] = mapped_column(Text, default="")  # involving parents and users
    status: Mapped[PlanStatus] = mapped_column(stored_as_value(PlanStatus, 20), default=PlanStatus.DRAFT)
    is_good_practice: Mapped[bool] = mapped_column(default=False)  # shared across the programme
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    programme: Mapped[MentoringProgramme] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    actions: Mapped[list["PlanAction"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                       order_by="(PlanAction.due_on, PlanAction.id)")


class PlanAction(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("implementation_plan.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date]
    is_done: Mapped[bool] = mapped_column(default=False)


class PlanRevision(Model):
    """Plan history: a snapshot of the plan after every change, with who made it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("implementation_plan.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    snapshot: Mapped[dict] = mapped_column(JSON)

    changed_by: Mapped[User | None] = relationship(lazy="joined")


class CalendarFeed(Model):
    """A private calendar subscription. The address is an HMAC of (user, version) under the secret
    key, so nothing secret is stored and raising the version revokes every older address."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    rotated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderSent(Model):
    """One row per reminder mailed, so the worker sends each only once."""

    __table_args__ = (UniqueConstraint("session_id", "user_id", "lead_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mentoring_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lead_minutes: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class MentoringEvaluation(EvaluationRatings, Model):
    """A participant's survey after a mentoring session."""

    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(RATINGS_CHECK, name="ratings_1_to_5"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("mentoring_session.id", ondelete="CASCADE"), index=True)


class BusyCalendarKind(LabelledEnum):
    ICS = "ics"  # a private subscription address (Google, Outlook, Apple)
    CALDAV = "caldav"  # a CalDAV calendar collection

    __labels__ = {ICS: _l("Subscription address (ICS)"), CALDAV: _l("CalDAV calendar")}


class BusyCalendar(Model):
    """A mentor's own calendar whose busy times block their free slots. The address is a secret (it
    reads the mentor's calendar): it is never shown back in full nor logged."""

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[BusyCalendarKind] = mapped_column(stored_as_value(BusyCalendarKind, 10))
    url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]  # claimed by a worker (or a refresh now) at this time
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(20), default="")  # a FetchRefused kind; "" after a success

    intervals: Mapped[list["BusyInterval"]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                           lazy="raise")


class BusyInterval(Model):
    """Only when the mentor is busy elsewhere: no titles, places or attendees are kept."""

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),
                      Index("ix_busy_interval_mentor_period", "mentor_id", "starts_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("busy_calendar.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
