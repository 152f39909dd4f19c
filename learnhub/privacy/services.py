"""Everything LearnHub holds about a person, as a download; and erasure that keeps the statistics."""

import io
import json
import secrets
import zipfile
from datetime import date, datetime

from sqlalchemy import delete, select, update

from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.auth.models import Invitation, LoginSession
from learnhub.auth.services import close_all_login_sessions, require_current_password
from learnhub.certification.credentials import signed_credential
from learnhub.certification.documents import pdf_for
from learnhub.certification.models import Certificate, CpdActivity
from learnhub.certification.services import certificates_of
from learnhub.courses.models import Attendance, Enrolment, Evaluation
from learnhub.curriculum.models import Module, ModuleProgress
from learnhub.errors import Conflict, NotFound
from learnhub.extensions import db
from learnhub.i18n import _
from learnhub.locking import locked_or_none
from learnhub.mail.services import erase_from_outbox
from learnhub.mentoring.models import (
    CalendarFeed,
    MentoringEvaluation,
    MentoringSession,
    ProgrammeMentee,
    SessionNote,
    SessionParticipant,
)
from learnhub.people.models import Membership, User
from learnhub.people.services import keep_an_institute_admin
from learnhub.privacy.models import ErasureRequest
from learnhub.timeutil import utcnow


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _rows(statement, *fields: str) -> list[dict]:
    return [{name: _plain(value) for name, value in zip(fields, row)} for row in db.session.execute(statement)]


def personal_data(user: User, certificates: list[Certificate]) -> dict:
    """What we hold on this person, grouped the way they would recognise it."""
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {"email": user.email, "display_name": user.display_name, "preferred_language": user.preferred_language,
                    "time_zone": user.time_zone, "created_at": _plain(user.created_at),
                    "last_login_at": _plain(user.last_login_at), "roles": sorted(r.role for r in user.roles)},
        "organisations": [{"organisation": m.organisation.name, "municipality": m.organisation.municipality.name,
                           "role": m.role, "since": _plain(m.created_at)} for m in user.memberships],
        "enrolments": _rows(select(Enrolment.cohort_id, Enrolment.status, Enrolment.perspective, Enrolment.reason,
                                   Enrolment.created_at, Enrolment.decided_at).where(Enrolment.user_id == user.id)
                            .order_by(Enrolment.id),
                            "cohort_id", "status", "perspective", "reason", "created_at", "decided_at"),
        "attendance": _rows(select(Enrolment.cohort_id, Attendance.session_id, Attendance.is_present,
                                   Attendance.recorded_at).join(Enrolment, Enrolment.id == Attendance.enrolment_id)
                            .where(Enrolment.user_id == user.id).order_by(Attendance.id),
                            "cohort_id", "session_id", "is_present", "recorded_at"),
        "modules_completed": _rows(select(Module.slug, ModuleProgress.completed_at)
                                   .join(Module, Module.id == ModuleProgress.module_id)
                                   .where(ModuleProgress.user_id == user.id).order_by(ModuleProgress.id),
                                   "module", "completed_at"),
        "cohort_evaluations": _rows(select(Evaluation.cohort_id, Evaluation.accessibility, Evaluation.usefulness,
                                           Evaluation.quality, Evaluation.comment, Evaluation.created_at)
                                    .where(Evaluation.user_id == user.id),
                                    "cohort_id", "accessibility", "usefulness", "quality", "comment", "created_at"),
        "mentoring_sessions": _rows(select(MentoringSession.id, MentoringSession.kind, MentoringSession.starts_at,
                                           MentoringSession.ends_at, SessionParticipant.partstat,
                                           SessionParticipant.attended, MentoringSession.note_for_mentor)
                                    .join(MentoringSession, MentoringSession.id == SessionParticipant.session_id)
                                    .where(SessionParticipant.user_id == user.id).order_by(MentoringSession.starts_at),
                                    "session_id", "kind", "starts_at", "ends_at", "answer", "attended",
                                    "note_for_mentor"),
        "mentoring_evaluations": _rows(select(MentoringEvaluation.session_id, MentoringEvaluation.accessibility,
                                              MentoringEvaluation.usefulness, MentoringEvaluation.quality,
                                              MentoringEvaluation.comment, MentoringEvaluation.created_at)
                                       .where(MentoringEvaluation.user_id == user.id),
                                       "session_id", "accessibility", "usefulness", "quality", "comment", "created_at"),
        "session_notes_written": _rows(select(SessionNote.session_id, SessionNote.body, SessionNote.is_shared,
                                              SessionNote.created_at).where(SessionNote.author_id == user.id),
                                       "session_id", "body", "is_shared", "created_at"),
        "certificates": [{"code": c.readable_code, "learning_set": c.version.slug, "version": c.version.number,
                          "issued_at": _plain(c.issued_at), "expires_at": _plain(c.expires_at),
                          "status": c.status.value, "cpd_points": c.cpd_points, "file": f"certificates/{c.code}.pdf",
                          "signed_credential": f"certificates/{c.code}.jwt"}
                         for c in certificates],
        "cpd_activities": _rows(select(CpdActivity.title, CpdActivity.points, CpdActivity.completed_on,
                                       CpdActivity.approved_at).where(CpdActivity.user_id == user.id),
                                "title", "points", "completed_on", "approved_at"),
        "log_in_sessions": _rows(select(LoginSession.created_at).where(LoginSession.user_id == user.id),
                                 "created_at"),
        "audit_log": [{"when": _plain(e.created_at), "action": e.action, "record": e.record_type,
                       "record_id": e.record_id, "ip_address": e.ip_address} for e in audit.entries_about(user)],
    }


