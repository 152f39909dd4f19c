"""Renewal with CPD points opens a stated number of days before expiry (RENEWAL_WINDOW_DAYS); earlier only
by an admin's recorded override."""

import re
from datetime import datetime, timedelta

import pytest

from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.certification import services
from learnhub.errors import Conflict
from learnhub.extensions import db
from learnhub.people.models import Role
from learnhub.timeutil import utcnow
from tests.factories import PASSWORD, EnrolmentFactory, UserFactory, certificate_for

RULE = {"min_attendance_percent": 80, "validity_months": 24, "renewal_cpd_points": 10}
RENEW_BUTTON = re.compile(r"<button[^>]*>\s*Renew with CPD points\s*</button>")


def _renewable(expires_at: datetime, points: int = 10):
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    enrolment = EnrolmentFactory()
    enrolment.version.certification = dict(RULE)
    certificate = certificate_for(enrolment, issued_at=expires_at - timedelta(days=730), expires_at=expires_at)
    if points:
        _earn(admin, certificate, points)
    return admin, certificate


def _earn(admin, certificate, points: int) -> None:
    day = certificate.issued_at.date() + timedelta(days=30)
    activity = services.add_cpd_activity(certificate.holder, "Supervision", points, day, day)
    services.approve_cpd_activity(admin, activity.id)


def test_renewal_opens_ninety_days_before_expiry(app):
    assert app.config["RENEWAL_WINDOW_DAYS"] == 90
    admin, certificate = _renewable(datetime(2029, 1, 1, 10))
    with pytest.raises(Conflict, match="can be renewed from October 3, 2028"):
        services.renew_by_cpd(admin, certificate, now=datetime(2028, 10, 2, 12))
    services.renew_by_cpd(admin, certificate, now=datetime(2028, 10, 3, 12))
    assert certificate.expires_at == datetime(2031, 1, 1, 10)


def test_renewal_cannot_be_repeated_at_once(app):
    admin, certificate = _renewable(datetime(2029, 1, 1, 10))
    services.renew_by_cpd(admin, certificate, now=datetime(2028, 12, 1))
    _earn(admin, certificate, 10)  # fresh points, yet the new expiry is years away
    with pytest.raises(Conflict, match="can be renewed from"):
        services.renew_by_cpd(admin, certificate, now=datetime(2028, 12, 1))
    assert certificate.expires_at == datetime(2031, 1, 1, 10)


def test_an_expired_certificate_can_be_renewed(app):
    admin, certificate = _renewable(datetime(2029, 1, 1, 10))
    services.renew_by_cpd(admin, certificate, now=datetime(2029, 3, 1, 9))
    assert certificate.expires_at == datetime(2031, 3, 1, 9)


def test_the_window_is_configured(make_app):
    with make_app(RENEWAL_WINDOW_DAYS=30).app_context():
        admin, certificate = _renewable(datetime(2029, 1, 1, 10))
        with pytest.raises(Conflict, match="December 2, 2028"):
            services.renew_by_cpd(admin, certificate, now=datetime(2028, 12, 1))


def test_an_admin_renews_early_only_with_a_recorded_reason(app):
    admin, certificate = _renewable(datetime(2029, 1, 1, 10))
    with pytest.raises(Conflict, match="can be renewed from"):  # a blank reason is no reason
        services.renew_by_cpd(admin, certificate, now=datetime(2027, 6, 1), override_reason="  ")
    services.renew_by_cpd(admin, certificate, now=datetime(2027, 6, 1), override_reason="Licence audit next month")
    assert certificate.expires_at == datetime(2031, 1, 1, 10)
    [event] = services.history(certificate)
    assert (event.action, event.reason) == ("renewed_by_override", "Licence audit next month")
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == AuditAction.CERTIFICATE_RENEWED_BY_OVERRIDE))
    assert entry.actor_id == admin.id and entry.after["reason"] == "Licence audit next month"


def _page(client, auth, admin, certificate) -> str:
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    return client.get(f"/certificates/{certificate.id}").get_data(as_text=True)


def test_the_page_offers_renewal_when_it_can_succeed(client, auth):
    admin, certificate = _renewable(utcnow() + timedelta(days=60))
    assert RENEW_BUTTON.search(_page(client, auth, admin, certificate))


def test_the_page_says_from_when_renewal_is_possible(client, auth):
    admin, certificate = _renewable(datetime(utcnow().year + 2, 6, 1, 10))
    html = _page(client, auth, admin, certificate)
    assert not RENEW_BUTTON.search(html)
    assert f"Renewal with CPD points is possible from March 3, {utcnow().year + 2}." in html


def test_the_page_says_how_many_points_are_missing(client, auth):
    admin, certificate = _renewable(utcnow() + timedelta(days=60), points=4)
    html = _page(client, auth, admin, certificate)
    assert not RENEW_BUTTON.search(html) and "4 of 10 CPD points earned" in html


def test_renewing_a_revoked_certificate_is_refused_on_its_page_and_changes_nothing(client, auth):
    admin, certificate = _renewable(utcnow() + timedelta(days=60))
    services.revoke(admin, certificate, note="Issued by mistake")
    expires_at = certificate.expires_at
    html = _page(client, auth, admin, certificate)
    assert not RENEW_BUTTON.search(html)  # not offered
    response = client.post(f"/certificates/{certificate.id}/renew")
    assert response.status_code == 409
    assert "This certificate cannot be renewed with CPD points." in response.get_data(as_text=True)
    db.session.refresh(certificate)
    assert certificate.expires_at == expires_at


def test_renewing_too_early_is_refused_on_the_certificate_page(client, auth):
    admin, certificate = _renewable(datetime(utcnow().year + 2, 6, 1, 10))
    _page(client, auth, admin, certificate)
    response = client.post(f"/certificates/{certificate.id}/renew")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"This certificate can be renewed from March 3, {utcnow().year + 2}." in html
    assert "Download PDF" in html  # the certificate's own page, not an error page
    db.session.refresh(certificate)
    assert certificate.expires_at == datetime(utcnow().year + 2, 6, 1, 10)


def test_an_admin_renews_early_from_the_page_with_a_reason(client, auth):
    admin, certificate = _renewable(datetime(utcnow().year + 2, 6, 1, 10))
    html = _page(client, auth, admin, certificate)
    assert "Renew early" in html
    response = client.post(f"/certificates/{certificate.id}/renew",
                           data={"override_reason": "Licence audit next month"}, follow_redirects=True)
    assert "The certificate has been renewed." in response.get_data(as_text=True)
    db.session.refresh(certificate)
    assert certificate.expires_at == datetime(utcnow().year + 4, 6, 1, 10)


@pytest.mark.parametrize("language, message", [
    ("sr_Latn", "Ovaj sertifikat može da se obnovi od 3. oktobar 2028."),
    ("bs", "Ovaj certifikat se može obnoviti od 3. oktobar 2028."),
])
def test_the_refusal_reads_well_in_serbian_and_bosnian(app, language, message):
    """Their long dates end with a full stop already: the sentence does not add a second one."""
    from flask_babel import force_locale

    admin, certificate = _renewable(datetime(2029, 1, 1, 10))
    with app.test_request_context(), force_locale(language), pytest.raises(Conflict) as refusal:
        services.renew_by_cpd(admin, certificate, now=datetime(2028, 6, 1))
    assert refusal.value.message == message
