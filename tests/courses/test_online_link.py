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


def test_the_public_calendar_of_an_online_cohort_says_online_but_never_holds_its_link(client):
    cohort = _online_cohort()
    db.session.commit()
    calendar = client.get(f"/cohorts/{cohort.id}/sessions.ics").get_data(as_text=True).replace("\r\n ", "")
    assert SOON not in calendar and LATER not in calendar and calendar.count("LOCATION:Online") == 2


def test_the_dashboard_offers_the_next_training_sessions_link_only_shortly_before(client):
    cohort = _online_cohort()
    enrolled = EnrolmentFactory(cohort=cohort).user
    db.session.commit()
    dashboard = _page_of(client, enrolled, "/dashboard")
    assert f'href="{SOON}"' in dashboard and "Join online" in dashboard
    cohort.sessions[0].starts_at += timedelta(days=1)  # now a day away: the link waits
    cohort.sessions[0].ends_at += timedelta(days=1)
    db.session.commit()
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert SOON not in dashboard and "The link appears here 30 minutes before the session." in dashboard


def test_the_feed_of_an_enrolled_person_carries_the_cohorts_link_as_a_conference(client):
    import icalendar

    from learnhub.mentoring.feeds import feed_for_token, feed_token

    cohort = _online_cohort()
    enrolled = EnrolmentFactory(cohort=cohort).user
    db.session.commit()
    events = icalendar.Calendar.from_ical(feed_for_token(feed_token(enrolled), utcnow(), lambda *_: False).body).walk("VEVENT")
    assert sorted(str(event["CONFERENCE"]) for event in events) == sorted([SOON, LATER])
