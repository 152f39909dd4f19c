import re

import pytest
from sqlalchemy import update

from learnhub.curriculum import services
from learnhub.curriculum.models import LearningSetVersion, VersionState
from learnhub.errors import Conflict, InvalidInput
from learnhub.extensions import db
from learnhub.people.models import Role
from tests.factories import PASSWORD, CohortFactory, EnrolmentFactory, UserFactory, VersionFactory

FIELDS = dict(title={"en": "Trialogue", "sr_Latn": "Trijalog"}, summary={"en": "Together."},
              service_types=["psychosocial_support"], languages=["sr_Latn"], hours=16, cpd_points=10)


@pytest.fixture
def trainer(client):
    user = UserFactory(roles=[Role.TRAINER])
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    return user


def test_draft_to_published_to_archived(app, trainer):
    draft = services.create_learning_set(trainer, "trialogue", **FIELDS)
    with pytest.raises(InvalidInput, match="at least one module"):
        services.publish(draft)
    module = services.save_module(draft, None, {"en": "Three voices"}, {"en": "Content"}, {"en": ["Listen"]}, 90, True)
    with pytest.raises(InvalidInput, match="“Three voices” has no text or learning outcomes in Srpski"):
        services.publish(draft)  # the set lists Serbian, the module has none
    services.save_module(draft, module.id, {"en": "Three voices"}, {"en": "Content", "sr_Latn": "Sadržaj"},
                         {"en": ["Listen"], "sr_Latn": ["Slušati"]}, 90, True)
    services.publish(draft)
    assert draft.state == VersionState.PUBLISHED and draft.published_at
    services.archive(draft)
    assert draft.state == VersionState.ARCHIVED
    with pytest.raises(Conflict):
        services.archive(draft)


def test_published_version_is_immutable_and_editing_starts_a_new_draft(app, trainer):
    published = VersionFactory()
    with pytest.raises(Conflict, match="cannot be changed"):
        services.update_draft(published, **FIELDS)
    with pytest.raises(Conflict):
        services.save_module(published, published.modules[0].id, {"en": "X"}, {"en": "Y"}, {}, 10, True)
    draft = services.start_new_draft(trainer, published.learning_set_id)
    assert (draft.number, draft.state, len(draft.modules)) == (2, VersionState.DRAFT, 2)
    assert services.start_new_draft(trainer, published.learning_set_id).id == draft.id  # one draft at a time
    services.update_draft(draft, **FIELDS)
    services.publish(draft)
    assert db.session.get(LearningSetVersion, published.id).state == VersionState.ARCHIVED
    assert published.title != draft.title  # the old version kept its own text


def test_learners_keep_their_version_until_the_trainer_moves_the_cohort(app, trainer):
    cohort = CohortFactory(trainer=trainer)
    enrolment = EnrolmentFactory(cohort=cohort)
    old_version_id = cohort.version_id
    draft = services.start_new_draft(trainer, cohort.version.learning_set_id)
    services.publish(draft)
    assert enrolment.version_id == old_version_id
    from learnhub.courses.services import move_to_latest_version

    move_to_latest_version(cohort)
    db.session.refresh(enrolment)
    assert enrolment.version_id == draft.id
    with pytest.raises(Conflict):
        move_to_latest_version(cohort)


def test_duplicate_short_name_is_a_conflict(app, trainer):
    services.create_learning_set(trainer, "trialogue", **FIELDS)
    with pytest.raises(Conflict):
        services.create_learning_set(trainer, "trialogue", **FIELDS)


@pytest.mark.parametrize("slug", ["tri_alogue", "tri alogue", "-x", "x" * 81, ""])
def test_bad_short_names_are_refused(app, trainer, slug):
    with pytest.raises(InvalidInput):
        services.create_learning_set(trainer, slug, **FIELDS)


