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


def teachers(status: int) -> dict[str, int]:
    """Trainers (the world's trainer teaches cohort A) and institute admins; other roles are refused."""
    return {**institute_admins(status), "trainer": status}


def decided_by_trainer_or_admin(status: int) -> dict[str, int]:
    """Acting on the enrolled member of organisation A: its admin may withdraw them, but not approve."""
    return {**everyone(404), "anonymous": LOGIN, "trainer": status, "institute_admin": status, "org_admin": 403}


def programme_members(status: int, mentor: int | None = None, mentee: int | None = None,
                      admin: int | None = None) -> dict[str, int]:
    """Mentoring programme A: the mentor, organisation A (its admin is a mentee) and institute admins."""
    return {**everyone(404), "anonymous": LOGIN, "mentor": status if mentor is None else mentor,
            "org_admin": status if mentee is None else mentee,
            "institute_admin": status if admin is None else admin}


# (endpoint, method): (url template, form data, expected status by role)
MATRIX = {
    ("main.index", "GET"): ("/", None, {**everyone(302), "anonymous": 200}),
    ("main.dashboard", "GET"): ("/dashboard", None, signed_in(200)),
    ("main.healthz", "GET"): ("/healthz", None, everyone(200)),
    ("main.favicon", "GET"): ("/favicon.ico", None, everyone(301)),
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
    ("certification.staff", "GET"): ("/organisations/{organisation_id}/staff", None, organisation_admins(200)),
    ("certification.staff_export", "GET"): ("/organisations/{organisation_id}/staff.csv", None, organisation_admins(200)),
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
    ("curriculum.learning_set", "GET"): ("/learning-sets/{slug}", None, everyone(200)),
    ("curriculum.module", "GET"): ("/versions/{version_id}/modules/01-first", None,
                                   {**signed_in(404), "trainer": 200, "institute_admin": 200}),
    ("curriculum.authoring_list", "GET"): ("/trainer/learning-sets", None, teachers(200)),
    ("curriculum.new_learning_set", "GET"): ("/trainer/learning-sets/new", None, teachers(200)),
    ("curriculum.new_learning_set", "POST"): ("/trainer/learning-sets/new", {}, teachers(400)),
    ("curriculum.edit_version", "GET"): ("/trainer/versions/{draft_id}", None, teachers(200)),
    ("curriculum.edit_version", "POST"): ("/trainer/versions/{draft_id}", {}, teachers(400)),
    ("curriculum.start_draft", "POST"): ("/trainer/learning-sets/{learning_set_id}/drafts", {}, teachers(302)),
    ("curriculum.publish", "POST"): ("/trainer/versions/{draft_id}/publish", {}, teachers(302)),
    ("curriculum.archive", "POST"): ("/trainer/versions/{version_id}/archive", {}, teachers(302)),
    ("curriculum.edit_module", "GET"): ("/trainer/versions/{draft_id}/modules/{draft_module_id}", None, teachers(200)),
    ("curriculum.edit_module", "POST"): ("/trainer/versions/{draft_id}/modules/new", {}, teachers(400)),
    ("curriculum.preview", "POST"): ("/trainer/preview", {"body_en": "**hello**"}, teachers(200)),
    ("courses.catalogue", "GET"): ("/catalogue?service_type=home_help&upcoming=1", None, everyone(200)),
    ("courses.cohort", "GET"): ("/cohorts/{cohort_id}", None, everyone(200)),
    ("courses.cohort_ics", "GET"): ("/cohorts/{cohort_id}/sessions.ics", None, everyone(200)),
    ("courses.enrol", "POST"): ("/cohorts/{cohort_id}/enrol", {}, signed_in(302)),
    ("courses.enrol_members", "POST"): ("/cohorts/{cohort_id}/enrol-members/{organisation_id}",
                                        {"member_ids": ["{user_id}"]}, organisation_admins(302)),
    ("courses.withdraw", "POST"): ("/enrolments/{enrolment_id}/withdraw", {"confirmed": "1"},
                                   {**decided_by_trainer_or_admin(302), "org_admin": 302}),
    ("courses.approve", "POST"): ("/enrolments/{enrolment_id}/approve", {}, decided_by_trainer_or_admin(409)),
    ("courses.reject", "POST"): ("/enrolments/{enrolment_id}/reject", {"reason": "x"}, decided_by_trainer_or_admin(409)),
    ("courses.approvals", "GET"): ("/approvals", None, {**everyone(403), "anonymous": LOGIN, "trainer": 200,
                                                        "org_admin": 200, "foreign_org_admin": 200,
                                                        "institute_admin": 200}),
    ("courses.my_learning", "GET"): ("/my/learning", None, signed_in(200)),
    ("courses.complete_module", "POST"): ("/versions/{version_id}/modules/01-first/complete", {}, signed_in(404)),
    ("courses.evaluation", "GET"): ("/cohorts/{cohort_id}/evaluation", None, signed_in(200)),
    ("courses.evaluation", "POST"): ("/cohorts/{cohort_id}/evaluation", {}, signed_in(404)),
    ("courses.trainer_cohorts", "GET"): ("/trainer/cohorts", None, teachers(200)),
    ("courses.new_cohort", "GET"): ("/trainer/versions/{version_id}/cohorts/new", None, teachers(200)),
    ("courses.new_cohort", "POST"): ("/trainer/versions/{version_id}/cohorts/new", {}, teachers(400)),
    ("courses.cohort_admin", "GET"): ("/trainer/cohorts/{cohort_id}", None, teachers(200)),
    ("courses.add_session", "POST"): ("/trainer/cohorts/{cohort_id}/sessions", {}, teachers(400)),
    ("courses.add_trainer", "POST"): ("/trainer/cohorts/{cohort_id}/trainers", {"email": "nobody@example.org"},
                                      teachers(400)),
    ("courses.move_version", "POST"): ("/trainer/cohorts/{cohort_id}/move-version", {}, teachers(409)),
    ("courses.attendance", "GET"): ("/trainer/cohorts/{cohort_id}/sessions/{session_id}/attendance", None,
                                    teachers(200)),
    ("courses.attendance", "POST"): ("/trainer/cohorts/{cohort_id}/sessions/{session_id}/attendance",
                                     {"present": "1"}, teachers(302)),
    ("courses.roster_csv", "GET"): ("/trainer/cohorts/{cohort_id}/roster.csv", None, teachers(200)),
    ("courses.attendance_csv", "GET"): ("/trainer/cohorts/{cohort_id}/attendance.csv", None, teachers(200)),
    ("mentoring.overview", "GET"): ("/mentoring", None, signed_in(200)),
    ("mentoring.new_programme", "GET"): ("/mentoring/programmes/new", None, institute_admins(200)),
    ("mentoring.new_programme", "POST"): ("/mentoring/programmes/new", {}, institute_admins(400)),
    ("mentoring.programme", "GET"): ("/mentoring/programmes/{programme_id}", None, programme_members(200)),
    ("mentoring.schedule_group_session", "POST"): ("/mentoring/programmes/{programme_id}/group-sessions", {},
                                                   programme_members(404, mentor=400)),
    ("mentoring.slots", "GET"): ("/mentoring/programmes/{programme_id}/mentors/{mentor_id}/slots", None,
                                 programme_members(200, mentor=404, admin=404)),  # the mentees' booking calendar
    ("mentoring.book", "POST"): ("/mentoring/programmes/{programme_id}/mentors/{mentor_id}/book",
                                 {"starts_at": "not a time"}, programme_members(400, mentor=404, admin=404)),  # mentees only
    ("mentoring.book", "GET"): ("/mentoring/programmes/{programme_id}/mentors/{mentor_id}/book?starts_at=x", None,
                                programme_members(400, mentor=404, admin=404)),  # no time chosen: the calendar
    # A's session is a group session: only its mentor and institute admins move it.
    ("mentoring.move", "GET"): ("/mentoring/sessions/{mentoring_session_id}/move", None,
                                programme_members(200, mentee=404)),
    ("mentoring.confirm_move", "GET"): ("/mentoring/sessions/{mentoring_session_id}/move/confirm?starts_at=x", None,
                                        programme_members(400, mentee=404)),
    ("mentoring.confirm_move", "POST"): ("/mentoring/sessions/{mentoring_session_id}/move/confirm", {},
                                         programme_members(400, mentee=404)),
    ("mentoring.meeting_place", "GET"): ("/mentoring/meeting-place", None,
                                         {**everyone(403), "anonymous": LOGIN, "mentor": 200}),
    ("mentoring.meeting_place", "POST"): ("/mentoring/meeting-place", {},  # nothing sent keeps the saved place
                                          {**everyone(403), "anonymous": LOGIN, "mentor": 302}),
    ("mentoring.availability", "GET"): ("/mentoring/availability", None,
                                        {**everyone(403), "anonymous": LOGIN, "mentor": 200}),
    ("mentoring.availability", "POST"): ("/mentoring/availability", {},
                                         {**everyone(403), "anonymous": LOGIN, "mentor": 422}),
    ("mentoring.availability_preview", "POST"): ("/mentoring/availability/preview", {},
                                                 {**everyone(403), "anonymous": LOGIN, "mentor": 200}),
    ("mentoring.add_busy_calendar", "POST"): ("/mentoring/availability/calendars", {},
                                              {**everyone(403), "anonymous": LOGIN, "mentor": 400}),
    ("mentoring.refresh_busy_calendar", "POST"): ("/mentoring/availability/calendars/0/refresh", None,
                                                  {**everyone(403), "anonymous": LOGIN, "mentor": 404}),
    ("mentoring.remove_busy_calendar", "POST"): ("/mentoring/availability/calendars/0/remove", None,
                                                 {**everyone(403), "anonymous": LOGIN, "mentor": 404}),
    ("mentoring.session", "GET"): ("/mentoring/sessions/{mentoring_session_id}", None, programme_members(200)),
    ("mentoring.session_ics", "GET"): ("/mentoring/sessions/{mentoring_session_id}.ics", None,
                                       programme_members(200)),
    ("mentoring.respond", "POST"): ("/mentoring/sessions/{mentoring_session_id}/respond", {"partstat": "ACCEPTED"},
                                    programme_members(404, mentee=302)),
    ("mentoring.reschedule", "POST"): ("/mentoring/sessions/{mentoring_session_id}/reschedule", {},
                                       programme_members(400, mentee=404)),
    ("mentoring.cancel", "POST"): ("/mentoring/sessions/{mentoring_session_id}/cancel", {"reason": "Ill"},
                                   programme_members(302, mentee=404)),
    ("mentoring.remove_participant", "POST"): (
        "/mentoring/sessions/{mentoring_session_id}/participants/{user_id}/remove", {},
        programme_members(302, mentee=404)),
    ("mentoring.attendance", "POST"): ("/mentoring/sessions/{mentoring_session_id}/attendance", {},
                                       programme_members(409, mentee=404)),
    ("mentoring.add_note", "POST"): ("/mentoring/sessions/{mentoring_session_id}/notes", {"body": "Next steps"},
                                     programme_members(302, mentee=404, admin=404)),
    ("mentoring.evaluation", "GET"): ("/mentoring/sessions/{mentoring_session_id}/evaluation", None,
                                      programme_members(200)),
    ("mentoring.evaluation", "POST"): ("/mentoring/sessions/{mentoring_session_id}/evaluation",
                                       {"accessibility": "5", "usefulness": "5", "quality": "5"},
                                       programme_members(404, mentee=409)),  # the session has not ended yet
    ("mentoring.plan", "GET"): ("/mentoring/programmes/{programme_id}/plans/{organisation_id}", None,
                                programme_members(200)),
    ("mentoring.plan", "POST"): ("/mentoring/programmes/{programme_id}/plans/{organisation_id}",
                                 {"status": "in_progress", "goals": "Involve parents"}, programme_members(302)),
    ("mentoring.calendar_settings", "GET"): ("/account/calendar", None, signed_in(200)),
    ("mentoring.calendar_settings", "POST"): ("/account/calendar", {"confirmed": "1"}, signed_in(302)),
    ("mentoring.calendar_feed", "GET"): ("/calendar/{feed_token}.ics", None, everyone(200)),
    ("certification.cohort_certificates", "GET"): ("/trainer/cohorts/{cohort_id}/certificates", None,
                                                   teachers(200)),
    ("certification.issue", "POST"): ("/trainer/cohorts/{cohort_id}/certificates", {"enrolment_id": ["{enrolment_id}"]},
                                      teachers(409)),  # the member has not met the rule yet
    ("certification.record_assessment", "POST"): ("/trainer/cohorts/{cohort_id}/assessments/{enrolment_id}",
                                                  {"passed": "1"}, teachers(302)),
    ("certification.my_certificates", "GET"): ("/certificates", None, signed_in(200)),
    ("certification.add_cpd", "POST"): ("/cpd", {}, signed_in(400)),
    # The certificate belongs to organisation A's member: A's admin and institute admins may see it.
    ("certification.certificate", "GET"): ("/certificates/{certificate_id}", None, organisation_admins(200)),
    ("certification.certificate_pdf", "GET"): ("/certificates/{certificate_id}.pdf", None, organisation_admins(200)),
    ("certification.revoke", "POST"): ("/certificates/{certificate_id}/revoke", {"note": "Error", "confirmed": "1"},
                                       institute_admins(302)),
    ("certification.reinstate", "POST"): ("/certificates/{certificate_id}/reinstate", {}, institute_admins(409)),
    ("certification.renew", "POST"): ("/certificates/{certificate_id}/renew", {}, institute_admins(409)),
    ("certification.verify_lookup", "GET"): ("/verify", None, everyone(200)),
    ("certification.verify", "GET"): ("/verify/{certificate_code}", None, everyone(200)),
    ("certification.verify_json", "GET"): ("/verify/{certificate_code}.json", None, everyone(200)),
    ("certification.verify_jwt", "GET"): ("/verify/{certificate_code}.jwt", None, everyone(200)),
    ("certification.issuer_profile", "GET"): ("/issuer", None, everyone(200)),
    ("certification.issuer_key", "GET"): ("/issuer/keys/{signing_key_id}", None, everyone(200)),
    ("certification.status_list", "GET"): ("/credentials/status/1", None, everyone(200)),
    ("certification.pending_cpd", "GET"): ("/admin/cpd", None, institute_admins(200)),
    ("certification.approve_cpd", "POST"): ("/admin/cpd/{cpd_activity_id}/approve", {}, institute_admins(302)),
    ("certification.organisation_status", "GET"): ("/organisations/status", None, signed_in(200)),
    ("certification.requirements", "GET"): ("/admin/requirements", None, institute_admins(200)),
    ("certification.requirements", "POST"): ("/admin/requirements", {"service_type": "home_help",
                                                                     "learning_set_id": "{learning_set_id}",
                                                                     "min_staff": "2"}, institute_admins(302)),
    # Reports: every role with something to report on sees its own scope; professionals have none.
    ("reports.dashboard", "GET"): ("/reports/", None, {**signed_in(200), "professional": 403}),
    ("reports.names", "GET"): ("/reports/names/organisation?organisation_name=a", None,
                               {**signed_in(200), "professional": 403}),
    ("reports.export", "GET"): ("/reports/summary.csv?scope=organisation-{organisation_id}", None,
                                {**everyone(404), "anonymous": LOGIN, "professional": 403, "org_admin": 200}),
    ("audit.log", "GET"): ("/admin/audit", None, institute_admins(200)),
    ("privacy.overview", "GET"): ("/account/privacy", None, signed_in(200)),
    ("privacy.download", "POST"): ("/account/personal-data", {}, signed_in(200)),
    ("privacy.request_erasure", "POST"): ("/account/erasure", {}, signed_in(400)),
    ("privacy.erasure_requests", "GET"): ("/admin/erasure-requests", None, institute_admins(200)),
    ("privacy.complete_erasure", "POST"): ("/admin/erasure-requests/{erasure_request_id}/complete", {},
                                           institute_admins(302)),
}
