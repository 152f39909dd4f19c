"""A professional's dashboard shows what comes next for them, not a list of links."""

from datetime import timedelta

from learnhub.extensions import db
from learnhub.timeutil import utcnow
from tests.factories import PASSWORD, CohortSessionFactory, EnrolmentFactory, UserFactory, certificate_for


def test_the_dashboard_shows_the_next_session_modules_to_finish_and_expiring_certificates(client, auth):
    learner = UserFactory(email="learner@example.org", preferred_language="en")
    enrolment = EnrolmentFactory(user=learner)
    enrolment.cohort.version.title = {"en": "Working with parents"}
    CohortSessionFactory(cohort=enrolment.cohort, place="Sala opštine Ruma")
    done = EnrolmentFactory(user=learner)
    done.cohort.version.title = {"en": "Crisis support"}
    certificate = certificate_for(done, expires_at=utcnow() + timedelta(days=40))
    db.session.commit()
    auth.login("learner@example.org", PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "What is next" in page
    assert "Sala opštine Ruma" in page  # where the next training session is
    assert f'href="/versions/{enrolment.version_id}/modules/01-first"' in page  # continue learning
    assert "0 of 2 modules completed" in page
    assert f'href="/certificates/{certificate.id}"' in page and "Crisis support" in page


def test_a_newcomer_is_told_where_to_start(client, auth):
    UserFactory(email="new@example.org")
    db.session.commit()
    auth.login("new@example.org", PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Nothing is planned for you yet." in page and 'href="/catalogue"' in page
