"""Each role's home, as a person sees it in Chromium: in English and in Serbian Cyrillic, on a 1280 px
screen and a 360 px phone. Texts, offered buttons and input kept after a mistake; nothing wider than the
screen. Screenshots go to /tmp/home-*.png for a person to look at."""

from datetime import timedelta

import pytest
from flask_babel import force_locale, ngettext
from playwright.sync_api import expect

from learnhub.courses.models import Attendance
from learnhub.curriculum.models import ModuleProgress
from learnhub.extensions import db
from learnhub.people.models import MembershipRole, Role
from learnhub.timeutil import utcnow
from tests.e2e.conftest import log_in, t
from tests.factories import (
    CohortSessionFactory,
    EnrolmentFactory,
    OrganisationFactory,
    UserFactory,
    certificate_for,
    member_of,
)

pytestmark = pytest.mark.e2e

READERS = [pytest.param(language, width, id=f"{language}-{width}")
           for language in ("en", "sr_Cyrl") for width in (1280, 360)]



def tn(language: str, singular: str, plural: str, num: int, **variables) -> str:
    with force_locale(language):
        return ngettext(singular, plural, num, **variables)


def _at(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def screenshot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/home-{name}.png", full_page=True)


@pytest.mark.parametrize(("language", "width"), READERS)
def test_a_professional_sees_what_is_next_and_continues_learning(live_server, page, language, width):
    _app, base_url = live_server
    learner = UserFactory(email="nikola@example.org", preferred_language=language)
    enrolment = EnrolmentFactory(user=learner)
    enrolment.cohort.version.title = {"en": "Working with parents", "sr_Latn": "Rad sa roditeljima"}
    CohortSessionFactory(cohort=enrolment.cohort, place="Sala opštine Ruma")
    db.session.add(ModuleProgress(user_id=learner.id, module_id=enrolment.cohort.version.modules[0].id))
    done = EnrolmentFactory(user=learner)
    certificate_for(done, expires_at=utcnow() + timedelta(days=40))
    db.session.commit()
    _at(page, width)

    log_in(page, base_url, "nikola@example.org")
    home = page.locator("main")
    expect(home.get_by_role("heading", name=t(language, "What is next"))).to_be_visible()
    text = home.inner_text()
    place = "Sala opštine Ruma" if language == "en" else "Сала општине Рума"
    assert place in text
    assert t(language, "Certificates expiring soon") in text
    _fits(page, width)
    screenshot(page, f"professional-{language}-{width}")

    page.get_by_role("link", name=t(language, "My learning"), exact=True).first.click()
    page.wait_for_url("**/my/learning")
    continue_button = page.get_by_role("link", name=t(language, "Continue"), exact=True)
    expect(continue_button).to_be_visible()  # the other learning set, not started, offers "Start"
    expect(page.get_by_role("link", name=t(language, "Start"), exact=True)).to_be_visible()
    ticked = page.locator("ol.modules li.done")
    assert ticked.count() == 1 and t(language, "(completed)") in ticked.text_content()
    _fits(page, width)
    screenshot(page, f"my-learning-{language}-{width}")
    continue_button.click()
    # The last module leads back to My learning once it is done.
    page.get_by_role("button", name=t(language, "Mark as complete")).click()
    page.get_by_role("link", name=t(language, "Back to My learning")).click()
    expect(page.locator("main")).to_contain_text(t(language, "All modules completed."))


@pytest.mark.parametrize(("language", "width"), READERS)
def test_an_organisation_admin_filters_the_staff_table(live_server, page, language, width):
    _app, base_url = live_server
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    member_of(organisation, MembershipRole.ORG_ADMIN, email="dragana@example.org", display_name="Dragana Ilić",
              preferred_language=language)
    ana = member_of(organisation, display_name="Ana Anić")
    member_of(organisation, display_name="Bojan Babić")
    enrolment = EnrolmentFactory(user=ana, organisation_id=organisation.id)
    session = CohortSessionFactory(cohort=enrolment.cohort)
    db.session.add(Attendance(session_id=session.id, enrolment_id=enrolment.id, is_present=True))
    db.session.commit()
    _at(page, width)

    log_in(page, base_url, "dragana@example.org")
    page.get_by_role("link", name=t(language, "Staff training")).click()
    page.wait_for_url("**/staff")
    assert page.get_by_role("heading", level=1).inner_text().startswith(t(language, "Staff training: %(name)s", name=""))
    table = page.locator("table.staff-table")
    ana_name = "Ana Anić" if language == "en" else "Ана Анић"
    assert ana_name in table.inner_text()
    assert tn(language, "%(present)d of %(num)d sessions", "%(present)d of %(num)d sessions", 1, present=1) \
        in table.inner_text()
    page.get_by_label(t(language, "Name or e-mail")).fill("bojan")
    page.get_by_role("button", name=t(language, "Filter")).click()
    page.wait_for_url("**/staff?name=bojan*")
    assert page.get_by_label(t(language, "Name or e-mail")).input_value() == "bojan"  # what was typed stays
    assert ana_name not in page.locator("table.staff-table").inner_text()
    expect(page.get_by_role("link", name=t(language, "Excel (XLSX)"))).to_be_visible()
    _fits(page, width)
    screenshot(page, f"staff-{language}-{width}")


@pytest.mark.parametrize(("language", "width"), READERS)
def test_a_trainer_sorts_the_roster_by_progress(live_server, page, language, width):
    _app, base_url = live_server
    trainer = UserFactory(email="milan@example.org", roles=[Role.TRAINER], preferred_language=language)
    ahead = EnrolmentFactory(user=UserFactory(display_name="Ana Anić"))
    cohort = ahead.cohort
    cohort.trainers = []
    from learnhub.courses.models import CohortTrainer

    cohort.trainers.append(CohortTrainer(user_id=trainer.id))
    EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Vera Vukić"))
    db.session.add_all([ModuleProgress(user_id=ahead.user_id, module_id=m.id) for m in cohort.version.modules])
    db.session.commit()
    _at(page, width)

    log_in(page, base_url, "milan@example.org")
    page.goto(f"{base_url}/trainer/cohorts/{cohort.id}")
    page.get_by_role("link", name=t(language, "Progress"), exact=True).click()
    rows = page.locator("table tbody tr").all_inner_texts()
    behind, first = ("Vera Vukić", "Ana Anić") if language == "en" else ("Вера Вукић", "Ана Анић")
    assert behind in rows[0] and first in rows[1]
    assert tn(language, "%(done)d of %(num)d modules", "%(done)d of %(num)d modules", 2, done=0) in rows[0]
    screenshot(page, f"roster-{language}-{width}")


@pytest.mark.parametrize(("language", "width"), READERS)
def test_anyone_checks_a_certificate_by_typing_its_code(live_server, page, language, width):
    _app, base_url = live_server
    certificate = certificate_for(EnrolmentFactory())
    code = certificate.readable_code
    db.session.commit()
    page.context.add_cookies([{"name": "lang", "value": language, "url": base_url}])
    _at(page, width)

    page.goto(f"{base_url}/verify")
    institute = "Institute for Social Protection" if language == "en" else "Завод за социјалну заштиту"
    assert institute in page.locator("main").inner_text()
    field = page.get_by_label(t(language, "Code on the certificate"))
    field.fill("ABCD-0000")
    page.get_by_role("button", name=t(language, "Check"), exact=True).click()
    expect(page.get_by_label(t(language, "Code on the certificate"))).to_have_value("ABCD-0000")
    assert t(language, "No certificate has this code. Please check that it was copied completely.") \
        in page.locator("main").inner_text()
    page.get_by_label(t(language, "Code on the certificate")).fill(code.lower())
    page.get_by_role("button", name=t(language, "Check"), exact=True).click()
    expect(page.locator("main")).to_contain_text(t(language, "This certificate is valid."))
    _fits(page, width)
    screenshot(page, f"verify-{language}-{width}")


@pytest.mark.parametrize(("language", "width"), READERS)
def test_the_calendar_page_copies_subscribes_and_asks_before_a_new_address(live_server, page, language, width):
    _app, base_url = live_server
    UserFactory(email="lejla@example.org", preferred_language=language)
    db.session.commit()
    _at(page, width)

    log_in(page, base_url, "lejla@example.org")
    page.goto(f"{base_url}/account/calendar")
    address = page.get_by_label(t(language, "Calendar address")).input_value()
    subscribe = page.get_by_role("link", name=t(language, "Subscribe in my calendar app"))
    assert subscribe.get_attribute("href") == "webcal://" + address.split("://", 1)[1]
    expect(page.get_by_role("button", name=t(language, "Copy address"))).to_be_visible()
    _fits(page, width)
    screenshot(page, f"calendar-{language}-{width}")
    page.get_by_role("link", name=t(language, "Make a new address…")).click()
    expect(page.get_by_role("heading", name=t(language, "Make a new calendar address?"))).to_be_visible()
    page.get_by_role("link", name=t(language, "Keep the current address")).click()
    expect(page.get_by_label(t(language, "Calendar address"))).to_have_value(address)  # nothing changed


@pytest.mark.parametrize(("language", "width"), READERS)
def test_an_institute_admin_reads_captioned_charts_and_an_audit_log_in_words(live_server, page, language, width):
    _app, base_url = live_server
    admin = UserFactory(email="jelena@example.org", roles=[Role.INSTITUTE_ADMIN], preferred_language=language)
    enrolment = EnrolmentFactory(user=UserFactory(display_name="Milica Nikolić"))
    enrolment.cohort.name = "Oporavak u zajednici, Ruma"
    from learnhub.people import services as people

    people.set_roles(admin, enrolment.user, ["professional", "mentor"])
    db.session.commit()
    _at(page, width)

    log_in(page, base_url, "jelena@example.org")
    page.goto(f"{base_url}/reports/")
    caption = page.locator("figcaption", has_text=t(language, "Participants starting training, month by month"))
    expect(caption).to_be_visible()
    _fits(page, width)
    screenshot(page, f"reports-{language}-{width}")

    page.goto(f"{base_url}/admin/audit")
    log = page.locator("table").inner_text()
    person = "Milica Nikolić" if language == "en" else "Милица Николић"
    assert f"{t(language, 'Person')}: {person}" in log
    assert f"{t(language, 'Roles')}: {t(language, 'Professional')}" in log and t(language, "Mentor") in log
    assert "{" not in log and "#" not in log  # no stored JSON, no internal ids
    _fits(page, width)
    screenshot(page, f"audit-{language}-{width}")


@pytest.mark.parametrize(("language", "width"), [pytest.param("bs", 360, id="bs-360"),
                                                 pytest.param("sr_Cyrl", 1280, id="sr_Cyrl-1280")])
def test_anyone_chooses_a_time_zone_by_its_name_with_their_region_first(live_server, page, language, width):
    _app, base_url = live_server
    UserFactory(email="lejla@example.org", preferred_language=language, time_zone="Europe/Belgrade")
    db.session.commit()
    _at(page, width)

    log_in(page, base_url, "lejla@example.org")
    page.goto(f"{base_url}/account")
    zone = page.get_by_label(t(language, "Time zone"))
    first = zone.locator("optgroup").first
    assert first.get_attribute("label") == t(language, "Your region")
    home = "Bosna i Hercegovina, Sarajevo" if language == "bs" else "Србија, Београд"
    assert first.locator("option").first.inner_text().startswith(home)
    sarajevo = zone.locator("option[value='Europe/Sarajevo']").inner_text()
    zone.select_option(label=sarajevo)
    page.get_by_role("button", name=t(language, "Save")).click()
    expect(page.locator("body")).to_contain_text(t(language, "Your profile has been saved."))
    assert page.get_by_label(t(language, "Time zone")).input_value() == "Europe/Sarajevo"
    _fits(page, width)
    screenshot(page, f"profile-{language}-{width}")
