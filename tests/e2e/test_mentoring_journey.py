import pytest
from playwright.sync_api import expect

from learnhub.extensions import db
from learnhub.people.models import Role
from tests.e2e.conftest import log_in
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory, member_of

pytestmark = pytest.mark.e2e


def test_mentee_books_a_slot_and_the_mentor_sees_it(live_server, page):
    _app, base_url = live_server
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    mentor = UserFactory(email="amra@example.org", display_name="Amra Hodžić", roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation, name="Mentorstvo za dnevne boravke")
    member_of(organisation, email="nikola@example.org", display_name="Nikola Jovanović",
              time_zone="Europe/Sarajevo")
    programme_id = programme.id
    db.session.commit()

    log_in(page, base_url, "nikola@example.org")
    page.goto(f"{base_url}/mentoring/programmes/{programme_id}")
    page.get_by_role("link", name="Book an individual session").click()
    expect(page.locator("main")).to_contain_text("Europe/Sarajevo")
    page.locator("table.month td.free a").first.click()
    first_slot = page.locator(".day-slots button[name='starts_at']").first
    chosen = first_slot.text_content()  # with the day its heading names, as screen readers hear it
    first_slot.click()
    book = page.locator("main form[method='post'] button[type='submit']")
    # A slow connection, and a second tap while the first is on its way: the form is sent once.
    network = page.context.new_cdp_session(page)
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 600, "downloadThroughput": -1, "uploadThroughput": -1})
    bookings = []
    page.on("request", lambda request: bookings.append(request) if request.method == "POST" else None)
    book.evaluate("button => { button.click(); setTimeout(() => button.click(), 200); }")
    page.get_by_text("Booked. You will receive an invitation by e-mail.").wait_for()
    assert len(bookings) == 1
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    assert page.get_by_role("heading", level=1).inner_text() == "Individual mentoring"
    page.get_by_role("button", name="Log out").click()

    log_in(page, base_url, "amra@example.org")
    page.goto(f"{base_url}/mentoring/programmes/{programme_id}")
    page.locator(".session-list a").first.click()
    main = page.locator("main").inner_text()
    assert "Nikola Jovanović" in main and "Coming" in main
    weekday = chosen.split(",")[0]  # "Monday" in the mentee's zone; the same day for the mentor here
    assert weekday[:3] in main  # the session page names it briefly: "Mon, Mar 1, 2027"
