"""Who gets which status on every route: the rules as data, checked by tests/test_access.py.

Roles: anonymous; professional, mentor, trainer (no organisation rights); org_admin of
organisation A; foreign_org_admin (admin of organisation B, using A's ids); institute_admin.
URLs always name organisation A's objects. Add every new route here: the test fails otherwise.
"""

ROLES = ["anonymous", "professional", "mentor", "trainer", "org_admin", "foreign_org_admin", "institute_admin"]

LOGIN = 302  # anonymous users are sent to the login page


def everyone(status: int) -> dict[str, int]:
    return {role: status for role in ROLES}


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": LOGIN}


def organisation_admins(status: int) -> dict[str, int]:
    """Only A's own admin and institute admins; everyone else finds nothing (404)."""
    return {**everyone(404), "anonymous": LOGIN, "org_admin": status, "institute_admin": status}


def institute_admins(status: int) -> dict[str, int]:
    return {**everyone(403), "anonymous": LOGIN, "institute_admin": status}


# (endpoint, method): (url template, form data, expected status by role)
MATRIX = {
    ("main.index", "GET"): ("/", None, {**everyone(302), "anonymous": 200}),
    ("main.dashboard", "GET"): ("/dashboard", None, signed_in(200)),
    ("main.healthz", "GET"): ("/healthz", None, everyone(200)),
    ("main.change_language", "POST"): ("/language", {"language": "bs"}, everyone(302)),
    ("auth.login", "GET"): ("/auth/login", None, everyone(200)),
    ("auth.login", "POST"): ("/auth/login", {"email": "x@example.org", "password": "wrong password!"}, everyone(400)),
    ("auth.logout", "POST"): ("/auth/logout", None, everyone(302)),
    ("auth.register", "GET"): ("/auth/register", None, everyone(200)),
    ("auth.register", "POST"): ("/auth/register", {"email": "new@example.org"}, everyone(200)),
    ("auth.complete_signup", "GET"): ("/auth/register/forged", None, everyone(400)),
    ("auth.complete_signup", "POST"): ("/auth/register/forged", {}, everyone(400)),
    ("auth.request_reset", "GET"): ("/auth/reset", None, everyone(200)),
    ("auth.request_reset", "POST"): ("/auth/reset", {"email": "x@example.org"}, everyone(200)),
    ("auth.reset_password", "GET"): ("/auth/reset/forged", None, everyone(400)),
    ("auth.reset_password", "POST"): ("/auth/reset/forged", {"password": "x"}, everyone(400)),
    ("auth.accept_invitation", "GET"): ("/auth/invitation/forged", None, everyone(404)),
    ("auth.accept_invitation", "POST"): ("/auth/invitation/forged", {}, everyone(404)),
    ("people.profile", "GET"): ("/account", None, signed_in(200)),
    ("people.profile", "POST"): ("/account", {"display_name": "Name", "language": "en",
                                              "time_zone": "Europe/Belgrade"}, signed_in(302)),
    ("people.change_password", "GET"): ("/account/password", None, signed_in(200)),
    ("people.change_password", "POST"): ("/account/password", {}, signed_in(400)),
    ("people.change_email", "GET"): ("/account/email", None, signed_in(200)),
    ("people.change_email", "POST"): ("/account/email", {}, signed_in(400)),
    ("people.confirm_email_change", "GET"): ("/account/email/forged", None, signed_in(200)),
    ("people.confirm_email_change", "POST"): ("/account/email/forged", {}, signed_in(400)),
    ("people.members", "GET"): ("/organisations/{organisation_id}/members", None, organisation_admins(200)),
    ("people.invite", "POST"): ("/organisations/{organisation_id}/invitations",
                                {"email": "invitee@example.org", "role": "member"}, organisation_admins(302)),
    ("people.revoke_invitation", "POST"): ("/organisations/{organisation_id}/invitations/{invitation_id}/revoke",
                                           {}, organisation_admins(302)),
    ("people.remove_member", "POST"): ("/organisations/{organisation_id}/members/{membership_id}/remove",
                                       {}, organisation_admins(302)),
    ("people.admin_users", "GET"): ("/admin/users", None, institute_admins(200)),
    ("people.admin_user", "GET"): ("/admin/users/{user_id}", None, institute_admins(200)),
    ("people.admin_user", "POST"): ("/admin/users/{user_id}", {"roles": ["professional"]}, institute_admins(302)),
    ("people.admin_organisations", "GET"): ("/admin/organisations", None, institute_admins(200)),
    ("people.new_organisation", "GET"): ("/admin/organisations/new", None, institute_admins(200)),
    ("people.new_organisation", "POST"): ("/admin/organisations/new", {"name": ""}, institute_admins(400)),
}
