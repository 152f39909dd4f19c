import csv
import io
import re
from datetime import date, timedelta

import pytest

from learnhub.courses import roster
from learnhub.courses.models import Attendance, EnrolmentStatus, Evaluation
from learnhub.curriculum.models import VersionState
from learnhub.extensions import db
from learnhub.people.models import MembershipRole, Role
from tests.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    MunicipalityFactory,
    OrganisationFactory,
    UserFactory,
    VersionFactory,
    member_of,
)


def test_catalogue_filters_by_service_language_place_and_dates(client):
    ruma = MunicipalityFactory(name="Ruma")
    day_care = VersionFactory(title={"en": "Working with parents", "sr_Latn": "Rad sa roditeljima"})
    CohortFactory(version=day_care, municipality=ruma)
    VersionFactory(title={"en": "Recovery into practice"}, service_types=[], languages=[])
    VersionFactory(title={"en": "Old draft"}, state=VersionState.DRAFT)

    everything = client.get("/catalogue").get_data(as_text=True)
    assert "Working with parents" in everything and "Recovery into practice" in everything
    assert "Old draft" not in everything
    for query in ("service_type=day_care_children_disabilities", "language=sr_Latn", f"municipality={ruma.id}",
                  "upcoming=1", "mode=in_person", "q=roditelj"):
        page = client.get(f"/catalogue?{query}").get_data(as_text=True)
        assert "Working with parents" in page and "Recovery into practice" not in page, query
    assert "Working with parents" not in client.get("/catalogue?mode=online").get_data(as_text=True)
    # Values that are not on the lists are no filter, as when the list is left at "all".
    for query in ("municipality=999999", "service_type=spaceflight", "language=xx", "mode=teleport"):
        page = client.get(f"/catalogue?{query}").get_data(as_text=True)
        assert "Working with parents" in page and "Recovery into practice" in page, query


