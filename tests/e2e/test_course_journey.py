import pytest

from learnhub.curriculum.services import start_new_draft
from learnhub.extensions import db
from learnhub.people.models import Role
from tests.e2e.conftest import log_in
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_trainer_publishes_a_module_and_a_professional_enrols_and_progresses(live_server, page):
    app, base_url = live_server
    trainer = UserFactory(email="trainer@example.org", roles=[Role.TRAINER])
    UserFactory(email="nikola@example.org")
    cohort = CohortFactory(name="Ruma, proleće 2027", trainer=trainer)
    draft = start_new_draft(trainer, cohort.version.learning_set_id)
    draft_id, cohort_id = draft.id, cohort.id
    db.session.commit()

    # The trainer writes a module, watches the preview, and publishes the draft.
    log_in(page, base_url, "trainer@example.org")
    page.goto(f"{base_url}/trainer/versions/{draft_id}/modules/new")
    page.get_by_label("Title in English").fill("Working with families")
    page.get_by_label("Content in English (Markdown)").fill("## Listening first\n\nAsk **what matters** to them.")
    page.locator("#preview-en strong").wait_for()
    assert page.locator("#preview-en h2").inner_text() == "Listening first"
    page.get_by_label("Learning outcomes in English, one per line").fill("Ask what matters")
    # the learning set is offered in Serbian too, so the module needs its Serbian text before publishing
    page.get_by_label("Content in Serbian, Latin script (Markdown)").fill("## Prvo slušanje\n\nPitajte **šta im je važno**.")
    page.get_by_label("Learning outcomes in Serbian (Latin script), one per line").fill("Pitati šta je važno")
    page.get_by_label("Duration in minutes").fill("45")
    page.get_by_role("button", name="Save module").click()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Version 2 is published.").wait_for()
    # The cohort has no learners yet, so the trainer moves it to the new version.
    page.goto(f"{base_url}/trainer/cohorts/{cohort_id}")
    page.get_by_role("button", name="Move to the newest version").click()
    page.get_by_text("now uses version 2").wait_for()
    page.get_by_role("button", name="Log out").click()

    # A professional enrols and works through a module.
    log_in(page, base_url, "nikola@example.org")
    page.goto(f"{base_url}/cohorts/{cohort_id}")
    page.get_by_role("button", name="Enrol").click()
    page.get_by_role("button", name="Withdraw", exact=True).wait_for()  # the dialog asks with the same words
    page.goto(f"{base_url}/my/learning")
    progress = page.locator("progress")
    assert progress.get_attribute("value") == "0"
    page.get_by_role("link", name="Working with families").click()
    page.get_by_role("button", name="Mark as complete").click()
    page.get_by_text("You have completed this module.").wait_for()
    page.goto(f"{base_url}/my/learning")
    assert progress.get_attribute("value") == "33"
    assert "1 of 3 modules completed" in page.locator("main").inner_text()
