"""Time zones are chosen by their names in the reader's language, nearby ones first (learnhub/zones.py)."""

import re

import pytest
from flask_babel import force_locale

from learnhub.auth.tokens import sign
from learnhub.extensions import db
from learnhub.i18n import alphabetical
from learnhub.people.models import User
from learnhub.zones import timezone_choices, zone_label
from tests.factories import UserFactory

# The season's abbreviation and offset follow the name: "(CET, UTC+1)" in winter, "(CEST, UTC+2)" in summer.
SEASON = r" \(CES?T, UTC\+[12]\)"


@pytest.fixture
def reader(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("locale, belgrade, sarajevo", [
    ("en", "Serbia, Belgrade — Central European Time", "Bosnia & Herzegovina, Sarajevo — Central European Time"),
    ("sr_Latn", "Srbija, Beograd — Srednjeevropsko vreme", "Bosna i Hercegovina, Sarajevo — Srednjeevropsko vreme"),
    ("sr_Cyrl", "Србија, Београд — Средњеевропско време", "Босна и Херцеговина, Сарајево — Средњеевропско време"),
    ("bs", "Srbija, Beograd — Centralnoevropsko vrijeme", "Bosna i Hercegovina, Sarajevo — Centralnoevropsko vrijeme"),
])
def test_zones_are_named_by_country_city_and_zone_name_in_each_language(reader, locale, belgrade, sarajevo):
    with force_locale(locale):
        assert re.fullmatch(re.escape(belgrade) + SEASON, zone_label("Europe/Belgrade"))
        assert re.fullmatch(re.escape(sarajevo) + SEASON, zone_label("Europe/Sarajevo"))
        assert re.fullmatch(r".+ \((IST, )?UTC\+5:30\)", zone_label("Asia/Kolkata"))  # no summer time there


@pytest.mark.parametrize("locale, first", [("sr_Latn", "Europe/Belgrade"), ("sr_Cyrl", "Europe/Belgrade"),
                                           ("bs", "Europe/Sarajevo"), ("en", "Europe/Belgrade")])
def test_the_readers_region_comes_first_with_their_own_country_at_the_top(reader, locale, first):
    with force_locale(locale):
        choices = timezone_choices()
    region = [c.value for c in choices if c.optgroup == choices[0].optgroup]
    assert region[0] == first
    assert {"Europe/Belgrade", "Europe/Sarajevo", "Europe/Podgorica", "Europe/Zagreb", "UTC"} <= set(region)
    assert [c.value for c in choices].count("Europe/Sarajevo") == 1  # not again under Europe
    # every other zone under its continent; no aliases or bare offsets
    values = [c.value for c in choices]
    assert "America/New_York" in values and "US/Eastern" not in values and "Etc/GMT+5" not in values


def test_the_rest_is_grouped_by_continent_and_sorted_in_the_readers_alphabet(reader):
    with force_locale("sr_Cyrl"):
        choices = timezone_choices()
        groups = list(dict.fromkeys(c.optgroup for c in choices))
        assert groups[:2] == ["Ваш регион", "Европа"]
        europe = [c.label for c in choices if c.optgroup == "Европа"]
        assert europe == sorted(europe, key=alphabetical)
        # azbuka, not Latin order: В (Vatikan) before Г (Grčka), Љ after Л
        assert europe.index(next(e for e in europe if e.startswith("Ватикан"))) < europe.index(
            next(e for e in europe if e.startswith("Грчка")))
    with force_locale("sr_Latn"):
        europe = [c.label for c in timezone_choices() if c.optgroup == "Evropa"]
        # abeceda: Č after C
        assert [e[:5] for e in europe if e[:1] in "CČ"] == sorted((e[:5] for e in europe if e[:1] in "CČ"),
                                                                key=alphabetical)
        assert next(e for e in europe if e.startswith("Češka")) > next(e for e in europe if e.startswith("Belgija"))


def test_a_stored_older_name_stays_selectable(reader):
    with force_locale("en"):
        [kept] = [c for c in timezone_choices("Europe/Kiev") if c.value == "Europe/Kiev"]
    assert kept.label.startswith("Ukraine, Kyiv — Eastern European Time")


def test_the_profile_offers_zones_by_name_and_stores_the_zone_id(client, auth):
    user = UserFactory(email="mira@example.org", preferred_language="sr_Cyrl", time_zone="Europe/Sarajevo")
    auth.login("mira@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert re.search(r'<option selected value="Europe/Sarajevo">Босна и Херцеговина, Сарајево — ', page)
    assert '<optgroup label="Ваш регион">' in page and "Europe/Sarajevo</option>" not in page
    response = client.post("/account", data={"display_name": "Mira", "language": "sr_Cyrl",
                                             "time_zone": "Europe/Zagreb"})
    assert response.status_code == 302 and db.session.get(User, user.id).time_zone == "Europe/Zagreb"


def test_an_unknown_zone_is_refused_at_the_field_with_what_was_sent_kept(client, auth):
    user = UserFactory(email="mira@example.org", display_name="Mira", time_zone="Europe/Belgrade")
    auth.login("mira@example.org")
    response = client.post("/account", data={"display_name": "Mira Mirić", "language": "bs",
                                             "time_zone": "Mars/Olympus"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    field = page[page.index('<label for="time_zone"'):].split("<button", 1)[0]
    assert 'aria-invalid="true"' in field and "Please choose a time zone from the list." in field
    assert '<option selected value="Mars/Olympus">Mars/Olympus</option>' in field
    assert 'value="Mira Mirić"' in page  # the name typed stays too
    assert (db.session.get(User, user.id).display_name, db.session.get(User, user.id).time_zone) == (
        "Mira", "Europe/Belgrade")


def test_a_new_account_starts_in_the_institutes_zone(client, app):
    with app.test_request_context():
        token = sign("signup", {"email": "new@example.org"})
    page = client.get(f"/auth/register/{token}").get_data(as_text=True)
    assert '<option selected value="Europe/Belgrade">' in page
