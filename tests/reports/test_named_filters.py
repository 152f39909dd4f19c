"""Learning-set, programme and organisation filters are searched by name, not picked from lists that grow
with the institute's work."""

import re

import pytest

from learnhub.people.models import Role
from learnhub.reports.scope import ReportScope, ScopeKind
from learnhub.reports.services import Named, find_names, folded, resolve_name
from tests.factories import OrganisationFactory, UserFactory

YEAR = "since=2025-01-01&until=2025-12-31"
INSTITUTE = ReportScope(ScopeKind.INSTITUTE, 0, "The whole institute")


def test_folding_sets_case_script_and_accents_aside():
    assert folded("Užice") == folded("uzice") == folded("УЖИЦЕ") == "uzice"


def test_a_name_is_found_however_it_is_typed(app, world):
    assert resolve_name(Named.ORGANISATION, None, "pomoc", INSTITUTE).id == world.home_help.id
    assert resolve_name(Named.ORGANISATION, None, "САВЕТОВАЛИШТЕ", INSTITUTE).id == world.counselling.id


def test_an_exact_name_wins_over_longer_ones(app, world):
    OrganisationFactory(name="Dnevni boravak Sjenica")
    assert resolve_name(Named.ORGANISATION, None, "dnevni boravak", INSTITUTE).id == world.day_care.id


def test_several_matches_are_offered_nearest_first(app, world):
    second = OrganisationFactory(name="Savetovalište za mlade")
    choice = resolve_name(Named.ORGANISATION, None, "vetova", INSTITUTE)
    assert choice.id is None and not choice.unknown
    assert choice.candidates == ((world.counselling.id, "Savetovalište"), (second.id, "Savetovalište za mlade"))
    assert find_names(Named.ORGANISATION, "sav", INSTITUTE) == list(choice.candidates)


def test_a_link_carries_the_id_alone_and_an_emptied_box_clears_the_filter(app, world):
    assert resolve_name(Named.ORGANISATION, str(world.day_care.id), None, INSTITUTE).name == "Dnevni boravak"
    assert resolve_name(Named.ORGANISATION, str(world.day_care.id), "", INSTITUTE).id is None
    assert resolve_name(Named.ORGANISATION, "999999", None, INSTITUTE).unknown
    assert resolve_name(Named.ORGANISATION, "x²", None, INSTITUTE).unknown


def test_a_changed_name_is_searched_again(app, world):
    assert resolve_name(Named.ORGANISATION, str(world.day_care.id), "Pomoć u kući", INSTITUTE).id == world.home_help.id


def test_learning_sets_and_programmes_are_searched_by_their_titles(app, world):
    title = world.first_set.title["en"]
    assert resolve_name(Named.LEARNING_SET, None, title, INSTITUTE).id == world.first_set.learning_set_id
    assert resolve_name(Named.PROGRAMME, None, world.programme.name, INSTITUTE).id == world.programme.id


def test_typing_a_name_filters_the_report_and_links_keep_the_choice(client, auth, world):
    auth.login("admin@example.org")
    page = client.get(f"/reports/?{YEAR}&organisation_name=savetov").get_data(as_text=True)
    assert "2 participants from 1 organisation in 1 municipality" in page
    assert 'value="Savetovalište"' in page
    assert f"organisation={world.counselling.id}" in page  # downloads and "Recalculate now" use the id
    csv_link = re.search(r'href="(/reports/summary\.csv[^"]*delimiter=comma[^"]*)"', page).group(1)
    assert f"organisation={world.counselling.id}" in csv_link.replace("&amp;", "&")


@pytest.mark.parametrize(("typed", "message"), [
    ("xyz", "No organisation matches “xyz”."),
    ("a", "Several organisations match “a”: choose one below or type more of the name."),
])
def test_a_name_that_fits_none_or_several_is_a_400_with_choices(client, auth, world, typed, message):
    auth.login("admin@example.org")
    response = client.get(f"/reports/?organisation_name={typed}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and "took part in training" not in page
    # The box names its help and the error, which screen readers read out with it.
    assert 'aria-describedby="organisation_name-help organisation_name-errors"' in page
    assert message in re.search(r'id="organisation_name-errors">(.*?)</div>', page).group(1)
    if typed == "a":
        assert f'organisation={world.day_care.id}">Dnevni boravak</a>' in page


def test_the_page_lists_no_organisations_or_learning_sets(client, auth, world):
    for n in range(30):
        OrganisationFactory(name=f"Centar za socijalni rad {n}")
    auth.login("admin@example.org")
    page = client.get("/reports/").get_data(as_text=True)
    assert "Centar za socijalni rad" not in page and "Dnevni boravak" not in page


def test_names_are_offered_as_one_types(client, auth, world):
    for n in range(15):
        OrganisationFactory(name=f"Centar za socijalni rad {n:02}")
    auth.login("admin@example.org")
    options = client.get("/reports/names/organisation?organisation_name=centar").get_data(as_text=True)
    assert options.count("<option") == 10 and 'value="Centar za socijalni rad 00"' in options
    assert client.get("/reports/names/organisation?organisation_name=").get_data(as_text=True).strip() == ""
    assert client.get("/reports/names/people?people_name=a").status_code == 404


def test_only_people_with_a_report_may_search_names(client, auth, world):
    UserFactory(email="someone@example.org", roles=[Role.PROFESSIONAL])
    assert client.get("/reports/names/organisation?organisation_name=a").status_code in (302, 401)
    auth.login("someone@example.org")
    assert client.get("/reports/names/organisation?organisation_name=a").status_code == 403


def test_an_organisation_admin_is_offered_only_their_own_organisations_name(client, auth, world):
    auth.login("boss@example.org")
    offered = client.get("/reports/names/organisation?organisation_name=a").get_data(as_text=True)
    assert "Dnevni boravak" in offered
    assert "Pomoć u kući" not in offered and "Savetovalište" not in offered


def test_an_organisation_admin_cannot_have_another_organisations_name_echoed(client, auth, world):
    auth.login("boss@example.org")
    response = client.get(f"/reports/?organisation={world.home_help.id}")
    assert response.status_code == 400
    assert "Pomoć u kući" not in response.get_data(as_text=True)


def test_a_trainer_is_offered_the_organisations_of_their_cohorts_participants(client, auth, world):
    auth.login("trainer@example.org")
    offered = client.get("/reports/names/organisation?organisation_name=a").get_data(as_text=True)
    assert "Savetovalište" in offered  # summer's participants
    assert "Dnevni boravak" not in offered and "Pomoć u kući" not in offered


def test_a_learning_set_is_found_by_its_title_in_any_language_and_script(app):
    from learnhub.extensions import db
    from tests.factories import VersionFactory

    version = VersionFactory(title={"en": "Recovery into Practice", "sr_Latn": "Oporavak u praksi"})
    db.session.commit()
    with app.test_request_context():  # an English reader
        for typed in ("recovery", "oporavak u", "ОПОРАВАК", "Recovery into Practice"):
            found = find_names(Named.LEARNING_SET, typed, INSTITUTE)
            assert found == [(version.learning_set_id, "Recovery into Practice")], typed
        choice = resolve_name(Named.LEARNING_SET, str(version.learning_set_id), "Recovery into Practice", INSTITUTE)
        assert choice.id == version.learning_set_id