def export_personal_data(user: User) -> bytes:
    """A ZIP with personal-data.json and every certificate as a PDF in the person's language and as a signed
    Open Badges 3.0 credential (VC-JWT) to keep in a wallet or hand to anyone who checks it."""
    audit.record(AuditAction.PERSONAL_DATA_EXPORTED, user, subject_user_id=user.id)
    certificates = certificates_of(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json.dumps(personal_data(user, certificates), ensure_ascii=False,
                                                          indent=2))
        for certificate in certificates:
            archive.writestr(f"certificates/{certificate.code}.pdf", pdf_for(certificate, user.preferred_language))
            archive.writestr(f"certificates/{certificate.code}.jwt", signed_credential(certificate))
    return buffer.getvalue()


def open_erasure_request(user: User) -> ErasureRequest | None:
    return db.session.scalar(select(ErasureRequest).where(ErasureRequest.user_id == user.id,
                                                          ErasureRequest.completed_at.is_(None)))


def request_erasure(user: User, current_password: str) -> ErasureRequest:
    require_current_password(user, current_password)
    if open_erasure_request(user) is not None:
        raise Conflict(_("You have already asked for erasure. The institute will complete it soon."))
    erasure = ErasureRequest(user_id=user.id)
    db.session.add(erasure)
    db.session.flush()
    audit.record(AuditAction.ERASURE_REQUESTED, user, subject_user_id=user.id, record_type="erasure_request",
                 record_id=erasure.id)
    return erasure


def pending_erasures() -> list[ErasureRequest]:
    return list(db.session.scalars(select(ErasureRequest).where(ErasureRequest.completed_at.is_(None))
                                   .order_by(ErasureRequest.requested_at)))


def complete_erasure(actor: User, request_id: int) -> User:
    """Anonymise the person. Kept: enrolments, attendance, ratings and certificates without a name,
    so statistics and certificate checks stay true. Removed: name, e-mail, password, memberships,
    their own comments and reasons, and every stored mail to them or naming them (mail to others still
goes, without them). Notes a mentor wrote stay
    with the sessions they describe, now under the anonymised name."""
    # Locked, so two admins completing it at once erase (and log) it once.
    erasure = locked_or_none(ErasureRequest, request_id)
    if erasure is None or erasure.completed_at is not None:
        raise NotFound(_("We could not find that erasure request."))
    if erasure.user_id == actor.id:
        raise Conflict(_("Another institute admin must complete the erasure of your own account."))
    user = erasure.user
    keep_an_institute_admin(user)
    old_address, old_name = user.email, user.display_name
    user.display_name = "—"  # templates say "erased" in the reader's language where it matters
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = "!" + secrets.token_hex(16)  # matches no password
    user.is_active_account, user.erased_at, user.last_login_at = False, utcnow(), None
    user.roles = []
    close_all_login_sessions(user)
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    db.session.execute(delete(ProgrammeMentee).where(ProgrammeMentee.user_id == user.id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.execute(delete(CpdActivity).where(CpdActivity.user_id == user.id))
    db.session.execute(update(Enrolment).where(Enrolment.user_id == user.id).values(reason=""))
    for model in (Evaluation, MentoringEvaluation):
        db.session.execute(update(model).where(model.user_id == user.id).values(comment=""))
    # What they wrote for a mentor when booking (only a 1:1 session's one mentee writes it).
    db.session.execute(update(MentoringSession).where(MentoringSession.id.in_(
        select(SessionParticipant.session_id).where(SessionParticipant.user_id == user.id))).values(note_for_mentor=""))
    erase_from_outbox(old_address, old_name, user.email, user.display_name)
    db.session.execute(delete(Invitation).where(Invitation.email == old_address))
    erasure.completed_at, erasure.completed_by_id = utcnow(), actor.id
    audit.record(AuditAction.ERASURE_COMPLETED, actor, subject_user_id=user.id, record_type="erasure_request",
                 record_id=erasure.id)
    db.session.flush()
    return user