def test_trainer_authors_in_the_browser_with_live_preview(client, trainer):
    response = client.post("/trainer/learning-sets/new", data={
        "slug": "trialogue", "title_en": "Trialogue", "title_sr_Latn": "Trijalog", "summary_en": "Together.",
        "service_types": ["psychosocial_support"], "languages": ["sr_Latn", "bs"], "hours": "16", "cpd_points": "10",
        "min_attendance_percent": "75", "min_mentoring_sessions": "2", "mentoring_within_months": "6",
        "requires_assessment": "y", "validity_months": "36"})
    assert response.status_code == 302
    edit_url = response.location
    rule = db.session.scalar(db.select(LearningSetVersion)).certification
    assert rule == {"min_attendance_percent": 75, "require_all_modules": False, "min_mentoring_sessions": 2,
                    "mentoring_within_months": 6, "requires_assessment": True, "validity_months": 36}
    preview = client.post("/trainer/preview", data={"body_en": "**Three** voices <script>x</script>"},
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<strong>Three</strong>" in preview and "<script" not in preview
    response = client.post(edit_url + "/modules/new", data={
        "title_en": "Three voices", "body_en": "## Listening", "outcomes_en": "Listen\nReflect",
        "body_sr_Latn": "## Slušanje", "outcomes_sr_Latn": "Slušati\nPromišljati",
        "duration_minutes": "90", "is_required": "y"})
    assert response.status_code == 302
    refused = client.post(edit_url + "/publish")  # the set lists Bosnian too: said on the draft's own page
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "has no text or learning outcomes in Bosanski" in page
    assert "Still missing: Bosanski" in page and "Add a module" in page
    module_url = edit_url + "/modules/" + str(db.session.scalar(db.select(LearningSetVersion)).modules[0].id)
    assert client.post(module_url, data={
        "title_en": "Three voices", "body_en": "## Listening", "outcomes_en": "Listen\nReflect",
        "body_sr_Latn": "## Slušanje", "outcomes_sr_Latn": "Slušati\nPromišljati",
        "body_bs": "## Slušanje", "outcomes_bs": "Slušati\nPromišljati",
        "duration_minutes": "90", "is_required": "y"}).status_code == 302
    assert client.post(edit_url + "/publish").status_code == 302
    assert "Three voices" in client.get("/learning-sets/trialogue").get_data(as_text=True)
    # a published version refuses edits with 409 and changes nothing
    assert client.post(edit_url, data={"title_en": "Changed", "summary_en": "x", "service_types": ["home_help"],
                                       "hours": "1", "cpd_points": "0", "min_attendance_percent": "80",
                                       "min_mentoring_sessions": "0"}).status_code == 409
    assert "Changed" not in client.get("/learning-sets/trialogue").get_data(as_text=True)


def test_the_curriculum_list_shows_each_learning_sets_newest_version_a_page_at_a_time(client):
    versions = [VersionFactory(learning_set__slug=f"set-{number:02d}", title={"en": f"Learning set no. {number:02d}"})
                for number in range(27)]
    db.session.add(LearningSetVersion(learning_set=versions[0].learning_set, number=2, title={"en": "Redrafted"},
                                      summary={}, state=VersionState.DRAFT))
    trainer = UserFactory(roles=[Role.TRAINER])
    client.post("/auth/login", data={"email": trainer.email, "password": PASSWORD})
    first = client.get("/trainer/learning-sets").get_data(as_text=True)
    assert "Redrafted" in first and "Learning set no. 00" not in first  # the newest version stands for its set
    assert first.count("Learning set no.") == 24 and "/trainer/learning-sets?page=2" in first
    second = client.get("/trainer/learning-sets?page=2").get_data(as_text=True)
    assert re.findall(r"Learning set no. (\d+)", second) == ["25", "26"]


def test_non_trainers_cannot_author(client):
    user = UserFactory(roles=[Role.PROFESSIONAL])
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/trainer/learning-sets").status_code == 403
    assert client.post("/trainer/preview", data={"body_en": "x"}).status_code == 403


def test_a_draft_published_meanwhile_is_not_changed(app, trainer):
    draft = services.create_learning_set(trainer, "trialogue", **FIELDS)
    module = services.save_module(draft, None, {"en": "Three voices"}, {"en": "Content"}, {"en": ["Listen"]}, 90, True)
    db.session.commit()
    assert draft.is_editable  # this trainer's request has read the draft...
    with db.engine.begin() as other_trainers_request:  # ...when another trainer's publication commits
        other_trainers_request.execute(update(LearningSetVersion).values(state=VersionState.PUBLISHED))
    with pytest.raises(Conflict, match="cannot be changed"):
        services.save_module(draft, module.id, {"en": "Three voices"}, {"en": "Rewritten"}, {}, 90, True)
    with pytest.raises(Conflict, match="cannot be changed"):
        services.update_draft(draft, **FIELDS | {"hours": 99})
    db.session.rollback()
    assert (module.body, draft.hours) == ({"en": "Content"}, 16)
