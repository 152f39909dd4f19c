import json
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from flask_babel import force_locale
from jsonschema import Draft202012Validator
from pypdf import PdfReader

from learnhub.certification import services
from learnhub.certification.models import Certificate, CertificateStatus, OrganisationRequirement
from learnhub.courses.models import Attendance
from learnhub.curriculum.certification_rule import CertificationRule, Facts
from learnhub.curriculum.models import ModuleProgress
from learnhub.errors import Conflict, InvalidInput, NotAllowed, NotFound
from learnhub.extensions import db
from learnhub.i18n import to_reader_script
from learnhub.mail.services import send_pending
from learnhub.people.models import MembershipRole, OrganisationService, Role
from learnhub.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    OrganisationFactory,
    UserFactory,
    certificate_for,
    member_of,
)
from tests.parallel import post_at_once, signed_in

RULE = {"min_attendance_percent": 80, "require_all_modules": True, "min_mentoring_sessions": 0,
        "mentoring_within_months": None, "requires_assessment": False, "validity_months": 24}


def facts(**changes):
    base = dict(sessions_total=8, sessions_attended=7, required_modules=2, required_modules_done=2, all_modules=2,
                all_modules_done=2, mentoring_attended=0, assessment_passed=None)
    return Facts(**{**base, **changes})


@pytest.mark.parametrize("rule_changes, fact_changes, missing", [
    ({}, {}, []),
    ({}, {"sessions_attended": 6}, ["attended 6 of 8 sessions; needs 7"]),  # 80 % of 8 rounds up to 7
    ({"min_attendance_percent": 75}, {"sessions_attended": 6}, []),  # exactly at the threshold
    ({"min_attendance_percent": 100}, {"sessions_attended": 7}, ["attended 7 of 8 sessions; needs 8"]),
    ({}, {"all_modules_done": 1}, ["completed 1 of 2 modules"]),
    ({"require_all_modules": False}, {"all_modules": 3, "all_modules_done": 2}, []),  # optional module skipped
    ({"min_mentoring_sessions": 2}, {"mentoring_attended": 1}, ["attended 1 of 2 mentoring sessions"]),
    ({"min_mentoring_sessions": 2}, {"mentoring_attended": 2}, []),
    ({"requires_assessment": True}, {}, ["no assessment result yet"]),
    ({"requires_assessment": True}, {"assessment_passed": False}, ["has not passed the assessment"]),
    ({"requires_assessment": True}, {"assessment_passed": True}, []),
    ({}, {"sessions_total": 0, "sessions_attended": 0}, []),
])
def test_eligibility_rule(app, rule_changes, fact_changes, missing):
    assert CertificationRule.from_mapping({**RULE, **rule_changes}).missing(facts(**fact_changes)) == missing


def test_pages_ask_for_assessment_results_only_where_the_rule_counts_one():
    assert CertificationRule.from_mapping({**RULE, "requires_assessment": True}).asks_for_assessment
    assert not CertificationRule.from_mapping(RULE).asks_for_assessment


def _cohort_with(attended: int, sessions: int = 4, modules_done: int = 2):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(trainer=trainer)
    cohort.version.certification = dict(RULE)
    enrolment = EnrolmentFactory(cohort=cohort)
    for index in range(sessions):
        session = CohortSessionFactory(cohort=cohort, starts_at=datetime(2027, 3, 1 + index, 8))
        if index < attended:
            db.session.add(Attendance(session_id=session.id, enrolment_id=enrolment.id, is_present=True))
    for module in cohort.version.modules[:modules_done]:
        db.session.add(ModuleProgress(user_id=enrolment.user_id, module_id=module.id))
    db.session.flush()
    return trainer, cohort, enrolment


def test_standings_come_from_recorded_attendance_and_progress(app):
    _trainer, cohort, enrolment = _cohort_with(attended=3, modules_done=1)
    [standing] = services.cohort_standings(cohort)
    assert standing.missing == ["attended 3 of 4 sessions; needs 4", "completed 1 of 2 modules"]


def test_issuing_is_idempotent_and_sets_expiry_and_points(app, smtp_sink):
    trainer, cohort, enrolment = _cohort_with(attended=4)
    now = datetime(2027, 4, 1, 10)
    [certificate] = services.issue_certificates(trainer, cohort, [enrolment.id], now=now)
    assert certificate.expires_at == datetime(2029, 4, 1, 10) and certificate.cpd_points == cohort.version.cpd_points
    assert len(certificate.code) == 32 and certificate.readable_code.count("-") == 7
    assert services.issue_certificates(trainer, cohort, [enrolment.id], now=now) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 1
    assert [e.action for e in services.history(certificate)] == ["issued"]


