"""Pages run a fixed number of SQL queries, however many rows they show."""

import pytest

from learnhub.people.models import MembershipRole, Role
from tests.factories import OrganisationFactory, UserFactory, member_of


def _queries_for(client, count_queries, url) -> int:
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/admin/users", "/admin/organisations", "/dashboard"])
def test_admin_lists_do_not_grow_with_rows(client, auth, count_queries, url):
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    auth.login("admin@example.org")
    member_of(OrganisationFactory())
    few = _queries_for(client, count_queries, url)
    for _ in range(8):
        member_of(OrganisationFactory(), roles=[Role.MENTOR, Role.TRAINER])
    assert _queries_for(client, count_queries, url) == few <= 6


def test_member_list_does_not_grow_with_members(client, auth, count_queries):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org")
    auth.login("boss@example.org")
    url = f"/organisations/{organisation.id}/members"
    few = _queries_for(client, count_queries, url)
    for _ in range(8):
        member_of(organisation)
    assert _queries_for(client, count_queries, url) == few <= 10
