"""Status board and requirements name learning sets by their title in the reader's script, never by slug."""

from learnhub.certification.models import OrganisationRequirement
from learnhub.extensions import db
from learnhub.people.models import MembershipRole, Role
from tests.factories import PASSWORD, OrganisationFactory, UserFactory, VersionFactory, member_of


def _requirement():
    version = VersionFactory(title={"en": "Working with parents", "sr_Latn": "Rad sa roditeljima"})
    version.learning_set.slug = "rad-sa-roditeljima-v2"
    organisation = OrganisationFactory()  # provides home help
    db.session.add(OrganisationRequirement(service_type="home_help",
                                           learning_set_id=version.learning_set_id, min_staff=2))
    return organisation


def test_the_status_board_names_learning_sets_by_title_in_cyrillic_for_a_cyrillic_reader(client, auth):
    organisation = _requirement()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org", preferred_language="sr_Cyrl")
    db.session.commit()
    auth.login("boss@example.org", PASSWORD)
    page = client.get("/organisations/status").get_data(as_text=True)
    assert "rad-sa-roditeljima-v2" not in page
    assert "Рад са родитељима" in page


def test_requirements_name_learning_sets_and_services_in_words(client, auth):
    _requirement()
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN], preferred_language="en")
    db.session.commit()
    auth.login("admin@example.org", PASSWORD)
    page = client.get("/admin/requirements").get_data(as_text=True)
    assert "rad-sa-roditeljima-v2" not in page and "home_help →" not in page
    assert "Working with parents" in page
