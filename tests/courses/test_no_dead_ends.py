"""Ordinary mistakes are answered on the page they were made on, with what was typed kept; actions that
cannot succeed now are not offered, and the page says when they will be (the server still refuses them)."""

from datetime import date, timedelta

from learnhub.courses.models import Evaluation
from learnhub.extensions import db
from learnhub.people.models import MembershipRole
from learnhub.timeutil import utcnow
from tests.factories import PASSWORD, CohortFactory, EnrolmentFactory, OrganisationFactory, UserFactory, member_of

GENERIC_ERROR_PAGE = "Back to the start page"


def _login(client, user) -> None:
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})


def _not_yet_open_cohort():
    return CohortFactory(name="Ruma, spring", enrolment_opens_at=utcnow() + timedelta(days=3),
                         enrolment_closes_at=utcnow() + timedelta(days=20))


def test_enrol_is_not_offered_before_enrolment_opens_and_the_page_says_when_it_will(client):
    cohort = _not_yet_open_cohort()
    _login(client, UserFactory())
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'action="/cohorts/{cohort.id}/enrol"' not in page
    assert "Enrolment opens on" in page and "(in 3 days)" in page


def test_enrol_after_enrolment_closed_is_not_offered_either(client):
    cohort = CohortFactory(enrolment_opens_at=utcnow() - timedelta(days=9), enrolment_closes_at=utcnow() - timedelta(days=1))
    _login(client, UserFactory())
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'action="/cohorts/{cohort.id}/enrol"' not in page and "Enrolment closed on" in page


def test_someone_not_accepted_is_offered_no_enrolment_and_a_new_one_is_refused(client):
    from learnhub.courses.models import EnrolmentStatus

    enrolment = EnrolmentFactory(status=EnrolmentStatus.REJECTED)
    cohort_id = enrolment.cohort_id
    _login(client, enrolment.user)
    page = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    assert f'action="/cohorts/{cohort_id}/enrol"' not in page and "was not accepted" in page
    refused = client.post(f"/cohorts/{cohort_id}/enrol", data={})
    assert refused.status_code == 409 and GENERIC_ERROR_PAGE not in refused.get_data(as_text=True)


def test_enrolling_before_enrolment_opens_is_refused_on_the_cohort_page(client):
    cohort = _not_yet_open_cohort()
    _login(client, UserFactory())
    response = client.post(f"/cohorts/{cohort.id}/enrol")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Enrolment for this cohort is not open now." in page and "Ruma, spring" in page
    assert GENERIC_ERROR_PAGE not in page


def test_enrolling_after_enrolment_closed_is_refused_on_the_cohort_page(client):
    cohort = CohortFactory(name="Ruma, spring", enrolment_opens_at=utcnow() - timedelta(days=9),
                           enrolment_closes_at=utcnow() - timedelta(days=1))
    _login(client, UserFactory())
    response = client.post(f"/cohorts/{cohort.id}/enrol")
    assert response.status_code == 409 and GENERIC_ERROR_PAGE not in response.get_data(as_text=True)
    assert cohort.seats_taken == 0


def test_enrolling_members_before_enrolment_opens_is_not_offered_and_is_refused(client):
    organisation = OrganisationFactory()
    admin = member_of(organisation, MembershipRole.ORG_ADMIN)
    member = member_of(organisation)
    cohort = _not_yet_open_cohort()
    _login(client, admin)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/enrol-members/{organisation.id}" not in page
    response = client.post(f"/cohorts/{cohort.id}/enrol-members/{organisation.id}", data={"member_ids": [member.id]})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and GENERIC_ERROR_PAGE not in page
    assert page.count("Enrolment for this cohort is not open now.") == 1  # once, not once per member
    assert cohort.seats_taken == 0


def test_enrolling_nobody_is_answered_at_the_members_list_with_the_choices_kept(client):
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    admin = member_of(organisation, MembershipRole.ORG_ADMIN)
    member = member_of(organisation, display_name="Jelena Petrović")
    cohort = CohortFactory(records_perspective=True, name="Trialogue Ruma")
    _login(client, admin)
    response = client.post(f"/cohorts/{cohort.id}/enrol-members/{organisation.id}",
                           data={f"perspective_{member.id}": "family_member"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please choose at least one member." in page and GENERIC_ERROR_PAGE not in page
    assert "Jelena Petrović" in page and 'value="family_member" selected' in page
    assert cohort.seats_taken == 0


def test_evaluation_is_not_offered_before_the_cohorts_last_day_and_says_when_it_opens(client):
    learner = UserFactory()
    cohort = CohortFactory(starts_on=date.today() + timedelta(days=10), ends_on=date.today() + timedelta(days=12))
    EnrolmentFactory(cohort=cohort, user=learner)
    _login(client, learner)
    learning = client.get("/my/learning").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/evaluation" not in learning and "Evaluation opens on" in learning
    form_page = client.get(f"/cohorts/{cohort.id}/evaluation").get_data(as_text=True)
    assert "Evaluation opens on" in form_page and 'name="accessibility"' not in form_page


def test_an_early_evaluation_is_refused_on_its_page(client):
    learner = UserFactory()
    cohort = CohortFactory(starts_on=date.today() + timedelta(days=10), ends_on=date.today() + timedelta(days=12))
    EnrolmentFactory(cohort=cohort, user=learner)
    _login(client, learner)
    response = client.post(f"/cohorts/{cohort.id}/evaluation",
                           data={"accessibility": "5", "usefulness": "4", "quality": "5", "comment": "Odlično"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Evaluation opens on" in page and GENERIC_ERROR_PAGE not in page
    assert db.session.query(Evaluation).count() == 0


def test_evaluation_is_offered_from_the_last_day(client):
    learner = UserFactory()
    cohort = CohortFactory(starts_on=date.today() - timedelta(days=2), ends_on=date.today())
    EnrolmentFactory(cohort=cohort, user=learner)
    _login(client, learner)
    assert f"/cohorts/{cohort.id}/evaluation" in client.get("/my/learning").get_data(as_text=True)
    assert 'name="accessibility"' in client.get(f"/cohorts/{cohort.id}/evaluation").get_data(as_text=True)
