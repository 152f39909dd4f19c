from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.enums import LabelledEnum, stored_as_value
from learnhub.extensions import Model
from learnhub.i18n import _l
from learnhub.timeutil import utcnow

if TYPE_CHECKING:  # audit sits below people (people record audit entries): names only, no import
    from learnhub.people.models import User


class AuditAction(LabelledEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    PASSWORD_CHANGED = "password_changed"
    ROLES_CHANGED = "roles_changed"
    MEMBER_REMOVED = "member_removed"
    ENROLMENT_APPROVED = "enrolment_approved"
    ENROLMENT_REJECTED = "enrolment_rejected"
    ENROLMENT_WITHDRAWN = "enrolment_withdrawn"
    ENROLMENT_PROMOTED = "enrolment_promoted"
    ATTENDANCE_CHANGED = "attendance_changed"
    MENTORING_ATTENDANCE_CHANGED = "mentoring_attendance_changed"
    CERTIFICATE_ISSUED = "certificate_issued"
    CERTIFICATE_ISSUED_BY_OVERRIDE = "certificate_issued_by_override"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CERTIFICATE_REINSTATED = "certificate_reinstated"
    CERTIFICATE_RENEWED = "certificate_renewed"
    CERTIFICATE_RENEWED_BY_OVERRIDE = "certificate_renewed_by_override"  # before the renewal window opened
    PLAN_CHANGED = "plan_changed"
    PERSONAL_DATA_EXPORTED = "personal_data_exported"
    ERASURE_REQUESTED = "erasure_requested"
    ERASURE_COMPLETED = "erasure_completed"

    __labels__ = {
        LOGIN_SUCCEEDED: _l("Logged in"),
        LOGIN_FAILED: _l("Failed log-in"),
        PASSWORD_CHANGED: _l("Password changed"),
        ROLES_CHANGED: _l("Roles changed"),
        MEMBER_REMOVED: _l("Removed from an organisation"),
        ENROLMENT_APPROVED: _l("Enrolment approved"),
        ENROLMENT_REJECTED: _l("Enrolment not accepted"),
        ENROLMENT_WITHDRAWN: _l("Enrolment withdrawn"),
        ENROLMENT_PROMOTED: _l("Moved from the waitlist into the cohort"),
        ATTENDANCE_CHANGED: _l("Cohort attendance recorded"),
        MENTORING_ATTENDANCE_CHANGED: _l("Mentoring attendance recorded"),
        CERTIFICATE_ISSUED: _l("Certificate issued"),
        CERTIFICATE_ISSUED_BY_OVERRIDE: _l("Certificate issued by override"),
        CERTIFICATE_REVOKED: _l("Certificate revoked"),
        CERTIFICATE_REINSTATED: _l("Certificate reinstated"),
        CERTIFICATE_RENEWED: _l("Certificate renewed"),
        CERTIFICATE_RENEWED_BY_OVERRIDE: _l("Certificate renewed early by override"),
        PLAN_CHANGED: _l("Implementation plan changed"),
        PERSONAL_DATA_EXPORTED: _l("Personal data downloaded"),
        ERASURE_REQUESTED: _l("Erasure requested"),
        ERASURE_COMPLETED: _l("Personal data erased"),
    }


RECORD_LABELS = {
    "certificate": _l("Certificate"),
    "enrolment": _l("Enrolment"),
    "cohort_session": _l("Cohort session"),
    "mentoring_session": _l("Mentoring session"),
    "implementation_plan": _l("Implementation plan"),
    "user": _l("Person"),
    "organisation": _l("Organisation"),
    "erasure_request": _l("Erasure request"),
}


class AuditEntry(Model):
    """One recorded action. Append-only: no route edits it and the database refuses UPDATEs
    (a trigger from migration 0006). The user foreign keys have no ON DELETE action because
    people are anonymised, never deleted, so their history stays."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[AuditAction] = mapped_column(stored_as_value(AuditAction, 40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)  # None: the system or anonymous
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)  # whose record it is
    record_type: Mapped[str] = mapped_column(String(40), default="")
    record_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    actor: Mapped["User | None"] = relationship("User", foreign_keys=[actor_id], lazy="joined")
    subject_user: Mapped["User | None"] = relationship("User", foreign_keys=[subject_user_id], lazy="joined")

