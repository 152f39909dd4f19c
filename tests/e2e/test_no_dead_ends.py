"""In a browser: a mistake is answered on its form with what was typed kept, and a destructive action asks
in a dialog that names the consequence; at 1280 and 360 px, in English and in Serbian Cyrillic."""


import pytest
from playwright.sync_api import expect

from learnhub.extensions import db
from learnhub.people.models import Role
from tests.e2e.conftest import log_in, screenshot
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, certificate_for

pytestmark = pytest.mark.e2e
WIDTHS = [1280, 360]



@pytest.mark.parametrize("width", WIDTHS)
def test_revoking_without_a_note_keeps_the_public_reason_then_asks_before_revoking(live_server, page, width):
    _app, base_url = live_server
    page.set_viewport_size({"width": width, "height": 900})
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    certificate = certificate_for(EnrolmentFactory(user=UserFactory(display_name="Dragana Ilić")))
    certificate_id = certificate.id
    db.session.commit()

    log_in(page, base_url, "admin@example.org")
    page.goto(f"{base_url}/certificates/{certificate_id}")
    page.get_by_label("Public reason", exact=False).fill("Issued in error.")
    page.get_by_role("button", name="Revoke", exact=True).click()
    page.get_by_role("dialog", name="Revoke this certificate?").get_by_role("button", name="Revoke").click()
    # The note was missing: the same page, the message at the field, the public reason still there.
    page.get_by_text("Please write an internal note: why the certificate is revoked.").first.wait_for()
    assert page.get_by_label("Public reason", exact=False).input_value() == "Issued in error."
    assert "Back to the start page" not in page.content()
    screenshot(page, f"revoke-error-{width}")

    page.get_by_label("Internal note").fill("Complaint from the employer")
    page.get_by_role("button", name="Revoke", exact=True).click()
    dialog = page.get_by_role("dialog", name="Revoke this certificate?")
    assert "no longer valid" in dialog.inner_text()
    screenshot(page, f"revoke-dialog-{width}")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Revoke", exact=True).click()
    dialog.get_by_role("button", name="Revoke").click()
    page.get_by_text("The certificate has been revoked.").wait_for()
    expect(page.get_by_role("button", name="Reinstate")).to_be_visible()
    assert page.get_by_role("button", name="Revoke", exact=True).count() == 0


@pytest.mark.parametrize("width", WIDTHS)
def test_a_cyrillic_reader_is_asked_before_withdrawing_and_told_when_enrolment_opens(live_server, page, width):
    from datetime import timedelta

    from learnhub.timeutil import utcnow

    _app, base_url = live_server
    page.set_viewport_size({"width": width, "height": 900})
    learner = UserFactory(email="mira@example.org", preferred_language="sr_Cyrl")
    enrolment = EnrolmentFactory(user=learner, cohort=CohortFactory(name="Ruma, proleće"))
    later = CohortFactory(name="Šid, jesen", enrolment_opens_at=utcnow() + timedelta(days=3),
                          enrolment_closes_at=utcnow() + timedelta(days=9))
    cohort_id, later_id = enrolment.cohort_id, later.id
    db.session.commit()

    log_in(page, base_url, "mira@example.org")
    page.goto(f"{base_url}/cohorts/{later_id}")
    main = page.locator("main").inner_text()
    assert "Шид, јесен" in main and "за 3 дана" in main
    assert page.locator(f'form[action="/cohorts/{later_id}/enrol"]').count() == 0
    screenshot(page, f"enrolment-opens-{width}")

    page.goto(f"{base_url}/cohorts/{cohort_id}")
    page.get_by_role("button", name="Повуци", exact=True).click()
    dialog = page.get_by_role("dialog")
    assert "Рума, пролеће" in dialog.inner_text()
    screenshot(page, f"withdraw-dialog-{width}")
    dialog.get_by_role("button", name="Повуци").click()
    page.wait_for_load_state()
    db.session.expire_all()
    assert enrolment.status == "withdrawn"