def test_catalogue_answers_htmx_with_just_the_results(client):
    VersionFactory(title={"en": "Working with parents"})
    html = client.get("/catalogue", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Working with parents" in html and "<html" not in html


def test_catalogue_runs_a_fixed_number_of_queries(client, count_queries):
    VersionFactory()
    client.get("/catalogue")
    with count_queries() as few:
        client.get("/catalogue")
    for _ in range(30):
        CohortFactory()
    with count_queries() as many:
        client.get("/catalogue")
    assert len(many) == len(few) <= 6


def test_catalogue_keeps_the_municipality_list_between_views(make_app):
    from sqlalchemy import event

    from tests.factories import MunicipalityFactory

    app = make_app(CACHE_TYPE="SimpleCache")
    with app.app_context():
        MunicipalityFactory(name="Šabac")
        db.session.commit()
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        client = app.test_client()
        assert "Šabac" in client.get("/catalogue").get_data(as_text=True)
        assert any("FROM municipality" in s for s in statements)
        statements.clear()
        assert "Šabac" in client.get("/catalogue").get_data(as_text=True)
        assert not any("FROM municipality" in s for s in statements)


def test_catalogue_shows_a_page_at_a_time(client):
    for number in range(30):
        VersionFactory(title={"en": f"Set number {number:02d}"})
    first = client.get("/catalogue?language=en").get_data(as_text=True)
    assert first.count('class="card"') == 24 and "30 learning sets" in first
    assert "/catalogue?page=2&amp;language=en" in first or "/catalogue?language=en&amp;page=2" in first
    second = client.get("/catalogue?language=en&page=2").get_data(as_text=True)
    assert second.count('class="card"') == 6


def test_trainers_see_their_cohorts_and_admins_all_of_them_a_page_at_a_time(client, auth):
    trainer = UserFactory(email="trainer@example.org", roles=[Role.TRAINER])
    UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    today = date.today()
    cohorts = [CohortFactory(trainer=trainer if number < 2 else None, name=f"Kohorta broj {number:02d}",
                             starts_on=today + timedelta(days=number), ends_on=today + timedelta(days=number + 2))
               for number in range(30)]
    auth.login("trainer@example.org")
    own = client.get("/trainer/cohorts").get_data(as_text=True)
    assert re.findall(r"Kohorta broj \d+", own) == ["Kohorta broj 01", "Kohorta broj 00"]  # latest first
    assert "?page=2" not in own
    auth.logout()
    auth.login("admin@example.org")
    first = client.get("/trainer/cohorts").get_data(as_text=True)
    assert len(re.findall(r"Kohorta broj \d+", first)) == 25 and "Kohorta broj 29" in first
    assert "/trainer/cohorts?page=2" in first
    second = client.get("/trainer/cohorts?page=2").get_data(as_text=True)
    assert re.findall(r"Kohorta broj \d+", second) == [c.name for c in reversed(cohorts[:5])]


def test_learning_set_page_shows_modules_outcomes_hours_points_and_cohorts(client):
    cohort = CohortFactory(name="Ruma, proleće 2027")
    page = client.get(f"/learning-sets/{cohort.version.slug}").get_data(as_text=True)
    for text in ("First steps", "Name the first step", "12 hours", "8 CPD points", "Ruma, proleće 2027"):
        assert text in page


@pytest.mark.parametrize("state", [VersionState.ARCHIVED, VersionState.DRAFT])
def test_unknown_archived_and_draft_learning_sets_are_404(client, state):
    version = VersionFactory(state=state)
    assert client.get(f"/learning-sets/{version.slug}").status_code == 404
    assert client.get("/learning-sets/no-such-set").status_code == 404
    assert client.get("/cohorts/999999").status_code == 404


def test_cyrillic_readers_see_serbian_content_transliterated(client):
    cohort = CohortFactory()
    client.post("/language", data={"language": "sr_Cyrl"})
    page = client.get(f"/learning-sets/{cohort.version.slug}").get_data(as_text=True)
    assert "Практичне вештине за свакодневни рад." in page
    assert "Први кораци" in page


def _login(client, user):
    from tests.factories import PASSWORD

    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_learner_reads_modules_marks_them_complete_and_the_progress_bar_moves(client):
    enrolment = EnrolmentFactory()
    _login(client, enrolment.user)
    assert 'value="0"' in client.get("/my/learning").get_data(as_text=True)

    module_url = f"/versions/{enrolment.version_id}/modules/01-first"
    page = client.get(module_url).get_data(as_text=True)
    assert "First steps" in page and 'href="02-second.md"' in page
    assert client.get(f"/versions/{enrolment.version_id}/modules/02-second.md").status_code == 200
    assert client.post(module_url + "/complete").status_code == 302
    assert client.post(module_url + "/complete").status_code == 302  # twice is harmless
    learning = client.get("/my/learning").get_data(as_text=True)
    assert 'value="50"' in learning and "1 of 2 modules completed" in learning


def test_people_not_enrolled_cannot_read_or_complete_modules(client):
    enrolment = EnrolmentFactory()
    outsider = UserFactory()
    _login(client, outsider)
    assert client.get(f"/versions/{enrolment.version_id}/modules/01-first").status_code == 404
    assert client.post(f"/versions/{enrolment.version_id}/modules/01-first/complete").status_code == 404


def test_enrolling_through_the_page_and_withdrawing(client, smtp_sink):
    cohort = CohortFactory(capacity=1)
    user = UserFactory(email="ana@example.org")
    _login(client, user)
    assert client.post(f"/cohorts/{cohort.id}/enrol").status_code == 302
    assert "Withdraw" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    response = client.post(f"/cohorts/{cohort.id}/enrol")
    assert response.status_code == 409
    assert "already enrolled" in response.get_data(as_text=True)
    enrolment_id = re.search(r"/enrolments/(\d+)/withdraw", client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)).group(1)
    assert client.post(f"/enrolments/{enrolment_id}/withdraw", data={"confirmed": "1"}).status_code == 302
    subjects = [m["Subject"] for m in smtp_sink.to("ana@example.org")]
    assert subjects[0].startswith("You have a place") and subjects[-1].startswith("You have left")


