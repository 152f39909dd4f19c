"""Whoever a cohort names as approver finds who waits for them, is told by mail, and lands on a page
they may see after deciding."""

import re
from datetime import UTC
from zoneinfo import ZoneInfo

from learnhub.courses.models import Approver, Enrolment, EnrolmentStatus
from learnhub.extensions import db
from learnhub.people.models import MembershipRole, Role
from tests.factories import CohortFactory, EnrolmentFactory, OrganisationFactory, UserFactory, member_of
from tests.i18n import translated


def _login(client, user):
    from tests.factories import PASSWORD

    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def _ask(client, cohort, user):
    """`user` asks for a place through the cohort page, then signs out."""
    _login(client, user)
    assert client.post(f"/cohorts/{cohort.id}/enrol").status_code == 302
    client.post("/auth/logout")
    return db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == user.id))


def test_an_organisation_admin_finds_who_waits_approves_there_and_stays_on_a_page_they_may_see(client):
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    cohort = CohortFactory(approver=Approver.ORG_ADMIN, name="Ruma, proleće")
    waiting = _ask(client, cohort, member_of(organisation, display_name="Ana Ilić"))
    other = _ask(client, cohort, member_of(OrganisationFactory(), display_name="Boris Babić"))

    _login(client, boss)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "1 enrolment waits for your approval" in dashboard and 'href="/approvals"' in dashboard
    page = client.get("/approvals").get_data(as_text=True)
    assert "Ana Ilić" in page and "Ruma, proleće" in page and "Dnevni boravak Ruma" in page
    assert "Boris Babić" not in page  # another organisation's admin decides that one
    assert f"/enrolments/{waiting.id}/approve" in page and f"/enrolments/{other.id}/approve" not in page

    response = client.post(f"/enrolments/{waiting.id}/approve", data={"next": "/approvals"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Ana Ilić is approved and has a place." in response.get_data(as_text=True)
    assert db.session.get(Enrolment, waiting.id).status == EnrolmentStatus.ENROLLED
    assert "Nothing waits for your approval." in client.get("/approvals").get_data(as_text=True)


def test_an_approval_made_by_hand_lands_on_a_page_the_organisation_admin_may_see(client):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    cohort = CohortFactory(approver=Approver.ORG_ADMIN)
    first, second = (_ask(client, cohort, member_of(organisation)) for _ in range(2))
    _login(client, boss)
    for enrolment, form in ((first, {}), (second, {"reason": "Sledeći put"})):
        action = "approve" if not form else "reject"
        response = client.post(f"/enrolments/{enrolment.id}/{action}", data=form)
        assert response.status_code == 302 and response.location == "/approvals"
        assert client.get(response.location).status_code == 200


def test_a_trainer_deciding_from_the_approvals_page_returns_to_it(client):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(approver=Approver.TRAINER, trainer=trainer)
    waiting = _ask(client, cohort, UserFactory(display_name="Ana Ilić"))
    _login(client, trainer)
    assert "Ana Ilić" in client.get("/approvals").get_data(as_text=True)
    assert client.post(f"/enrolments/{waiting.id}/approve", data={"next": "/approvals"}).location == "/approvals"
    assert client.post(f"/enrolments/{waiting.id}/withdraw", data={"confirmed": "1"}).status_code == 302
    # Without a page to return to, a trainer goes back to the cohort.
    again = _ask(client, cohort, UserFactory())
    _login(client, trainer)
    assert client.post(f"/enrolments/{again.id}/approve").location == f"/trainer/cohorts/{cohort.id}"


def test_people_who_approve_nothing_are_refused_the_approvals_page(client):
    _login(client, UserFactory(roles=[Role.PROFESSIONAL]))
    assert client.get("/approvals").status_code == 403
    assert "waits for your approval" not in client.get("/dashboard").get_data(as_text=True)


def test_approvers_are_mailed_in_their_language_when_someone_waits(client, smtp_sink):
    organisation = OrganisationFactory()
    member_of(organisation, MembershipRole.ORG_ADMIN, email="boss@example.org", preferred_language="sr_Latn",
              time_zone="America/New_York")
    trainer = UserFactory(email="trainer@example.org", roles=[Role.TRAINER])
    by_admin = CohortFactory(approver=Approver.ORG_ADMIN, name="Ruma, proleće")
    by_trainer = CohortFactory(approver=Approver.TRAINER, trainer=trainer, name="Šid, jesen")
    none_needed = CohortFactory(trainer=trainer)
    member = member_of(organisation, display_name="Ana Ilić")
    enrolment = _ask(client, by_admin, member)
    _ask(client, by_trainer, member)
    _ask(client, none_needed, UserFactory())

    [to_admin] = smtp_sink.to("boss@example.org")
    assert to_admin["Subject"] == translated("sr_Latn", "%(name)s waits for your approval in %(cohort)s",
                                             name="Ana Ilić", cohort="Ruma, proleće")
    text = smtp_sink.text_of(to_admin)
    assert "/approvals" in text
    asked = enrolment.created_at.replace(tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    assert f"{asked.hour}:{asked:%M}" in text  # when they asked, in the approver's zone
    [to_trainer] = smtp_sink.to("trainer@example.org")
    assert to_trainer["Subject"] == "Ana Ilić waits for your approval in Šid, jesen"


def test_the_approvals_page_runs_a_fixed_number_of_queries(client, count_queries):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    cohort = CohortFactory(approver=Approver.ORG_ADMIN)

    def waiting():
        EnrolmentFactory(cohort=cohort, user=member_of(organisation), organisation_id=organisation.id,
                         status=EnrolmentStatus.PENDING)

    waiting()
    _login(client, boss)
    with count_queries() as few:
        assert client.get("/approvals").status_code == 200
    for _ in range(6):
        waiting()
    with count_queries() as many:
        page = client.get("/approvals").get_data(as_text=True)
    assert len(re.findall(r"/enrolments/\d+/approve", page)) == 7
    assert len(many) == len(few) <= 5
