"""Revoking keeps an internal note for admins and publishes only a reason chosen to be shown."""


import pytest

from learnhub.certification import services
from learnhub.errors import InvalidInput
from learnhub.extensions import db
from learnhub.people.models import Role
from tests.factories import PASSWORD, EnrolmentFactory, UserFactory, certificate_for

NOTE = "Complaint from the employer: the holder was absent for half of the cohort."
PUBLIC = "Issued in error."


def _admin_and_certificate():
    admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    return admin, certificate_for(EnrolmentFactory())


def test_the_internal_note_is_never_published(client):
    admin, certificate = _admin_and_certificate()
    services.revoke(admin, certificate, note=NOTE)
    db.session.commit()
    for suffix in (".json", ".jwt", ""):
        assert "absent" not in client.get(f"/verify/{certificate.code}{suffix}").get_data(as_text=True)
    assert "This certificate was revoked on" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_a_public_reason_is_shown_to_anyone_who_verifies(client):
    admin, certificate = _admin_and_certificate()
    services.revoke(admin, certificate, note=NOTE, public_reason=PUBLIC)
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert PUBLIC in page and "absent" not in page


def test_revoking_needs_an_internal_note(app):
    admin, certificate = _admin_and_certificate()
    with pytest.raises(InvalidInput, match="internal note"):
        services.revoke(admin, certificate, note=" ", public_reason=PUBLIC)


def test_the_admin_chooses_both_on_the_certificate_page_and_sees_the_note_in_the_history(client, auth):
    admin, certificate = _admin_and_certificate()
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Internal note" in page and "shown to anyone who verifies this certificate" in page
    response = client.post(f"/certificates/{certificate.id}/revoke", data={"note": NOTE, "public_reason": PUBLIC,
                                                                               "confirmed": "1"},
                           follow_redirects=True)
    assert "The certificate has been revoked." in response.get_data(as_text=True)
    assert NOTE in response.get_data(as_text=True)  # in the history, for admins
    db.session.refresh(certificate)
    assert (certificate.revoked_note, certificate.revoked_public_reason) == (NOTE, PUBLIC)


def test_revoking_without_a_note_is_answered_on_the_certificate_page(client, auth):
    admin, certificate = _admin_and_certificate()
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    response = client.post(f"/certificates/{certificate.id}/revoke", data={"note": "", "public_reason": PUBLIC})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please write an internal note" in html
    assert PUBLIC in html  # what they typed is still there
    db.session.refresh(certificate)
    assert certificate.revoked_at is None


def test_reinstating_a_valid_certificate_is_refused_on_its_page_with_the_reason_kept(client, auth):
    admin, certificate = _admin_and_certificate()
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    response = client.post(f"/certificates/{certificate.id}/reinstate", data={"reason": "Appeal upheld"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This certificate is not revoked." in page and "Back to the start page" not in page
    assert certificate.version.title["en"] in page


def test_revoking_without_a_note_is_answered_at_the_field_with_the_public_reason_kept(client, auth):
    admin, certificate = _admin_and_certificate()
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    response = client.post(f"/certificates/{certificate.id}/revoke", data={"note": " ", "public_reason": PUBLIC})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Back to the start page" not in page
    assert 'id="note-errors"' in page and PUBLIC in page
    assert certificate.revoked_at is None


def test_only_the_action_that_can_succeed_is_offered(client, auth):
    admin, certificate = _admin_and_certificate()
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    valid = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert f"/certificates/{certificate.id}/revoke" in valid and f"/certificates/{certificate.id}/reinstate" not in valid
    services.revoke(admin, certificate, note=NOTE)
    db.session.commit()
    revoked = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert f"/certificates/{certificate.id}/revoke" not in revoked and f"/certificates/{certificate.id}/reinstate" in revoked
    assert f"/certificates/{certificate.id}/renew" not in revoked  # a revoked certificate is not renewed


def test_revoking_a_revoked_certificate_again_is_refused_on_its_page_and_changes_nothing(client, auth):
    admin, certificate = _admin_and_certificate()
    services.revoke(admin, certificate, note=NOTE)
    db.session.commit()
    revoked_at = certificate.revoked_at
    auth.login(admin.email, PASSWORD)
    response = client.post(f"/certificates/{certificate.id}/revoke", data={"note": "Again", "confirmed": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "This certificate is already revoked." in page
    assert "Back to the start page" not in page and certificate.version.title["en"] in page
    db.session.refresh(certificate)
    assert (certificate.revoked_at, certificate.revoked_note) == (revoked_at, NOTE)


def test_the_history_says_what_happened_in_the_readers_language(client, auth):
    admin, certificate = _admin_and_certificate()
    admin.preferred_language = "bs"
    services.revoke(admin, certificate, note=NOTE)
    services.reinstate(admin, certificate, "Appeal upheld")
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    history = page[page.index("Historija izmjena"):]
    assert "— revoked —" not in history and "— reinstated —" not in history
    assert "opozvan" in history and "ponovo važeći" in history
