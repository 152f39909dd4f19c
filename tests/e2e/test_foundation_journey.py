import pytest

from learnhub.extensions import db
from learnhub.people.models import MembershipRole
from tests.e2e.conftest import log_in
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.e2e


def test_professional_logs_in_switches_to_cyrillic_and_sees_the_dashboard(live_server, page):
    app, base_url = live_server
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    member_of(organisation, MembershipRole.MEMBER, email="nikola@example.org", display_name="Nikola Jovanović")
    db.session.commit()  # the browser talks to the server thread, which sees committed data only

    log_in(page, base_url, "nikola@example.org")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Nikola Jovanović"

    page.get_by_label("Language").select_option("sr_Cyrl")
    page.locator(".language-switch button").click()
    page.wait_for_url(f"{base_url}/dashboard")
    assert page.locator("html").get_attribute("lang") == "sr-Cyrl"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "Никола Јовановић" in heading
    assert "Дневни боравак Рума" in page.locator("main").inner_text()
    # Usable on a 360 px phone: nothing forces sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
