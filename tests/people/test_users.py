import pytest
from sqlalchemy import select

from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.errors import Conflict
from learnhub.extensions import db
from learnhub.people import services
from learnhub.people.models import Role, User
from tests.factories import UserFactory
from tests.parallel import post_at_once, signed_in


@pytest.fixture
def admin(auth):
    user = UserFactory(email="admin@example.org", display_name="Admin", roles=[Role.INSTITUTE_ADMIN])
    auth.login("admin@example.org")
    return user


def test_user_list_is_searchable_and_paginated(make_app):
    app = make_app(PAGE_SIZE=2)
    with app.app_context():
        UserFactory(email="admin@example.org", display_name="Admin", roles=[Role.INSTITUTE_ADMIN])
        for name in ["Ana Ilić", "Ana Kovač", "Ana Lukić", "Boris Babić"]:
            UserFactory(display_name=name)
        client = app.test_client()
        client.post("/auth/login", data={"email": "admin@example.org", "password": "correct horse battery staple"})
        first = client.get("/admin/users?q=ana").get_data(as_text=True)
        second = client.get("/admin/users?q=ana&page=2").get_data(as_text=True)
    assert "Ana Ilić" in first and "Ana Kovač" in first and "Ana Lukić" not in first
    assert "Ana Lukić" in second and "Boris" not in second
    assert "Page 2 of 2" in second


def test_user_search_treats_wildcards_literally(client, admin):
    UserFactory(display_name="Percy")
    page = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "Percy" not in page


def test_out_of_range_page_shows_an_empty_list_not_an_error(client, admin):
    assert client.get("/admin/users?page=999").status_code == 200
    assert client.get("/admin/users?page=-3").status_code == 200


def test_institute_admin_gives_several_roles(client, admin):
    person = UserFactory()
    response = client.post(f"/admin/users/{person.id}", data={"roles": ["mentor", "trainer"]})
    assert response.status_code == 302
    assert db.session.get(User, person.id).role_set == {Role.MENTOR, Role.TRAINER}


def test_unknown_role_is_refused(client, admin):
    person = UserFactory()
    assert client.post(f"/admin/users/{person.id}", data={"roles": ["emperor"]}).status_code == 400
    assert db.session.get(User, person.id).role_set == {Role.PROFESSIONAL}


def test_admin_cannot_drop_own_admin_role(client, admin):
    assert client.post(f"/admin/users/{admin.id}", data={"roles": ["trainer"]}).status_code == 409
    assert Role.INSTITUTE_ADMIN in db.session.get(User, admin.id).role_set


def test_profile_saves_name_language_and_time_zone(client, auth):
    user = UserFactory(email="mira@example.org")
    auth.login("mira@example.org")
    response = client.post("/account", data={"display_name": "Mira M.", "language": "sr_Cyrl",
                                             "time_zone": "Europe/Sarajevo"})
    assert response.status_code == 302
    user = db.session.get(User, user.id)
    assert (user.display_name, user.preferred_language, user.time_zone) == ("Mira M.", "sr_Cyrl", "Europe/Sarajevo")


def test_a_new_language_speaks_from_the_saving_message_on(client, auth):
    UserFactory(email="mira@example.org", preferred_language="en")
    auth.login("mira@example.org")
    response = client.post("/account", data={"display_name": "Mira", "language": "bs", "time_zone": "Europe/Sarajevo"},
                           follow_redirects=True)
    assert "Vaš profil je sačuvan." in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("language", "klingon"), ("time_zone", "Mars/Olympus"),
                                          ("display_name", "x" * 121)])
def test_profile_refuses_bad_values(client, auth, field, value):
    user = UserFactory(email="mira@example.org")
    auth.login("mira@example.org")
    data = {"display_name": "Mira", "language": "en", "time_zone": "Europe/Belgrade", field: value}
    assert client.post("/account", data=data).status_code == 400
    assert db.session.get(User, user.id).display_name != "x" * 121


def test_first_institute_admin_is_made_on_the_command_line(client, auth, runner):
    person = UserFactory(email="director@example.org")
    db.session.commit()
    result = runner.invoke(args=["users", "grant-role", "Director@Example.org", "institute_admin"])
    assert result.exit_code == 0 and "institute_admin, professional" in result.output
    assert db.session.get(User, person.id).role_set == {Role.PROFESSIONAL, Role.INSTITUTE_ADMIN}
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.ROLES_CHANGED))
    assert entry.actor_id is None and entry.after == {"roles": ["institute_admin", "professional"]}
    auth.login("director@example.org")
    assert client.get("/admin/users").status_code == 200


def test_grant_role_names_the_sign_up_page_for_someone_unknown(runner):
    result = runner.invoke(args=["users", "grant-role", "nobody@example.org", "institute_admin"])
    assert result.exit_code != 0 and "/auth/register" in result.output
    assert runner.invoke(args=["users", "grant-role", "nobody@example.org", "emperor"]).exit_code != 0


def test_the_last_institute_admin_keeps_the_role(app):
    only_admin = UserFactory(roles=[Role.INSTITUTE_ADMIN])
    with pytest.raises(Conflict):
        services.set_roles(None, only_admin, ["trainer"])


def test_two_admins_taking_the_role_from_each_other_leave_one(parallel_app):
    first, second = (UserFactory(roles=[Role.INSTITUTE_ADMIN]) for _ in range(2))
    db.session.commit()
    posts = [(signed_in(parallel_app, actor.email), f"/admin/users/{other.id}", {"roles": ["trainer"]})
             for actor, other in ((first, second), (second, first))]
    # The second is refused: 409 if it was already under way, 403 if it began after the first finished.
    assert sorted(post_at_once(posts)) in ([302, 403], [302, 409])
    assert len(services.users_with_role(Role.INSTITUTE_ADMIN)) == 1
