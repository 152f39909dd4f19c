from sqlalchemy import func, select

from learnhub.demo import ACCOUNTS, DEMO_PASSWORD, MUNICIPALITIES
from learnhub.extensions import db
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
    assert _counts() == first == [sum(map(len, MUNICIPALITIES.values())), first[1], len(ACCOUNTS)]


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