def test_closed_enrolment_answers_409_with_a_translated_message(client):
    from learnhub.timeutil import utcnow

    cohort = CohortFactory(enrolment_closes_at=utcnow() - timedelta(hours=1),
                           enrolment_opens_at=utcnow() - timedelta(days=3))
    user = UserFactory(preferred_language="sr_Latn")
    _login(client, user)
    response = client.post(f"/cohorts/{cohort.id}/enrol")
    assert response.status_code == 409
    from tests.i18n import translated

    assert translated("sr_Latn", "Enrolment for this cohort is not open now.") in response.get_data(as_text=True)


@pytest.fixture
def trainer(client):
    user = UserFactory(roles=[Role.TRAINER])
    _login(client, user)
    return user


def test_roster_paginates_and_shows_organisation_municipality_and_status(make_app):
    app = make_app(PAGE_SIZE=3)
    with app.app_context():
        trainer = UserFactory(roles=[Role.TRAINER])
        cohort = CohortFactory(trainer=trainer, capacity=4)
        organisation = OrganisationFactory(name="Dnevni boravak Ruma", municipality=MunicipalityFactory(name="Ruma"))
        for index in range(5):
            EnrolmentFactory(cohort=cohort, organisation=organisation,
                             status=EnrolmentStatus.ENROLLED if index < 4 else EnrolmentStatus.WAITLISTED)
        client = app.test_client()
        _login(client, trainer)
        first = client.get(f"/trainer/cohorts/{cohort.id}").get_data(as_text=True)
        second = client.get(f"/trainer/cohorts/{cohort.id}?page=2").get_data(as_text=True)
        beyond = client.get(f"/trainer/cohorts/{cohort.id}?page=5")
    assert first.count("Dnevni boravak Ruma") == 3 and "Ruma" in first and "Page 1 of 2" in first
    assert "On the waitlist" in second and "Page 2 of 2" in second and second.count("Dnevni boravak Ruma") == 2
    # A page past the end still knows how many pages there are, and links back.
    assert beyond.status_code == 200 and "Page 5 of 2" in beyond.get_data(as_text=True)


def test_roster_runs_a_fixed_number_of_queries(client, trainer, count_queries):
    cohort = CohortFactory(trainer=trainer, capacity=50)
    CohortSessionFactory(cohort=cohort)
    EnrolmentFactory(cohort=cohort, organisation=OrganisationFactory())
    url = f"/trainer/cohorts/{cohort.id}"
    db.session.commit()
    with count_queries() as few:
        client.get(url)
    for _ in range(10):
        EnrolmentFactory(cohort=cohort, organisation=OrganisationFactory())
    db.session.commit()
    with count_queries() as many:
        client.get(url)
    assert len(many) == len(few) <= 4


def test_another_trainers_cohort_is_404(client, trainer):
    cohort = CohortFactory(trainer=UserFactory(roles=[Role.TRAINER]))
    assert client.get(f"/trainer/cohorts/{cohort.id}").status_code == 404
    assert client.get(f"/trainer/cohorts/{cohort.id}/roster.csv").status_code == 404


