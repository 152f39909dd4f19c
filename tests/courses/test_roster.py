"""A trainer's roster shows each person's progress and attendance and sorts by either."""

from datetime import timedelta

import pytest

from learnhub.courses.models import Attendance
from learnhub.curriculum.models import ModuleProgress
from learnhub.extensions import db
from learnhub.people.models import Role
from tests.factories import PASSWORD, CohortFactory, CohortSessionFactory, EnrolmentFactory, UserFactory


@pytest.fixture
def roster(client, auth):
    trainer = UserFactory(roles=[Role.TRAINER], email="trainer@example.org")
    cohort = CohortFactory(trainer=trainer)
    first = CohortSessionFactory(cohort=cohort)
    second = CohortSessionFactory(cohort=cohort, starts_at=first.starts_at + timedelta(days=1))
    ana = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Ana Anić"))
    bojan = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Bojan Babić"))
    EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Vera Vukić"))
    modules = cohort.version.modules
    # Ana: both modules, present once of two; Bojan: one module, present twice; Vera: nothing, nothing marked.
    db.session.add_all([ModuleProgress(user_id=ana.user_id, module_id=m.id) for m in modules]
                       + [ModuleProgress(user_id=bojan.user_id, module_id=modules[0].id)]
                       + [Attendance(session_id=first.id, enrolment_id=ana.id, is_present=True),
                          Attendance(session_id=second.id, enrolment_id=ana.id, is_present=False),
                          Attendance(session_id=first.id, enrolment_id=bojan.id, is_present=True),
                          Attendance(session_id=second.id, enrolment_id=bojan.id, is_present=True)])
    db.session.commit()
    auth.login("trainer@example.org", PASSWORD)
    return cohort


def _names_in_order(page: str) -> list[str]:
    names = ["Ana Anić", "Bojan Babić", "Vera Vukić"]
    return sorted(names, key=page.index)


def test_the_roster_shows_progress_and_attendance_of_each_person(client, roster):
    page = client.get(f"/trainer/cohorts/{roster.id}").get_data(as_text=True)
    ana = page.split("Ana Anić", 1)[1].split("</tr>", 1)[0]
    assert "2 of 2 modules" in ana and "1 of 2 sessions" in ana
    bojan = page.split("Bojan Babić", 1)[1].split("</tr>", 1)[0]
    assert "1 of 2 modules" in bojan and "2 of 2 sessions" in bojan
    vera = page.split("Vera Vukić", 1)[1].split("</tr>", 1)[0]
    assert "0 of 2 modules" in vera and "not recorded yet" in vera


def test_the_roster_sorts_by_progress_or_attendance_with_who_is_behind_first(client, roster):
    by_progress = client.get(f"/trainer/cohorts/{roster.id}?sort=progress").get_data(as_text=True)
    assert _names_in_order(by_progress) == ["Vera Vukić", "Bojan Babić", "Ana Anić"]
    assert 'aria-sort="ascending"' in by_progress
    by_attendance = client.get(f"/trainer/cohorts/{roster.id}?sort=attendance").get_data(as_text=True)
    assert _names_in_order(by_attendance) == ["Ana Anić", "Bojan Babić", "Vera Vukić"]  # nothing marked: last
    assert f'href="/trainer/cohorts/{roster.id}?sort=attendance"' in by_progress
    assert client.get(f"/trainer/cohorts/{roster.id}?sort=nonsense").status_code == 200
