from datetime import datetime

import pytest

from learnhub.courses.models import Attendance
from learnhub.curriculum.models import ModuleProgress
from learnhub.extensions import db
from learnhub.people.models import Role
from tests.e2e.conftest import log_in
from tests.factories import CohortFactory, CohortSessionFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_admin_issues_a_certificate_that_verifies_valid_then_revoked(live_server, page):
    _app, base_url = live_server
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    cohort = CohortFactory(name="Ruma, proleće 2027")
    enrolment = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Dragana Ilić"))
    session = CohortSessionFactory(cohort=cohort, starts_at=datetime(2027, 3, 1, 8))
    db.session.add(Attendance(session_id=session.id, enrolment_id=enrolment.id, is_present=True))
    db.session.add_all([ModuleProgress(user_id=enrolment.user_id, module_id=m.id) for m in cohort.version.modules])
    cohort_id = cohort.id
    db.session.commit()

    log_in(page, base_url, "admin@example.org")
    page.goto(f"{base_url}/trainer/cohorts/{cohort_id}/certificates")
    assert "Eligible" in page.locator("main").inner_text()
    page.get_by_role("button", name="Issue certificates to the selected people").click()
    page.get_by_text("1 certificate issued.").wait_for()
    page.get_by_role("link", name="Certified").click()
    verify_url = page.get_by_label("Share this link so others can check the certificate").input_value()

    visitor = page.context.browser.new_context()
    public = visitor.new_page()
    public.goto(verify_url)
    assert "This certificate is valid." in public.locator("main").inner_text()
    assert "Dragana Ilić" in public.locator("main").inner_text()

    page.get_by_label("Internal note").fill("Issued to the wrong cohort")
    page.get_by_role("button", name="Revoke", exact=True).click()
    dialog = page.get_by_role("dialog", name="Revoke this certificate?")
    assert "no longer valid" in dialog.inner_text()
    dialog.get_by_role("button", name="Revoke", exact=True).click()
    page.get_by_text("The certificate has been revoked.").wait_for()
    public.reload()
    assert "was revoked" in public.locator("main").inner_text()
    visitor.close()
