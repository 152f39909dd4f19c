"""A professional's My learning: which modules are done, where to go on, and the way from one module to the next."""

from learnhub.extensions import db
from tests.factories import PASSWORD, EnrolmentFactory, UserFactory


def _learner(client, auth):
    learner = UserFactory(email="learner@example.org", preferred_language="en")
    enrolment = EnrolmentFactory(user=learner)
    db.session.commit()
    auth.login("learner@example.org", PASSWORD)
    return enrolment


def test_my_learning_ticks_completed_modules_and_continues_with_the_next_unfinished(client, auth):
    enrolment = _learner(client, auth)
    version_id = enrolment.version_id
    page = client.get("/my/learning").get_data(as_text=True)
    assert f'class="button" href="/versions/{version_id}/modules/01-first">Start' in page
    client.post(f"/versions/{version_id}/modules/01-first/complete")
    page = client.get("/my/learning").get_data(as_text=True)
    assert f'class="button" href="/versions/{version_id}/modules/02-second">Continue' in page
    modules = page.split('<ol class="modules">', 1)[1]
    first, second = modules.split("First steps", 1)[1], modules.split("Second steps", 1)[1]
    assert "completed" in first.split("</li>", 1)[0] and "completed" not in second.split("</li>", 1)[0]
    client.post(f"/versions/{version_id}/modules/02-second/complete")
    page = client.get("/my/learning").get_data(as_text=True)
    assert "Continue" not in page and "All modules completed" in page


def test_each_module_ends_with_a_link_to_the_next_and_the_last_back_to_my_learning(client, auth):
    enrolment = _learner(client, auth)
    first = client.get(f"/versions/{enrolment.version_id}/modules/01-first").get_data(as_text=True)
    assert f'href="/versions/{enrolment.version_id}/modules/02-second" rel="next"' in first
    assert "Next module: Second steps" in first
    last = client.get(f"/versions/{enrolment.version_id}/modules/02-second").get_data(as_text=True)
    assert 'rel="next"' not in last and "Back to My learning" in last
