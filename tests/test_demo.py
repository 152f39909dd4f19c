from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from learnhub.certification.models import Certificate
from learnhub.certification.services import cohort_standings
from learnhub.courses.models import Cohort, CohortSession
from learnhub.demo import ACCOUNTS, DEMO_PASSWORD, MUNICIPALITIES, PARTICIPANTS, load_curriculum_if_empty, seed_demo
from learnhub.extensions import db
from learnhub.mentoring.models import MentoringSession
from learnhub.people.models import Municipality, Organisation, Role, User


def _counts():
    return [db.session.scalar(select(func.count()).select_from(model)) for model in (Municipality, Organisation, User)]


def test_seed_demo_loads_the_field_municipalities_and_one_account_per_role(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(select(Municipality.name)))
    assert {"Užice", "Prijepolje", "Sjenica", "Šid", "Sremska Mitrovica", "Loznica", "Kosjerić", "Ruma", "Vranje",
            "Bela Palanka", "Doljevac", "Vrbas", "Sarajevo", "Mostar", "Zenica", "Banja Luka", "Tuzla"} <= names
    roles = set().union(*(u.role_set for u in db.session.scalars(select(User))))
    assert roles == set(Role)
    for email, *_ in ACCOUNTS:
        assert email in result.output
    response = client.post("/auth/login", data={"email": "admin@learnhub.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_seed_demo_is_idempotent(runner):
    runner.invoke(args=["seed-demo"])
    first = _counts()
    runner.invoke(args=["seed-demo"])
    assert _counts() == first == [sum(map(len, MUNICIPALITIES.values())), first[1], len(ACCOUNTS) + len(PARTICIPANTS)]


def test_demo_with_curriculum_gives_the_reports_a_year_to_show(runner, client):
    from learnhub.config import PROJECT_ROOT

    assert runner.invoke(args=["curriculum", "import", str(PROJECT_ROOT / "curriculum")]).exit_code == 0
    runner.invoke(args=["seed-demo"])
    users = db.session.scalar(select(func.count()).select_from(User))
    runner.invoke(args=["seed-demo"])
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    client.post("/auth/login", data={"email": "admin@learnhub.example", "password": DEMO_PASSWORD})
    client.post("/language", data={"language": "en"})
    page = client.get("/reports/").get_data(as_text=True)
    assert "So far, 11 participants from 7 organisations in 7 municipalities took part in training" in page
    assert "Mentors held 1 mentoring session (2 hours)" in page


def _seed_without_importing(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def test_seed_demo_before_import_loads_the_bundled_curriculum(runner):
    result = _seed_without_importing(runner)
    assert "loaded the bundled curriculum" in result.output
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 4
    assert db.session.scalar(select(func.count()).select_from(Certificate)) > 0


def test_every_demo_certificate_meets_its_learning_sets_rule(runner):
    _seed_without_importing(runner)
    holders = 0
    for cohort in db.session.scalars(select(Cohort)):
        for standing in cohort_standings(cohort):
            if standing.certificate is not None:
                holders += 1
                assert standing.missing == [], (standing.enrolment.user.display_name, standing.missing)
    assert holders == db.session.scalar(select(func.count()).select_from(Certificate)) == 9


@pytest.mark.parametrize("today", [date(2026, 12, 7) + timedelta(days=n) for n in range(7)], ids=str)
def test_demo_sessions_are_on_weekdays_and_enrolment_windows_start_and_end_on_the_hour(app, today):
    load_curriculum_if_empty()
    seed_demo(today)
    zone = ZoneInfo("Europe/Belgrade")
    local = [moment.replace(tzinfo=UTC).astimezone(zone) for moment in
             [*db.session.scalars(select(CohortSession.starts_at)), *db.session.scalars(select(MentoringSession.starts_at))]]
    assert len(local) == 4 * 3 + 2 and all(moment.weekday() < 5 for moment in local)
    assert all(8 <= moment.hour <= 17 and moment.minute == 0 for moment in local)
    for cohort in db.session.scalars(select(Cohort)):
        opens, closes = (moment.replace(tzinfo=UTC).astimezone(zone)
                         for moment in (cohort.enrolment_opens_at, cohort.enrolment_closes_at))
        assert (opens.minute, opens.second, closes.minute, closes.second) == (0, 0, 0, 0)
        assert opens < closes and closes.date() < cohort.starts_on
