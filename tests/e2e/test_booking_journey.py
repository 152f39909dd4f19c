"""Booking as a mentee and a mentor do it in Chromium, on a 1280 px screen and a 360 px phone, in English,
Serbian Cyrillic and Bosnian: a day chosen in the month calendar (by keyboard too), a time confirmed with
a note for the mentor, the mentor reading the note, a move to another offered time, a cancellation without
a reason; the online link in the page, the mail and the invitation. Without scripting, the month is a plain
list of days and booking still works. Set E2E_SCREENSHOTS to a folder to keep screenshots."""


import icalendar
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from learnhub.extensions import db
from learnhub.mentoring.models import MentoringSession, SessionStatus
from learnhub.people.models import Role
from tests.e2e.conftest import log_in, screenshot, t
from tests.factories import OrganisationFactory, ProgrammeFactory, UserFactory, member_of

pytestmark = pytest.mark.e2e
NOTE = "Kako da uključimo roditelje u dnevni plan?"

JOURNEYS = [pytest.param(language, width, id=f"{language}-{width}")
            for language, width in (("en", 1280), ("en", 360), ("sr_Cyrl", 1280), ("bs", 360))]




def _fits(page, width: int) -> None:
    """Nothing wider than the screen, and nothing axe-core (WCAG 2.1 A and AA) finds."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = Axe().run(page).response["violations"]
    assert not violations, [(violation["id"], violation["nodes"][0]["html"][:200]) for violation in violations]


def _world(language: str):
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    mentor = UserFactory(email="amra@example.org", display_name="Amra Hodžić", roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation, name="Mentorstvo za dnevne boravke")
    member_of(organisation, email="nikola@example.org", display_name="Nikola Jovanović", time_zone="Europe/Sarajevo",
              preferred_language=language)
    programme_id = programme.id
    db.session.commit()
    return programme_id


def _log_out(page) -> None:
    page.locator("form[action='/auth/logout'] button").click()
    page.wait_for_load_state()


def _choose_first_free_day_by_keyboard(page) -> None:
    page.locator("table.month td.free a").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#day-heading")).to_be_focused()  # htmx moved the focus to the day it shows


@pytest.mark.parametrize(("language", "width"), JOURNEYS)
def test_a_mentee_books_with_a_note_moves_and_cancels_and_the_mentor_reads_the_note(
        live_server, page, smtp_sink, language, width):
    _app, base_url = live_server
    programme_id = _world(language)
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})
    name = f"{language}-{width}"

    log_in(page, base_url, "nikola@example.org")
    page.goto(f"{base_url}/mentoring/programmes/{programme_id}")
    page.locator("a[href$='/slots']").click()
    page.locator("table.month").wait_for()
    assert page.locator(".day-list").is_hidden()  # with scripting, the grid; the plain list waits for its absence
    assert "Europe/Sarajevo" in page.locator("#zone-now").inner_text()
    label = page.locator("table.month td.free a").first.get_attribute("aria-label")
    assert ":" in label and any(char.isdigit() for char in label)  # the full date and the number of times
    _fits(page, width)
    screenshot(page, f"booking-calendar-{name}")

    if width > 400:  # another zone: the calendar alone is drawn again, the zone named and in the address
        page.locator("#zone").select_option("America/New_York")
        expect(page.locator("#zone-now")).to_contain_text("America/New_York")
        assert "zone=America%2FNew_York" in page.url
        page.locator("#zone").select_option("Europe/Sarajevo")
        expect(page.locator("#zone-now")).to_contain_text("Europe/Sarajevo")
    _choose_first_free_day_by_keyboard(page)
    assert "day=" in page.url  # the chosen day is in the address, for back and reload
    assert page.locator("table.month a[aria-current='date']").count() == 1
    _fits(page, width)
    screenshot(page, f"booking-day-{name}")
    page.locator(".day-slots button[name='starts_at']").first.click()
    page.wait_for_url("**/book?**")
    summary = page.locator("dl.summary").inner_text()
    assert "Europe/Sarajevo" in summary and ("Amra Hodžić" in summary or "Амра Хоџић" in summary)
    _fits(page, width)
    page.locator("#note").fill(NOTE)
    screenshot(page, f"booking-confirm-{name}")
    page.locator("main form[method='post'] button[type='submit']").click()
    page.wait_for_url("**/mentoring/sessions/*")
    session_url = page.url
    assert NOTE in page.locator("main .note-for-mentor").inner_text()  # as typed, in any script
    room = page.locator("main a[href^='https://meet.jit.si/learnhub-']").first.get_attribute("href")
    _fits(page, width)
    screenshot(page, f"booking-session-{name}")

    # The link reaches the mail and the invitation too; the note only the mentor's mail.
    mentee_mail = smtp_sink.to("nikola@example.org")[0]
    assert room in smtp_sink.text_of(mentee_mail) and NOTE not in mentee_mail.as_string()
    invitation = page.request.get(f"{session_url}.ics").body()
    [event] = icalendar.Calendar.from_ical(invitation).walk("VEVENT")
    assert str(event["CONFERENCE"]) == room and str(event["LOCATION"]) == room
    assert NOTE in smtp_sink.text_of(smtp_sink.to("amra@example.org")[0])
    _log_out(page)

    log_in(page, base_url, "amra@example.org")
    page.goto(session_url)
    main = page.locator("main").inner_text()
    assert NOTE in main and "Nikola Jovanović" in main and room in main
    _log_out(page)

    log_in(page, base_url, "nikola@example.org")
    page.goto(session_url)
    booked_at = db.session.scalar(select(MentoringSession.starts_at))
    page.locator("main details summary").click()
    page.locator("a[href$='/move']").click()
    page.locator("table.month").wait_for()
    _choose_first_free_day_by_keyboard(page)
    page.locator(".day-slots button[name='starts_at']").last.click()
    page.wait_for_url("**/move/confirm?**")
    assert page.locator("dl.summary s").count() == 1  # the time it leaves, struck through
    _fits(page, width)
    screenshot(page, f"booking-move-{name}")
    page.locator("main form[method='post'] button[type='submit']").click()
    page.wait_for_url(session_url)
    db.session.expire_all()
    moved = db.session.scalar(select(MentoringSession))
    assert moved.starts_at != booked_at and moved.sequence == 1 and moved.online_url == room

    page.locator("main details summary").click()
    page.locator("form[action$='/cancel'] button[type='submit']").click()  # no reason typed
    page.wait_for_url(session_url)
    assert t(language, "The session has been cancelled and everyone has been told.") in page.locator("main").inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(MentoringSession.status)) == SessionStatus.CANCELLED
    assert page.locator(f"main a[href='{room}']").count() == 0
    screenshot(page, f"booking-cancelled-{name}")


def test_without_scripting_the_month_is_a_list_of_days_and_booking_works(live_server, page):
    _app, base_url = live_server
    programme_id = _world("en")
    context = page.context.browser.new_context(locale="en-GB", java_script_enabled=False,
                                               viewport={"width": 360, "height": 740})
    plain = context.new_page()
    try:
        log_in(plain, base_url, "nikola@example.org")
        plain.goto(f"{base_url}/mentoring/programmes/{programme_id}")
        plain.locator("a[href$='/slots']").click()
        plain.wait_for_url("**/slots**")
        expect(plain.locator(".day-list")).to_be_visible()
        expect(plain.locator("table.month")).to_be_hidden()
        assert plain.locator(".day-list h3").count() >= 1
        screenshot(plain, "booking-plain-list-360")
        plain.locator(".day-list button[name='starts_at']").first.click()
        plain.wait_for_url("**/book?**")
        plain.locator("#note").fill(NOTE)
        plain.locator("main form[method='post'] button[type='submit']").click()
        plain.wait_for_url("**/mentoring/sessions/*")
        assert db.session.scalar(select(MentoringSession.note_for_mentor)) == NOTE
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_a_mentor_says_where_sessions_meet_and_a_mistake_is_shown_at_its_field(live_server, page, width):
    _app, base_url = live_server
    UserFactory(email="amra@example.org", display_name="Amra Hodžić", roles=[Role.MENTOR],
                preferred_language="sr_Cyrl")
    db.session.commit()
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})

    log_in(page, base_url, "amra@example.org")
    page.goto(f"{base_url}/mentoring")
    page.locator("a[href='/mentoring/meeting-place']").click()
    page.locator("input[value='link']").check()
    page.locator("#meeting_place").fill("CSR Ruma, Glavna 12")
    page.locator("main form button[type='submit']").click()
    error = page.locator("#meeting_url-errors")
    assert error.inner_text().strip() == t("sr_Cyrl", "Please give your meeting link.")
    assert page.locator("#meeting_url").get_attribute("aria-invalid") == "true"
    assert page.locator("#meeting_place").input_value() == "CSR Ruma, Glavna 12"  # what was typed stays
    _fits(page, width)
    screenshot(page, f"meeting-place-error-sr_Cyrl-{width}")
    page.locator("#meeting_url").fill("https://zoom.example/j/4455")
    page.locator("main form button[type='submit']").click()
    page.wait_for_url(f"{base_url}/mentoring/meeting-place")
    assert page.locator("input[value='link']").is_checked()
    assert page.locator("#meeting_url").input_value() == "https://zoom.example/j/4455"