def test_certificate_mail_names_the_set_in_the_holders_language_whoever_issues_it(app, smtp_sink):
    trainer, cohort, enrolment = _cohort_with(attended=4)  # the trainer works in English
    enrolment.user.preferred_language = "sr_Cyrl"
    services.issue_certificates(trainer, cohort, [enrolment.id])
    db.session.commit()
    send_pending()
    [message] = smtp_sink.to(enrolment.user.email)
    with force_locale("sr_Cyrl"):
        title = to_reader_script(cohort.version.title["sr_Latn"])
    assert title in message["Subject"] and title in smtp_sink.text_of(message)


def test_not_eligible_needs_an_audited_admin_override(app):
    trainer, cohort, enrolment = _cohort_with(attended=1)
    with pytest.raises(Conflict, match="Not yet eligible"):
        services.issue_certificates(trainer, cohort, [enrolment.id])
    with pytest.raises(NotAllowed):
        services.issue_certificates(trainer, cohort, [enrolment.id], override_reason="Was ill, did the work")
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    [certificate] = services.issue_certificates(admin, cohort, [enrolment.id], override_reason="Was ill, did the work")
    assert certificate.is_override
    [event] = services.history(certificate)
    assert (event.action, event.actor_id, event.reason) == ("issued_by_override", admin.id, "Was ill, did the work")


def test_revoke_twice_is_a_conflict_and_reinstating_is_audited(app):
    _trainer, cohort, enrolment = _cohort_with(attended=4)
    certificate = certificate_for(enrolment)
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    with pytest.raises(NotAllowed):
        services.revoke(enrolment.user, certificate, "x")
    with pytest.raises(InvalidInput):
        services.revoke(admin, certificate, " ")
    services.revoke(admin, certificate, "Issued in error")
    assert certificate.status == CertificateStatus.REVOKED
    with pytest.raises(Conflict):
        services.revoke(admin, certificate, "again")
    services.reinstate(admin, certificate, "Checked again")
    assert certificate.status == CertificateStatus.VALID
    assert [e.action for e in services.history(certificate)] == ["revoked", "reinstated"]


def _schema():
    return json.loads((Path(__file__).parent / "openbadges_credential.schema.json").read_text())


