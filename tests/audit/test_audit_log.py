"""Each security- or record-relevant action leaves one audit entry: who, when, what, before/after, IP."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.certification import services as certification
from learnhub.courses import admission, roster
from learnhub.courses.models import Approver, EnrolmentStatus
from learnhub.extensions import db
from learnhub.mentoring import booking, plans
from learnhub.mentoring.models import MentoringSession, SessionKind, SessionParticipant
from learnhub.people.models import MembershipRole, Role
from learnhub.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    certificate_for,
    member_of,
)


def _entries(action: AuditAction) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_logins_and_failures_are_logged_with_ip_and_never_the_password(client, app):
    person = UserFactory(email="ana@example.org")
    client.post("/auth/login", data={"email": "ana@example.org", "password": "not the password!"},
                environ_base={"REMOTE_ADDR": "198.51.100.7"})
    client.post("/auth/login", data={"email": "nobody@example.org", "password": "whatever it is"})
    client.post("/auth/login", data={"email": "ana@example.org", "password": PASSWORD})
    failed, unknown = _entries(AuditAction.LOGIN_FAILED)
    assert (failed.subject_user_id, failed.actor_id, failed.ip_address) == (person.id, None, "198.51.100.7")
    assert unknown.subject_user_id is None and unknown.before is None and unknown.after is None
    [succeeded] = _entries(AuditAction.LOGIN_SUCCEEDED)
    assert succeeded.actor_id == person.id
    dump = repr([(e.before, e.after) for e in db.session.scalars(select(AuditEntry))])
    assert PASSWORD not in dump and "not the password" not in dump and "nobody@example.org" not in dump


def test_role_changes_record_before_and_after(client, auth, app):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    person = UserFactory(roles=[Role.PROFESSIONAL])
    auth.login("admin@example.org")
    client.post(f"/admin/users/{person.id}", data={"roles": ["professional", "mentor"]})
    [entry] = _entries(AuditAction.ROLES_CHANGED)
    assert entry.before == {"roles": ["professional"]} and entry.after == {"roles": ["mentor", "professional"]}
    assert entry.subject_user_id == person.id and entry.ip_address == "127.0.0.1"


def test_enrolment_decisions_are_logged(app):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(capacity=1, approver=Approver.TRAINER, trainer=trainer)
    first, second = UserFactory(), UserFactory()
    pending = admission.enrol(first, cohort, first)
    admission.approve(trainer, pending)
    waiting = EnrolmentFactory(cohort=cohort, user=second, status=EnrolmentStatus.WAITLISTED)
    admission.withdraw(first, pending, "Moving away")
    [approved] = _entries(AuditAction.ENROLMENT_APPROVED)
    assert (approved.actor_id, approved.before, approved.after["status"]) == (trainer.id, {"status": "pending"},
                                                                             "enrolled")
    [withdrawn] = _entries(AuditAction.ENROLMENT_WITHDRAWN)
    assert withdrawn.actor_id == first.id and withdrawn.before == {"status": "enrolled"}
    [promoted] = _entries(AuditAction.ENROLMENT_PROMOTED)
    assert promoted.actor_id is None and promoted.record_id == waiting.id  # the system promoted them
    third = admission.enrol(UserFactory(), cohort, UserFactory())
    admission.reject(trainer, third, "Only staff of day-care services")
    [rejected] = _entries(AuditAction.ENROLMENT_REJECTED)
    assert rejected.before == {"status": "pending"}


def test_attendance_edits_record_the_previous_marks(app):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(trainer=trainer)
    session = CohortSessionFactory(cohort=cohort)
    enrolment = EnrolmentFactory(cohort=cohort)
    roster.set_attendance(trainer, cohort, session.id, [enrolment.id], True)
    roster.set_attendance(trainer, cohort, session.id, [enrolment.id], True)  # no change, no entry
    roster.set_attendance(trainer, cohort, session.id, [enrolment.id], False)
    first, second = _entries(AuditAction.ATTENDANCE_CHANGED)
    assert first.before == {"marks": {str(enrolment.id): None}} and first.after == {"marks": {str(enrolment.id): True}}
    assert second.before == {"marks": {str(enrolment.id): True}} and second.after == {"marks": {str(enrolment.id): False}}


def test_mentoring_attendance_is_logged(app):
    programme = ProgrammeFactory()
    mentor_id = programme.mentors[0].user_id
    mentee = UserFactory()
    session = MentoringSession(programme_id=programme.id, mentor_id=mentor_id, kind=SessionKind.GROUP,
                               starts_at=utcnow() - timedelta(hours=2), ends_at=utcnow() - timedelta(hours=1),
                               participants=[SessionParticipant(user_id=mentee.id)])
    db.session.add(session)
    db.session.flush()
    booking.record_attendance(db.session.get(type(mentee), mentor_id), session, {mentee.id})
    [entry] = _entries(AuditAction.MENTORING_ATTENDANCE_CHANGED)
    assert (entry.subject_user_id, entry.before, entry.after) == (mentee.id, {"attended": None}, {"attended": True})


def test_certificate_issue_revoke_and_reinstate_are_logged(app):
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    enrolment = EnrolmentFactory()
    [certificate] = certification.issue_certificates(admin, enrolment.cohort, [enrolment.id],
                                                     override_reason="Attended elsewhere")
    certification.revoke(admin, certificate, "Issued to the wrong person")
    certification.reinstate(admin, certificate, "It was the right person")
    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "certificate")
                                                    .order_by(AuditEntry.id))]
    assert actions == ["certificate_issued_by_override", "certificate_revoked", "certificate_reinstated"]
    [revoked] = _entries(AuditAction.CERTIFICATE_REVOKED)
    assert revoked.after == {"reason": "Issued to the wrong person"} and revoked.subject_user_id == enrolment.user_id


def test_plan_changes_keep_before_and_after(app):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    programme = ProgrammeFactory(organisation=organisation)
    plan = plans.plan_for(boss, programme, organisation.id)
    plans.update_plan(boss, plan, "Involve parents", "", "", "in_progress", [], False)
    plans.update_plan(boss, plan, "Involve parents monthly", "", "", "in_progress", [], False)
    first, second = _entries(AuditAction.PLAN_CHANGED)
    assert first.before is None and first.after["goals"] == "Involve parents"
    assert second.before["goals"] == "Involve parents" and second.after["goals"] == "Involve parents monthly"


def test_the_database_refuses_to_change_an_entry(app):
    UserFactory(email="ana@example.org")
    entry = AuditEntry(action=AuditAction.LOGIN_FAILED)
    db.session.add(entry)
    db.session.commit()
    with pytest.raises(DBAPIError, match="audit entries cannot be changed"):
        db.session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(action="login_succeeded"))
    db.session.rollback()


def test_secrets_never_reach_the_log_whatever_a_caller_passes(app):
    from learnhub.audit.services import record
    entry = record(AuditAction.PASSWORD_CHANGED, None, after={"password": "x", "reset_token": "y", "nested": {
        "secret_key": "z", "kept": 1}, "status": "ok"})
    assert entry.after == {"nested": {"kept": 1}, "status": "ok"}


def test_admins_filter_the_log_by_action_and_person(client, auth, app):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    UserFactory(email="ana@example.org", display_name="Ana Anić")
    UserFactory(email="bojan@example.org", display_name="Bojan Bojić")
    for email in ("ana@example.org", "bojan@example.org"):
        client.post("/auth/login", data={"email": email, "password": "wrong password!"})
    auth.login("admin@example.org")
    page = client.get("/admin/audit?action=login_failed&person=ANA@example.org").get_data(as_text=True)
    assert "Ana Anić" in page and "Bojan Bojić" not in page and "Failed log-in" in page
    assert client.get("/admin/audit?since=not-a-date").status_code == 400
    assert "Bojan Bojić" in client.get("/admin/audit").get_data(as_text=True)
    today = utcnow().date()
    for period, shown in ((f"since={today}&until={today}", True), (f"until={today.year + 10}-12-31", True),
                          ("since=1900-01-01&until=2000-01-01", False)):  # the last day counts in full
        page = client.get(f"/admin/audit?action=login_failed&{period}").get_data(as_text=True)
        assert ("Bojan Bojić" in page) is shown, period
    refused = client.get("/admin/audit?until=9999-12-31")  # a slip of the finger: said at the field
    assert refused.status_code == 400 and "Please enter a date between 1900 and" in refused.get_data(as_text=True)


def test_no_route_edits_or_deletes_the_log(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert [sorted(r.methods - {"HEAD", "OPTIONS"}) for r in rules] == [["GET"]]


def test_the_log_names_records_in_the_readers_language(client, auth, app):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    enrolment = EnrolmentFactory()
    certificate = certificate_for(enrolment)
    db.session.add(AuditEntry(action=AuditAction.CERTIFICATE_REVOKED, record_type="certificate",
                              record_id=certificate.id, subject_user_id=enrolment.user_id))
    auth.login("admin@example.org")
    assert f"Certificate #{certificate.id}" in client.get("/admin/audit").get_data(as_text=True)
