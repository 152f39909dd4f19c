from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.curriculum.models import Audience, LearningSetVersion
from learnhub.evaluations.models import RATINGS_CHECK, EvaluationRatings
from learnhub.extensions import db
from learnhub.i18n import _l
from learnhub.people.models import Municipality, Organisation, User
from learnhub.timeutil import utcnow


class PromotionPolicy(StrEnum):
    FIRST_COME = "first_come"
    FAIR_BY_ORGANISATION = "fair_by_organisation"
    FAIR_BY_MUNICIPALITY = "fair_by_municipality"

    @property
    def label(self) -> str:
        return str({
            "first_come": _l("First come, first served"),
            "fair_by_organisation": _l("Fair shares per organisation"),
            "fair_by_municipality": _l("Fair shares per municipality"),
        }[self.value])


class Approver(StrEnum):
    NONE = "none"
    TRAINER = "trainer"
    ORG_ADMIN = "org_admin"

    @property
    def label(self) -> str:
        return str({"none": _l("No approval needed"), "trainer": _l("The cohort's trainer approves"),
                    "org_admin": _l("The participant's organisation admin approves")}[self.value])


class EnrolmentStatus(StrEnum):
    PENDING = "pending"  # waiting for approval
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str({"pending": _l("Waiting for approval"), "enrolled": _l("Enrolled"),
                    "waitlisted": _l("On the waitlist"), "withdrawn": _l("Withdrawn"),
                    "rejected": _l("Not accepted")}[self.value])


class Cohort(db.Model):
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
    approver: Mapped[str] = mapped_column(String(12), default=Approver.NONE)
    promotion_policy: Mapped[str] = mapped_column(String(24), default=PromotionPolicy.FIRST_COME)
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

    @property
    def promotion_policy_label(self) -> str:
        return PromotionPolicy(self.promotion_policy).label

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


class CohortTrainer(db.Model):
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)

    user: Mapped[User] = relationship(lazy="joined")


JOIN_LINK_OPENS_BEFORE = timedelta(minutes=30)  # enough to test sound and camera, not so early it is lost


def join_link(online_url: str, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    """A session's meeting link while it is worth following: from shortly before the start until the end."""
    return online_url if online_url and starts_at - JOIN_LINK_OPENS_BEFORE <= now < ends_at else ""


class CohortSession(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")

    def join_url_at(self, now: datetime) -> str:
        return join_link(self.online_url, self.starts_at, self.ends_at, now)


class CohortSessionReminder(db.Model):
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

    @property
    def status_label(self) -> str:
        return EnrolmentStatus(self.status).label

    @property
    def perspective_label(self) -> str:
        return Audience(self.perspective).label if self.perspective else ""

    @property
    def holds_seat(self) -> bool:
        return self.status == EnrolmentStatus.ENROLLED


class Enrolment(EnrolmentLabels, db.Model):
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(ForeignKey("learning_set_version.id"))  # the version they learn
    status: Mapped[str] = mapped_column(String(12), index=True)
    perspective: Mapped[str | None] = mapped_column(String(20))  # an Audience value, for Trialogue cohorts
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    version: Mapped[LearningSetVersion] = relationship()


class Attendance(db.Model):
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_session.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    is_present: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evaluation(EvaluationRatings, db.Model):
    """A participant's survey after a cohort."""

    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        CheckConstraint(RATINGS_CHECK, name="ratings_1_to_5"),
    )

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