def test_attendance_toggles_by_htmx_and_in_bulk_and_exports_as_csv(client, trainer):
    cohort = CohortFactory(trainer=trainer)
    session = CohortSessionFactory(cohort=cohort)
    ana = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Ana Ilić"))
    EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Boris Babić"))
    url = f"/trainer/cohorts/{cohort.id}/sessions/{session.id}/attendance"

    fragment = client.post(url, data={"enrolment_id": ana.id, "present": "1"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "Present" in fragment.get_data(as_text=True)
    client.post(url, data={"enrolment_id": ana.id, "present": "0"}, headers={"HX-Request": "true"})
    assert client.post(url, data={"present": "1"}).status_code == 302  # everyone present

    rows = list(csv.reader(io.StringIO(client.get(f"/trainer/cohorts/{cohort.id}/attendance.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Name", "Organisation"] and len(rows[0]) == 3
    assert sorted(r[0] for r in rows[1:]) == ["Ana Ilić", "Boris Babić"]
    assert {r[2] for r in rows[1:]} == {"present"}


def test_attendance_for_someone_outside_the_cohort_is_404(client, trainer):
    cohort = CohortFactory(trainer=trainer)
    session = CohortSessionFactory(cohort=cohort)
    stranger = EnrolmentFactory()
    response = client.post(f"/trainer/cohorts/{cohort.id}/sessions/{session.id}/attendance",
                           data={"enrolment_id": stranger.id, "present": "1"})
    assert response.status_code == 404


def test_attendance_ids_that_are_not_numbers_mark_nobody_rather_than_everyone(client, trainer):
    cohort = CohortFactory(trainer=trainer)
    session = CohortSessionFactory(cohort=cohort)
    EnrolmentFactory(cohort=cohort)
    response = client.post(f"/trainer/cohorts/{cohort.id}/sessions/{session.id}/attendance",
                           data={"enrolment_id": "first", "present": "0"})
    assert response.status_code == 404
    assert db.session.query(Attendance).count() == 0


def test_attendance_without_names_marks_everyone_enrolled_and_nobody_waiting(app):
    trainer = UserFactory(roles=[Role.TRAINER])
    cohort = CohortFactory(trainer=trainer, capacity=2)
    session = CohortSessionFactory(cohort=cohort)
    seated = [EnrolmentFactory(cohort=cohort) for _ in range(2)]
    EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
    assert roster.set_attendance(trainer, cohort, session.id, None, True) == 2
    assert sorted(a.enrolment_id for a in db.session.query(Attendance)) == sorted(e.id for e in seated)


def test_roster_csv_is_utf8_with_bom_and_lists_participants(client, trainer):
    cohort = CohortFactory(trainer=trainer)
    EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Đorđe Šćepanović"),
                     organisation=OrganisationFactory(name="Pomoć u kući Šid"))
    response = client.get(f"/trainer/cohorts/{cohort.id}/roster.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][0] == "Đorđe Šćepanović" and rows[1][2] == "Pomoć u kući Šid" and rows[1][5] == "Enrolled"


def test_trainer_creates_a_cohort_and_adds_sessions_in_their_time_zone(client, trainer):
    version = VersionFactory()
    ruma = MunicipalityFactory(name="Ruma")
    response = client.post(f"/trainer/versions/{version.id}/cohorts/new", data={
        "name": "Ruma, proleće 2027", "municipality_id": str(ruma.id), "language": "sr_Latn",
        "starts_on": "2027-03-29", "ends_on": "2027-03-31", "capacity": "12",
        "enrolment_opens_at": "2027-01-01T08:00", "enrolment_closes_at": "2027-03-20T16:00",
        "approver": "none", "promotion_policy": "fair_by_organisation"})
    assert response.status_code == 302
    cohort_url = response.location
    response = client.post(cohort_url + "/sessions", data={"starts_at": "2027-03-29T09:00",
                                                           "ends_at": "2027-03-29T13:00", "place": "Sala"})
    assert response.status_code == 302
    from learnhub.courses.models import CohortSession

    session = db.session.scalar(db.select(CohortSession))
    assert session.starts_at.hour == 7  # 09:00 in Belgrade (CEST) is 07:00 UTC


@pytest.mark.parametrize("field, value", [("starts_on", "yesterday"), ("capacity", "many"), ("capacity", "0"),
                                          ("ends_on", "2027-03-01"), ("municipality_id", "2147483647"),
                                          ("max_share_per_perspective", "20")])  # a third each at least
def test_bad_cohort_input_is_refused_with_400_and_nothing_saved(client, trainer, field, value):
    version = VersionFactory()
    data = {"name": "X", "is_online": "y", "language": "en", "starts_on": "2027-03-29", "ends_on": "2027-03-31",
            "capacity": "12", "enrolment_opens_at": "2027-01-01T08:00", "enrolment_closes_at": "2027-03-20T16:00",
            "approver": "none", "promotion_policy": "first_come", field: value}
    assert client.post(f"/trainer/versions/{version.id}/cohorts/new", data=data).status_code == 400
    from learnhub.courses.models import Cohort

    assert db.session.scalar(db.select(db.func.count()).select_from(Cohort)) == 0


def test_evaluation_after_the_cohort_gives_averages_and_distributions(client, trainer):
    cohort = CohortFactory(trainer=trainer, starts_on=date.today() - timedelta(days=3), ends_on=date.today())
    for scores in ((5, 4, 5), (4, 4, 5), (5, 5, 4)):
        enrolment = EnrolmentFactory(cohort=cohort)
        db.session.add(Evaluation(cohort_id=cohort.id, user_id=enrolment.user_id, accessibility=scores[0],
                                  usefulness=scores[1], quality=scores[2]))
    learner = EnrolmentFactory(cohort=cohort).user
    client.post("/auth/logout")
    _login(client, learner)
    form = {"accessibility": "5", "usefulness": "5", "quality": "5", "comment": "Vrlo korisno"}
    assert client.post(f"/cohorts/{cohort.id}/evaluation", data=form).status_code == 302
    assert client.post(f"/cohorts/{cohort.id}/evaluation", data=form).status_code == 409
    assert client.post(f"/cohorts/{cohort.id}/evaluation", data={**form, "quality": "9"}).status_code in (400, 409)

    from learnhub.courses.services import evaluation_summary

    summary = evaluation_summary(cohort)
    assert summary.responses == 4
    assert summary.averages == {"accessibility": 4.75, "usefulness": 4.5, "quality": 4.75}
    assert summary.distributions["usefulness"] == {1: 0, 2: 0, 3: 0, 4: 2, 5: 2}
    assert summary.comments == ["Vrlo korisno"]


def test_evaluation_is_only_for_participants_and_only_at_the_end(client):
    cohort = CohortFactory()
    enrolment = EnrolmentFactory(cohort=cohort)
    _login(client, enrolment.user)
    form = {"accessibility": "5", "usefulness": "5", "quality": "5"}
    assert client.post(f"/cohorts/{cohort.id}/evaluation", data=form).status_code == 409  # not ended yet
    client.post("/auth/logout")
    _login(client, UserFactory())
    assert client.post(f"/cohorts/{cohort.id}/evaluation", data=form).status_code == 404


def test_org_admin_enrols_members_in_bulk_from_the_cohort_page(client):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    members = [member_of(organisation, display_name=f"Član {i}") for i in range(3)]
    cohort = CohortFactory(capacity=2)
    _login(client, boss)
    assert "Član 2" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    response = client.post(f"/cohorts/{cohort.id}/enrol-members/{organisation.id}",
                           data={"member_ids": [str(m.id) for m in members]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert page.count("Enrolled") >= 2 and "On the waitlist" in page


def test_a_second_trainer_can_be_added_and_then_runs_the_cohort(client, trainer):
    cohort = CohortFactory(trainer=trainer)
    colleague = UserFactory(email="colleague@example.org", roles=[Role.TRAINER])
    UserFactory(email="pro@example.org")  # not a trainer
    assert client.post(f"/trainer/cohorts/{cohort.id}/trainers", data={"email": "pro@example.org"}).status_code == 400
    assert client.post(f"/trainer/cohorts/{cohort.id}/trainers", data={"email": "Colleague@example.org"}
                       ).status_code == 302
    assert client.post(f"/trainer/cohorts/{cohort.id}/trainers", data={"email": "colleague@example.org"}
                       ).status_code == 409
    client.post("/auth/logout")
    _login(client, colleague)
    assert client.get(f"/trainer/cohorts/{cohort.id}").status_code == 200


def test_my_learning_runs_the_same_queries_for_one_or_many_enrolments(client, auth, count_queries):
    learner = UserFactory(email="learner@example.org")
    EnrolmentFactory(user=learner)
    auth.login("learner@example.org")
    with count_queries() as one:
        client.get("/my/learning")
    for _ in range(5):
        EnrolmentFactory(user=learner)
    with count_queries() as many:
        assert client.get("/my/learning").status_code == 200
    assert len(many) == len(one) <= 3


def test_one_module_and_one_place_are_counted_in_the_singular(client, trainer):
    """"0 of 1 module completed", "0 of 1 place taken": a number and its noun agree (issue 23, item 10)."""
    cohort = CohortFactory(trainer=trainer, capacity=1)
    cohort.version.modules = cohort.version.modules[:1]
    enrolment = EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
    db.session.commit()
    assert "0 of 1 place taken" in client.get(f"/trainer/cohorts/{cohort.id}").get_data(as_text=True)
    client.post("/auth/logout")
    enrolment.status = EnrolmentStatus.ENROLLED
    db.session.commit()
    _login(client, enrolment.user)
    assert "0 of 1 module completed" in client.get("/my/learning").get_data(as_text=True)


def test_a_trialogue_cohort_page_says_which_perspectives_can_still_take_a_place(client):
    cohort = CohortFactory(capacity=4, records_perspective=True, max_share_per_perspective=50)
    for _ in range(2):
        EnrolmentFactory(cohort=cohort, perspective="family_member")
    _login(client, UserFactory())
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Family member: the places for this perspective are taken (you would join the waitlist)" in page
    assert "Professional: 2 places left" in page and "Person with lived experience: 2 places left" in page
    assert ">Enrol</button>" in page  # two perspectives still have places


def test_a_waiting_person_sees_their_position_and_how_freed_places_are_given(client):
    first_come = CohortFactory(capacity=1)
    fair = CohortFactory(capacity=1, promotion_policy="fair_by_organisation")
    user = UserFactory()
    for cohort in (first_come, fair):
        EnrolmentFactory(cohort=cohort)
        EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
        EnrolmentFactory(cohort=cohort, user=user, status=EnrolmentStatus.WAITLISTED)
    _login(client, user)
    page = client.get(f"/cohorts/{first_come.id}").get_data(as_text=True)
    assert "You are number 2 on the waitlist." in page and "First come, first served" in page
    page = client.get(f"/cohorts/{fair.id}").get_data(as_text=True)
    assert "number 2" not in page and "Fair shares per organisation" in page
    assert "A freed place goes to someone from the organisation with the fewest places in the cohort" in page


def test_org_admin_chooses_each_members_perspective_when_enrolling_in_bulk(client):
    organisation = OrganisationFactory()
    boss = member_of(organisation, MembershipRole.ORG_ADMIN)
    ana, boris, vesna = (member_of(organisation, display_name=name) for name in ("Ana", "Boris", "Vesna"))
    cohort = CohortFactory(capacity=4, records_perspective=True, max_share_per_perspective=50)
    _login(client, boss)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'name="perspective_{ana.id}"' in page and "Person with lived experience" in page
    response = client.post(f"/cohorts/{cohort.id}/enrol-members/{organisation.id}", follow_redirects=True, data={
        "member_ids": [str(ana.id), str(boris.id), str(vesna.id)],
        f"perspective_{ana.id}": "family_member", f"perspective_{boris.id}": "lived_experience"})
    text = response.get_data(as_text=True)
    assert "Vesna: Please choose the perspective from which this member takes part." in text
    from learnhub.courses.models import Enrolment

    chosen = dict(db.session.execute(db.select(Enrolment.user_id, Enrolment.perspective)).all())
    assert chosen == {ana.id: "family_member", boris.id: "lived_experience"}
