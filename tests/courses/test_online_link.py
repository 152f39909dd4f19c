"""An online cohort's meeting link: shown to enrolled people, from shortly before each session."""

from datetime import timedelta

from learnhub.courses.models import EnrolmentStatus
from learnhub.extensions import db
from learnhub.timeutil import utcnow
from tests.factories import PASSWORD, CohortFactory, CohortSessionFactory, EnrolmentFactory, UserFactory

SOON = "https://meet.example.org/kohorta-danas"
LATER = "https://meet.example.org/kohorta-sledece-nedelje"


def _online_cohort():
    cohort = CohortFactory(is_online=True, municipality=None)
    now = utcnow().replace(microsecond=0)
    CohortSessionFactory(cohort=cohort, starts_at=now + timedelta(minutes=10), ends_at=now + timedelta(hours=2),
                         place="", online_url=SOON)
    CohortSessionFactory(cohort=cohort, starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=2),
                         place="", online_url=LATER)
    return cohort


def _page_of(client, user, url):
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client.get(url).get_data(as_text=True)


def test_enrolled_people_see_the_link_of_the_session_about_to_start_on_the_cohort_page_and_in_my_learning(client):
    cohort = _online_cohort()
    enrolled = EnrolmentFactory(cohort=cohort).user
    db.session.commit()
    page = _page_of(client, enrolled, f"/cohorts/{cohort.id}")
    assert f'href="{SOON}"' in page and "Join the online session" in page
    assert LATER not in page and "The link appears here 30 minutes before the session." in page
    learning = client.get("/my/learning").get_data(as_text=True)
    assert f'href="{SOON}"' in learning and LATER not in learning


def test_people_not_enrolled_never_see_the_link(client):
    cohort = _online_cohort()
    waiting = EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED).user
    outsider = UserFactory()
    db.session.commit()
    for user in (waiting, outsider):
        page = _page_of(client, user, f"/cohorts/{cohort.id}")
        assert SOON not in page and LATER not in page and "Join the online session" not in page
    assert SOON not in _page_of(client, waiting, "/my/learning")
    client.post("/auth/logout")
    assert SOON not in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
