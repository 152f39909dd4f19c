"""A number and its noun agree: one certificate, one mentoring session, one module."""

from datetime import datetime

import pytest

from learnhub.certification import services
from learnhub.certification.documents import credential_for
from learnhub.courses.models import Attendance
from learnhub.curriculum.certification_rule import CertificationRule, Facts
from learnhub.curriculum.models import ModuleProgress
from learnhub.errors import Conflict
from learnhub.extensions import db
from learnhub.people.models import Role
from tests.factories import (
    PASSWORD,
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    UserFactory,
    certificate_for,
)


def facts(**changes):
    base = dict(sessions_total=1, sessions_attended=0, required_modules=1, required_modules_done=0, all_modules=1,
                all_modules_done=0, mentoring_attended=0, assessment_passed=None)
    return Facts(**{**base, **changes})


def test_what_is_missing_counts_one_session_and_one_module(app):
    rule = {"min_attendance_percent": 100, "require_all_modules": True, "min_mentoring_sessions": 1}
    assert CertificationRule.from_mapping(rule).missing(facts()) == [
        "attended 0 of 1 session; needs 1", "completed 0 of 1 module", "attended 0 of 1 mentoring session"]


def test_issuing_one_certificate_says_one_certificate(client, auth):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(trainer=trainer)
    cohort.version.certification = {"min_attendance_percent": 100, "require_all_modules": True}
    enrolment = EnrolmentFactory(cohort=cohort)
    session = CohortSessionFactory(cohort=cohort, starts_at=datetime(2027, 3, 1, 8))
    db.session.add(Attendance(session_id=session.id, enrolment_id=enrolment.id, is_present=True))
    db.session.add_all([ModuleProgress(user_id=enrolment.user_id, module_id=m.id) for m in cohort.version.modules])
    db.session.commit()
    auth.login(trainer.email, PASSWORD)
    response = client.post(f"/trainer/cohorts/{cohort.id}/certificates", data={"enrolment_id": enrolment.id},
                           follow_redirects=True)
    assert "1 certificate issued." in response.get_data(as_text=True)


@pytest.mark.parametrize("sessions, wording", [(1, "1 mentoring session."), (3, "3 mentoring sessions.")])
def test_the_credential_criteria_count_mentoring_sessions(app, sessions, wording):
    enrolment = EnrolmentFactory()
    enrolment.version.certification = {"min_attendance_percent": 80, "min_mentoring_sessions": sessions}
    with app.test_request_context():
        criteria = credential_for(certificate_for(enrolment))["credentialSubject"]["achievement"]["criteria"]
    assert criteria["narrative"].endswith(wording)


def test_the_licence_period_counts_one_point(make_app):
    app = make_app(CPD_REQUIRED_POINTS=1)
    with app.app_context():
        user = UserFactory()
        db.session.commit()
        client = app.test_client()
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert ": 0 of 1 point." in client.get("/certificates").get_data(as_text=True)


def test_renewal_counts_one_point(app):
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    enrolment = EnrolmentFactory()
    enrolment.version.certification = {"validity_months": 24, "renewal_cpd_points": 1}
    certificate = certificate_for(enrolment, issued_at=datetime(2027, 1, 1), expires_at=datetime(2029, 1, 1))
    with pytest.raises(Conflict, match="0 of 1 CPD point earned since"):
        services.renew_by_cpd(admin, certificate, now=datetime(2028, 12, 1))
    activity = services.add_cpd_activity(enrolment.user, "Reading group", 1, datetime(2027, 5, 1).date(),
                                         datetime(2027, 6, 1).date())
    services.approve_cpd_activity(admin, activity.id)
    services.renew_by_cpd(admin, certificate, now=datetime(2028, 12, 1))
    assert [e.reason for e in services.history(certificate)] == ["1 CPD point"]
