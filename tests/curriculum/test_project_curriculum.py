"""The bundled learning sets, as providers read them: every module complete in every language its set
declares, with no English heading left, and each reader shown their own language and script."""

import re

import pytest
from sqlalchemy import select

from learnhub.config import PROJECT_ROOT
from learnhub.courses.models import EnrolmentStatus
from learnhub.curriculum.files import import_tree, load_tree
from learnhub.curriculum.models import LearningSetVersion, VersionState
from learnhub.extensions import db
from tests.factories import PASSWORD, CohortFactory, EnrolmentFactory, UserFactory

ROOT = PROJECT_ROOT / "curriculum"
SOURCES = load_tree(ROOT)
HEADINGS = {"en": ["Content", "Exercises", "Reading"], "sr_Latn": ["Sadržaj", "Vežbe", "Literatura"],
            "bs": ["Sadržaj", "Vježbe", "Literatura"]}
CASES = [(source.slug, language) for source in SOURCES for language in source.languages]


def test_every_learning_set_is_offered_in_serbian_and_bosnian():
    assert all({"en", "sr_Latn", "sr_Cyrl", "bs"} <= set(source.languages) for source in SOURCES)


@pytest.mark.parametrize(("slug", "language"), CASES)
def test_every_module_has_body_outcomes_and_headings_in_each_declared_language(slug, language):
    written = "sr_Latn" if language == "sr_Cyrl" else language
    [source] = [s for s in SOURCES if s.slug == slug]
    for module in source.modules:
        assert module.body.get(written, "").strip(), module.slug
        assert module.outcomes.get(written), module.slug
        assert len(module.outcomes[written]) == len(module.outcomes["en"]), module.slug
        assert re.findall(r"^## (.+)$", module.body[written], re.MULTILINE) == HEADINGS[written], module.slug


@pytest.fixture
def imported(app):
    import_tree(ROOT)
    db.session.commit()


@pytest.mark.parametrize("language", ["sr_Latn", "sr_Cyrl", "bs"])
def test_a_reader_sees_every_module_in_their_language_and_script(client, imported, language):
    reader = UserFactory(preferred_language=language)
    client.post("/auth/login", data={"email": reader.email, "password": PASSWORD})
    versions = db.session.scalars(select(LearningSetVersion).where(LearningSetVersion.state == VersionState.PUBLISHED))
    for version in versions:
        EnrolmentFactory(cohort=CohortFactory(version=version), user=reader, status=EnrolmentStatus.ENROLLED)
        db.session.commit()
        for module in version.modules:
            page = client.get(f"/versions/{version.id}/modules/{module.slug}").get_data(as_text=True)
            article = page[page.index("<article"):page.index("</article>")]
            assert "not yet written in your language" not in article
            for english in ("Content", "Exercises", "Reading", "After this module you will be able to"):
                assert f">{english}<" not in article, (version.slug, module.slug, english)
            # the reading list cites foreign works in their own script; the rest is in the reader's
            text = re.sub(r"<[^>]+>|https?://\S+", "", article.partition("<h2>Литература</h2>")[0])
            letters = re.sub(r"[^A-Za-zА-Яа-яЂђЈјЉљЊњЋћЏџČčĆćŠšŽžĐđ]", "", text)
            cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters)
            assert cyrillic > 0.95 if language == "sr_Cyrl" else cyrillic == 0, (version.slug, module.slug, cyrillic)
            if language == "sr_Cyrl":
                assert "<h2>Литература</h2>" in article
