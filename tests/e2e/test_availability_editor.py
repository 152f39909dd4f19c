"""A mentor builds their week in the availability grid (a range added, a day copied to Monday-Friday, a day
off), watches the preview follow, saves, and a mentee is then offered exactly those times: in English,
Serbian Cyrillic and Bosnian, on a 1280 px screen and a 360 px phone. With E2E_SCREENSHOTS set to a
folder, the pages are kept there for a person to look at."""

from datetime import datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask_babel import force_locale
from playwright.sync_api import expect

from learnhub.dates import format_day, format_time
from learnhub.extensions import db
from learnhub.mentoring.models import MentorProfile
from learnhub.people.models import Role
from learnhub.timeutil import utc_to_local, utcnow
from tests.e2e.conftest import log_in, screenshot, t
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory, member_of

pytestmark = pytest.mark.e2e
ZONE = "Europe/Belgrade"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
READERS = [pytest.param(language, width, id=f"{language}-{width}")
           for language in ("en", "sr_Cyrl", "bs") for width in (1280, 360)]




def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("language", "width"), READERS)
def test_mentor_builds_availability_in_the_grid_sees_the_preview_and_a_mentee_is_offered_it(
        live_server, page, language, width):
    _app, base_url = live_server
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})
    organisation = OrganisationFactory()
    mentor = UserFactory(email="amra@example.org", roles=[Role.MENTOR], time_zone=ZONE, preferred_language=language)
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation)
    db.session.get(MentorProfile, mentor.id).windows = []  # an empty week to build
    member_of(organisation, email="nikola@example.org", time_zone=ZONE, preferred_language=language)
    programme_id, mentor_id = programme.id, mentor.id
    db.session.commit()
    today = utc_to_local(utcnow(), ZONE).date()
    # A weekday beyond the day's notice, for the day off, and the weekday after it, which keeps its hours.
    day_off = next(today + timedelta(days=n) for n in range(3, 10) if (today + timedelta(days=n)).weekday() < 4)
    working = day_off + timedelta(days=1)
    monday = t(language, "Monday")

    def day_row(day):
        with force_locale(language):
            label = format_day(day)
        return page.locator(".preview-days > li").filter(has=page.locator("strong", has_text=label))

    def clock(hour: int, minute: int = 0) -> str:  # a winter time in Belgrade (UTC+1), as the page writes it
        with force_locale(language):
            return format_time(datetime(2027, 1, 4, hour - 1, minute), zone=ZONE)

    log_in(page, base_url, "amra@example.org")
    page.goto(f"{base_url}/mentoring/availability")
    page.locator("#monday-ranges-0-start").fill("09:00")
    page.locator("#monday-ranges-0-end").fill("12:00")
    page.get_by_role("button", name=f"{t(language, 'Add a range')} {monday}").click()
    # The new range's start has the keyboard, in place (htmx) and after a full page alike.
    second = page.locator("#monday-ranges-1-start")
    expect(second).to_be_focused()  # htmx focuses it when the swap settles, a moment after it appears
    second.fill("13:00")
    page.locator("#monday-ranges-1-end").fill("15:00")
    page.get_by_role("button", name=f"{t(language, 'Copy to Monday–Friday')} {monday}").click()
    page.locator("#friday-ranges-1-end").wait_for()
    assert [page.locator(f"#{DAYS[day]}-ranges-1-start").input_value() for day in range(5)] == ["13:00"] * 5
    assert page.locator("#saturday-ranges-0-start").input_value() == ""  # Saturday is not a working day
    page.locator("#days_off-0-first_day").fill(day_off.isoformat())
    page.locator("#days_off-0-note").fill("Supervizija")

    # The preview follows what is typed, before anything is saved.
    day_row(day_off).get_by_text(t(language, "Day off: %(note)s", note="Supervizija")).wait_for()
    assert day_row(working).locator(".slots li").all_inner_texts() == [clock(9), clock(10, 15), clock(13)]
    screenshot(page, f"availability-preview-{language}-{width}")
    _fits(page, width)
    assert Axe().run(page).response["violations"] == []
    db.session.rollback()
    assert db.session.get(MentorProfile, mentor_id).windows == []  # nothing saved yet

    # A Saturday that ends before it starts: refused at its box, everything typed still there.
    page.locator("#saturday-ranges-0-start").fill("12:00")
    page.locator("#saturday-ranges-0-end").fill("09:00")
    save = page.get_by_role("button", name=t(language, "Save availability"), exact=True)
    save.click()
    problem = t(language, "%(where)s: %(problem)s", where=t(language, "Saturday"),
                problem=t(language, "the end must be after the start"))
    page.locator("#saturday-ranges-0-end-errors").get_by_text(problem).wait_for()
    expect(page.get_by_role("alert").get_by_role("link", name=problem)).to_be_visible()
    assert page.locator("#friday-ranges-1-end").input_value() == "15:00"
    assert page.locator("#days_off-0-note").input_value() == "Supervizija"
    screenshot(page, f"availability-mistake-{language}-{width}")
    _fits(page, width)
    assert Axe().run(page).response["violations"] == []
    page.locator("#saturday-ranges-0-start").fill("")
    page.locator("#saturday-ranges-0-end").fill("")

    save.click()
    page.get_by_text(t(language, "Availability saved.")).wait_for()
    assert page.locator("#wednesday-ranges-1-end").input_value() == "15:00"
    assert page.locator("#days_off-0-first_day").input_value() == day_off.isoformat()
    screenshot(page, f"availability-saved-{language}-{width}")
    page.get_by_role("button", name=t(language, "Log out")).click()

    log_in(page, base_url, "nikola@example.org")
    slots_url = f"{base_url}/mentoring/programmes/{programme_id}/mentors/{mentor_id}/slots"
    page.goto(f"{slots_url}?month={day_off:%Y-%m}")
    assert page.locator(f'table.month a[href*="day={day_off.isoformat()}"]').count() == 0  # the day off
    page.goto(f"{slots_url}?month={working:%Y-%m}&day={working.isoformat()}")
    with force_locale(language):
        shown_working = format_day(working, long=True)
    assert page.locator("#day-heading").inner_text() == shown_working
    assert ("1:00 PM" if language == "en" else "13:00") in page.locator(".day-slots").inner_text()
    _fits(page, width)


