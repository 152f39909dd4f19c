from datetime import date, datetime

from sqlalchemy import Connection, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from learnhub.certification.status_list import free_status_index
from learnhub.courses.models import Cohort, Enrolment
from learnhub.curriculum.models import LearningSet, LearningSetVersion
from learnhub.enums import LabelledEnum, stored_as_value
from learnhub.extensions import Model
from learnhub.i18n import _l
from learnhub.people.models import ServiceType, User
from learnhub.timeutil import utcnow


class CertificateStatus(LabelledEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"

    __labels__ = {VALID: _l("Valid"), EXPIRED: _l("Expired"), REVOKED: _l("Revoked")}


class Certificate(Model):
    __table_args__ = (UniqueConstraint("holder_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # 128 random bits in base32: unguessable, and what /verify/<code> looks up.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("learning_set_version.id"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    cpd_points: Mapped[int] = mapped_column(default=0)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))  # None: automatic
    is_override: Mapped[bool] = mapped_column(default=False)  # issued without meeting the rule
    revoked_at: Mapped[datetime | None]
    revoked_note: Mapped[str] = mapped_column(Text, default="")  # why, for admins only
    revoked_public_reason: Mapped[str] = mapped_column(Text, default="")  # shown to anyone who verifies; may be empty
    # Its bit in the revocation status list (status_list.py), fixed for life; drawn when the row is inserted.
    status_index: Mapped[int] = mapped_column(unique=True)

    holder: Mapped[User] = relationship(foreign_keys=[holder_id], lazy="joined")
    version: Mapped[LearningSetVersion] = relationship(lazy="joined")
    cohort: Mapped[Cohort | None] = relationship()
    issuer: Mapped[User | None] = relationship(foreign_keys=[issuer_id])

    def status_at(self, moment: datetime) -> CertificateStatus:
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= moment:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> CertificateStatus:
        return self.status_at(utcnow())

    @property
    def readable_code(self) -> str:
        return "-".join(self.code[i:i + 4] for i in range(0, len(self.code), 4))


@event.listens_for(Certificate, "before_insert")
def _draw_status_index(_mapper: Mapper, connection: Connection, certificate: Certificate) -> None:
    if certificate.status_index is None:
        certificate.status_index = free_status_index(connection)


class CertificateEventAction(LabelledEnum):
    ISSUED = "issued"
    ISSUED_BY_OVERRIDE = "issued_by_override"
    REVOKED = "revoked"
    REINSTATED = "reinstated"
    RENEWED = "renewed"
    RENEWED_BY_OVERRIDE = "renewed_by_override"

    __labels__ = {
        ISSUED: _l("issued"),
        ISSUED_BY_OVERRIDE: _l("issued by an admin's override"),
        REVOKED: _l("revoked"),
        REINSTATED: _l("reinstated (valid again)"),
        RENEWED: _l("renewed with CPD points"),
        RENEWED_BY_OVERRIDE: _l("renewed early by an admin's override"),
    }


class CertificateEvent(Model):
    """The audit trail of a certificate: who did what, when and why. Never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[CertificateEventAction] = mapped_column(stored_as_value(CertificateEventAction, 30))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class ExpiryNotice(Model):
    """One row per expiry warning sent, so each goes out once."""

    __table_args__ = (UniqueConstraint("certificate_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    days_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentResult(Model):
    """A participant's assessment outcome, for learning sets whose rule requires one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), unique=True)
    is_passed: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()


class CpdActivity(Model):
    """Continuing professional development outside LearnHub (conferences, supervision…), approved by the institute."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    points: Mapped[int]
    completed_on: Mapped[date]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class OrganisationRequirement(Model):
    """E.g. a day-care provider needs at least two staff certified in the parents' learning set."""

    __table_args__ = (UniqueConstraint("service_type", "learning_set_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type: Mapped[ServiceType] = mapped_column(stored_as_value(ServiceType, 40))
    learning_set_id: Mapped[int] = mapped_column(ForeignKey("learning_set.id", ondelete="CASCADE"))
    min_staff: Mapped[int] = mapped_column(default=1)

    learning_set: Mapped[LearningSet] = relationship(lazy="joined")
