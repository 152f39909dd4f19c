from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.curriculum.models import Audience, LearningSetVersion
from learnhub.enums import LabelledEnum, stored_as_value
from learnhub.evaluations.models import RATINGS_CHECK, EvaluationRatings
from learnhub.extensions import Model, db
from learnhub.i18n import _l
from learnhub.people.models import Municipality, Organisation, User
from learnhub.timeutil import utcnow


class PromotionPolicy(LabelledEnum):
    FIRST_COME = "first_come"
    FAIR_BY_ORGANISATION = "fair_by_organisation"
    FAIR_BY_MUNICIPALITY = "fair_by_municipality"

    __labels__ = {FIRST_COME: _l("First come, first served"),
                  FAIR_BY_ORGANISATION: _l("Fair shares per organisation"),
                  FAIR_BY_MUNICIPALITY: _l("Fair shares per municipality")}


class Approver(LabelledEnum):
    NONE = "none"
    TRAINER = "trainer"
    ORG_ADMIN = "org_admin"

    __labels__ = {NONE: _l("No approval needed"), TRAINER: _l("The cohort's trainer approves"),
                  ORG_ADMIN: _l("The participant's organisation admin approves")}


class EnrolmentStatus(LabelledEnum):
    PENDING = "pending"  # waiting for approval
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"

    __labels__ = {PENDING: _l("Waiting for approval"), ENROLLED: _l("Enrolled"), WAITLISTED: _l("On the waitlist"),
                  WITHDRAWN: _l("Withdrawn"), REJECTED: _l("Not accepted")}


class Cohort(Model):
    """One offering of a learning set. `seats_taken` is changed only by conditional UPDATEs so
    that concurrent enrolments can never exceed `capacity` (also enforced by a CHECK)."""

    __table_args__ = (
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("learning_set_version.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    is_online: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(10), default="sr_Latn")
    starts_on: Mapped[date] = mapped_column(index=True)
    ends_on: Mapped[date]
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    enrolment_opens_at: Mapped[datetime]
    enrolment_closes_at: Mapped[datetime]
    approver: Mapped[Approver] = mapped_column(stored_as_value(Approver, 12), default=Approver.NONE)
    promotion_policy: Mapped[PromotionPolicy] = mapped_column(stored_as_value(PromotionPolicy, 24),
                                                              default=PromotionPolicy.FIRST_COME)
    allowed_service_types: Mapped[list] = mapped_column(db.JSON, default=list)  # empty: open to all
    records_perspective: Mapped[bool] = mapped_column(default=False)  # Trialogue cohorts
    max_share_per_perspective: Mapped[int | None]  # percent of capacity, for a balanced mix
    auto_issue_certificates: Mapped[bool] = mapped_column(default=False)  # the worker issues when rules are met
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[LearningSetVersion] = relationship(lazy="joined")
    municipality: Mapped[Municipality | None] = relationship(lazy="joined")
    trainers: Mapped[list["CohortTrainer"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    sessions: Mapped[list["CohortSession"]] = relationship(
        back_populates="cohort", order_by="CohortSession.starts_at", cascade="all, delete-orphan"
    )

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    def is_trainer(self, user: User) -> bool:
        return any(t.user_id == user.id for t in self.trainers)

    def enrolment_window(self, now: datetime) -> str:
        """"upcoming", "open" or "closed": enrolling is offered only while it is open."""
        if now < self.enrolment_opens_at:
            return "upcoming"
        return "open" if now <= self.enrolment_closes_at else "closed"

    @property
    def evaluation_opens_on(self) -> date:
        """Participants evaluate from the cohort's last day."""
        return self.ends_on

    def is_evaluation_open(self, today: date) -> bool:
        return today >= self.evaluation_opens_on


class CohortTrainer(Model):
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)

    user: Mapped[User] = relationship(lazy="joined")


JOIN_LINK_OPENS_BEFORE = timedelta(minutes=30)  # enough to test sound and camera, not so early it is lost


def join_link(online_url: str, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    """A session's meeting link while it is worth following: from shortly before the start until the end."""
    return online_url if online_url and starts_at - JOIN_LINK_OPENS_BEFORE <= now < ends_at else ""


class CohortSession(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")

    def join_url_at(self, now: datetime) -> str:
        return join_link(self.online_url, self.starts_at, self.ends_at, now)


class CohortSessionReminder(Model):
    """One row per reminder of a cohort session mailed to a participant, so each goes out once."""

    __table_args__ = (UniqueConstraint("session_id", "user_id", "lead_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lead_minutes: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnrolmentLabels:
    """What pages show of an enrolment's `status` and `perspective`: shared by the model and the plain
    rows (roster lines, a learner's items) that pages read instead of whole objects."""

    status: EnrolmentStatus
    perspective: Audience | None

    @property
    def perspective_label(self) -> str:
        return self.perspective.label if self.perspective else ""

    @property
    def holds_seat(self) -> bool:
        return self.status == EnrolmentStatus.ENROLLED


class Enrolment(EnrolmentLabels, Model):
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(ForeignKey("learning_set_version.id"))  # the version they learn
    status: Mapped[EnrolmentStatus] = mapped_column(stored_as_value(EnrolmentStatus, 12), index=True)
    perspective: Mapped[Audience | None] = mapped_column(stored_as_value(Audience, 20))  # for Trialogue cohorts
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    version: Mapped[LearningSetVersion] = relationship()


class Attendance(Model):
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_session.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    is_present: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evaluation(EvaluationRatings, Model):
    """A participant's survey after a cohort."""

    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        CheckConstraint(RATINGS_CHECK, name="ratings_1_to_5"),
    )

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