def test_the_grid_and_its_preview_work_without_javascript(live_server, page):
    """Each button sends the form and the page comes back with the change: one more range, the day
    copied, the preview; the keyboard is on the new range's start box after the reload too."""
    _app, base_url = live_server
    mentor = UserFactory(email="amra@example.org", roles=[Role.MENTOR], time_zone=ZONE)
    ProgrammeFactory(mentor=mentor)
    db.session.get(MentorProfile, mentor.id).windows = []
    db.session.commit()
    context = page.context.browser.new_context(java_script_enabled=False, locale="en-GB",
                                               viewport={"width": 360, "height": 740})
    plain = context.new_page()

    log_in(plain, base_url, "amra@example.org")
    plain.goto(f"{base_url}/mentoring/availability")
    plain.locator("#monday-ranges-0-start").fill("09:00")
    plain.locator("#monday-ranges-0-end").fill("10:00")
    plain.get_by_role("button", name="Add a range Monday").click()
    plain.locator("#monday-ranges-1-start").wait_for()
    assert plain.evaluate("document.activeElement.id") == "monday-ranges-1-start"
    plain.locator("#monday-ranges-1-start").fill("13:00")
    plain.locator("#monday-ranges-1-end").fill("14:00")
    plain.get_by_role("button", name="Copy to Monday–Friday Monday").click()
    plain.locator("#friday-ranges-1-end").wait_for()
    assert plain.locator("#friday-ranges-1-start").input_value() == "13:00"

    plain.get_by_role("button", name="Preview", exact=True).click()
    plain.locator(".preview-days").wait_for()
    weekday = next(day for day in (utc_to_local(utcnow(), ZONE).date() + timedelta(days=n) for n in range(1, 4))
                   if day.weekday() < 5)
    with force_locale("en"):
        label = format_day(weekday)
    times = plain.locator(".preview-days > li").filter(has=plain.locator("strong", has_text=label))
    assert times.locator(".slots li").all_inner_texts() == ["9:00 AM", "1:00 PM"]
    db.session.rollback()
    assert db.session.get(MentorProfile, mentor.id).windows == []  # previewed, not saved

    plain.get_by_role("button", name="Save availability", exact=True).click()
    plain.get_by_text("Availability saved.").wait_for()
    assert plain.locator("#thursday-ranges-1-end").input_value() == "14:00"
    context.close()