def test_public_verification_page_and_open_badges_json(client):
    enrolment = EnrolmentFactory(user=UserFactory(display_name="Ljiljana Đorđević", email="lj@example.org"))
    certificate = certificate_for(enrolment, expires_at=utcnow() + timedelta(days=300))
    db.session.commit()
    page = client.get(f"/verify/{certificate.readable_code.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "This certificate is valid." in html and "Ljiljana Đorđević" in html
    assert "lj@example.org" not in html  # nothing more than name, learning set, dates and status
    credential = client.get(f"/verify/{certificate.code}.json").json
    Draft202012Validator(_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(credential)
    assert "OpenBadgeCredential" in credential["type"] and credential["validUntil"].endswith("Z")


@pytest.mark.parametrize("suffix, expected", [("", 2), (".json", 1), (".jwt", 1)])
def test_verification_answers_with_a_fixed_number_of_queries(client, count_queries, suffix, expected):
    """Anyone may ask at any rate: the certificate, and for the page the revocation list its check reads."""
    path = f"/verify/{certificate_for(EnrolmentFactory()).code}{suffix}"
    db.session.commit()
    with count_queries() as queries:
        assert client.get(path).status_code == 200
    assert len(queries) == expected, "\n".join(q[:150] for q in queries)


def test_unknown_malformed_and_revoked_codes_are_told_apart(client):
    certificate = certificate_for(EnrolmentFactory(), revoked_at=utcnow() - timedelta(days=1),
                                  revoked_note="Issued in error")
    db.session.commit()
    assert "was revoked" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    unknown = client.get("/verify/" + "A" * 32)
    assert unknown.status_code == 404 and "No certificate has this code" in unknown.get_data(as_text=True)
    for malformed in ("x", "%3Cscript%3E", "A" * 300):
        assert client.get(f"/verify/{malformed}").status_code == 404
    assert client.get("/verify/" + "A" * 32 + ".json").status_code == 404


def test_verification_is_rate_limited(make_app):
    app = make_app(VERIFY_RATE_LIMIT="3 per minute")
    client = app.test_client()
    assert [client.get("/verify/" + "B" * 32).status_code for _ in range(4)] == [404, 404, 404, 429]


def test_pdf_in_cyrillic_is_downloadable_by_holder_and_org_admin_only(client):
    organisation = OrganisationFactory()
    holder = member_of(organisation, display_name="Ljiljana Đorđević", preferred_language="sr_Cyrl")
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    stranger = UserFactory()
    certificate = certificate_for(EnrolmentFactory(user=holder))
    db.session.commit()
    for user, status in ((stranger, 404), (holder, 200), (boss, 200)):
        client.post("/auth/logout")
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        response = client.get(f"/certificates/{certificate.id}.pdf")
        assert response.status_code == status
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": holder.email, "password": PASSWORD})
    text = PdfReader(BytesIO(client.get(f"/certificates/{certificate.id}.pdf").data)).pages[0].extract_text()
    groups = certificate.readable_code.split("-")  # printed whole, on two lines of four groups
    assert "Љиљана Ђорђевић" in text and "-".join(groups[:4]) + "\n" + "-".join(groups[4:]) in text


def test_expiry_warnings_go_to_holder_and_org_admins_once(app, smtp_sink):
    organisation = OrganisationFactory()
    holder = member_of(organisation, email="holder@example.org")
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    now = datetime(2027, 1, 1, 9)
    certificate_for(EnrolmentFactory(user=holder), expires_at=now + timedelta(days=50))
    assert services.send_expiry_notices(now) == 2
    assert services.send_expiry_notices(now + timedelta(days=1)) == 0
    assert services.send_expiry_notices(now + timedelta(days=40)) == 2  # the 14-day warning
    db.session.commit()
    send_pending()
    assert len(smtp_sink.to("holder@example.org")) == 2 and len(smtp_sink.to("boss@example.org")) == 2


def test_cpd_record_counts_certificates_and_approved_activities_per_year(app):
    user = UserFactory()
    certificate_for(EnrolmentFactory(user=user), issued_at=datetime(2025, 5, 1))
    activity = services.add_cpd_activity(user, "Conference, Novi Sad", 6, datetime(2025, 9, 1).date(),
                                         datetime(2026, 1, 1).date())
    services.add_cpd_activity(user, "Supervision", 4, datetime(2026, 2, 1).date(), datetime(2026, 3, 1).date())
    services.approve_cpd_activity(UserFactory(roles=[Role.INSTITUTE_ADMIN]), activity.id)
    record = services.cpd_record(user, datetime(2026, 6, 1).date())
    assert [(y.year, y.from_certificates, y.from_activities) for y in record.years] == [(2025, 8, 6)]
    assert (record.period_start, record.period_end, record.period_total) == (2024, 2029, 14)
    with pytest.raises(InvalidInput):
        services.add_cpd_activity(user, "Future", 3, datetime(2030, 1, 1).date(), datetime(2026, 1, 1).date())


def test_renewal_by_cpd_extends_the_certificate_and_uses_each_point_once(app):
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    enrolment = EnrolmentFactory()
    enrolment.version.certification = {**RULE, "renewal_cpd_points": 10}
    certificate = certificate_for(enrolment, issued_at=datetime(2025, 1, 1), expires_at=datetime(2027, 1, 1))

    def renew_after(title: str | None, now: datetime) -> datetime:
        if title:
            activity = services.add_cpd_activity(enrolment.user, title, 10, datetime(2026, 5, 1).date(),
                                                 datetime(2026, 12, 1).date())
            services.approve_cpd_activity(admin, activity.id)
        services.renew_by_cpd(admin, certificate, now=now)
        return certificate.expires_at

    with pytest.raises(Conflict, match="0 of 10"):
        renew_after(None, datetime(2026, 12, 1))
    assert renew_after("Course", datetime(2026, 12, 1)) == datetime(2029, 1, 1)
    # When the next renewal opens, the same points do not renew it again; points approved since the renewal do.
    with pytest.raises(Conflict, match="0 of 10 CPD points earned since the certificate was issued or last renewed"):
        renew_after(None, datetime(2028, 12, 1))
    assert renew_after("Supervision", datetime(2028, 12, 1)) == datetime(2031, 1, 1)
    assert [e.action for e in services.history(certificate)] == ["renewed", "renewed"]


def test_parallel_approvals_approve_once(parallel_app):
    activity = services.add_cpd_activity(UserFactory(), "Supervision", 4, datetime(2026, 2, 1).date(),
                                         datetime(2026, 3, 1).date())
    admins = [UserFactory(roles=[Role.INSTITUTE_ADMIN]) for _ in range(4)]
    db.session.commit()
    posts = [(signed_in(parallel_app, admin.email), f"/admin/cpd/{activity.id}/approve", None) for admin in admins]
    statuses = post_at_once(posts)
    assert sorted(statuses) == [302] + [409] * 3
    db.session.refresh(activity)
    assert activity.approved_by_id == admins[statuses.index(302)].id
    assert signed_in(parallel_app, admins[0].email).post("/admin/cpd/999999/approve").status_code == 404


def test_organisation_status_shows_gaps_expiring_and_compliant(app):
    now = datetime(2027, 1, 1)
    enrolment = EnrolmentFactory()
    learning_set_id = enrolment.version.learning_set_id
    db.session.add(OrganisationRequirement(service_type="day_care_children_disabilities",
                                           learning_set_id=learning_set_id, min_staff=2))
    day_care = [OrganisationFactory(services=[OrganisationService(service_type="day_care_children_disabilities")])
                for _ in range(3)]
    OrganisationFactory(services=[OrganisationService(service_type="home_help")])  # no requirement applies
    for index, organisation in enumerate(day_care):
        for holder_number in range(index + 1 if index < 2 else 2):
            holder = member_of(organisation)
            expires = now + timedelta(days=30) if index == 2 and holder_number == 0 else None
            certificate_for(EnrolmentFactory(user=holder, cohort=enrolment.cohort), expires_at=expires)
    # Neither a second certificate of the same holder nor a revoked one adds a certified person.
    first_holder = day_care[0].memberships[0].user_id
    certificate_for(EnrolmentFactory(user_id=first_holder, cohort=enrolment.cohort), expires_at=now + timedelta(days=5))
    certificate_for(EnrolmentFactory(user=member_of(day_care[0]), cohort=enrolment.cohort), revoked_at=now)
    statuses = {s.organisation.id: s for s in services.organisation_statuses(None, now)}
    assert [statuses[o.id].state for o in day_care] == ["gaps", "compliant", "expiring"]
    assert [(r.certified, r.expiring_soon) for o in day_care for r in statuses[o.id].requirements] == [
        (1, 0), (2, 0), (2, 1)]
    [own] = services.organisation_statuses([day_care[2].id], now)  # an organisation's admin sees theirs only
    assert (own.organisation, own.state) == (day_care[2], "expiring")


def test_organisation_status_is_empty_without_requirements(app):
    OrganisationFactory(services=[OrganisationService(service_type="home_help")])
    assert services.organisation_statuses(None, datetime(2027, 1, 1)) == []


def test_a_requirement_names_a_learning_set_that_exists(app):
    learning_set_id = EnrolmentFactory().version.learning_set_id
    for unknown in (None, learning_set_id + 1000):
        with pytest.raises(InvalidInput, match="choose from the lists"):
            services.set_requirement("home_help", unknown, 2)
    assert services.set_requirement("home_help", learning_set_id, 2).min_staff == 2
    assert services.set_requirement("home_help", learning_set_id, 3).min_staff == 3  # the same rule, changed


def test_other_organisations_certificates_are_not_visible(client):
    certificate = certificate_for(EnrolmentFactory(user=member_of(OrganisationFactory())))
    boss_elsewhere = member_of(OrganisationFactory(), MembershipRole.ORG_ADMIN)
    with pytest.raises(NotFound):
        services.certificate_for(boss_elsewhere, certificate.id)


def test_the_worker_certifies_automatically_only_where_the_cohort_asks_for_it(app, runner):
    _trainer, cohort, enrolment = _cohort_with(attended=4)
    _other_trainer, manual_cohort, _manual = _cohort_with(attended=4)
    cohort.auto_issue_certificates = True
    db.session.commit()
    assert "certificates 1," in runner.invoke(args=["mail", "send-pending"]).output
    assert "certificates 0," in runner.invoke(args=["mail", "send-pending"]).output
    [certificate] = db.session.scalars(db.select(Certificate)).all()
    assert certificate.cohort_id == cohort.id and certificate.issuer_id is None
    assert [e.action for e in services.history(certificate)] == ["issued"]


def test_parallel_revocations_revoke_once(parallel_app):
    certificate = certificate_for(EnrolmentFactory())
    admins = [UserFactory(roles=[Role.INSTITUTE_ADMIN]) for _ in range(4)]
    db.session.commit()
    url = f"/certificates/{certificate.id}/revoke"
    posts = [(signed_in(parallel_app, admin.email), url, {"note": "Issued in error", "confirmed": "1"}) for admin in admins]
    assert sorted(post_at_once(posts)) == [302] + [409] * 3
    assert [e.action for e in services.history(certificate)] == ["revoked"]
