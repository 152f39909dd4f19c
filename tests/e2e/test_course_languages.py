"""A Bosnian psychologist and a Cyrillic reader open a bundled module in the browser and read it in their
own language and script: title, outcomes and body."""

import pytest

from learnhub.config import PROJECT_ROOT
from learnhub.courses.models import EnrolmentStatus
from learnhub.curriculum.files import import_tree
from learnhub.curriculum.services import published_version
from learnhub.extensions import db
from tests.e2e.conftest import log_in
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("language", "outcomes_heading", "first_heading"), [
    ("bs", "Po završetku ovog modula moći ćete", "Sadržaj"),
    ("sr_Cyrl", "По завршетку овог модула моћи ћете", "Садржај"),
])
def test_a_reader_sees_the_trialogue_module_in_their_language(live_server, page, language, outcomes_heading,
                                                               first_heading):
    app, base_url = live_server
    import_tree(PROJECT_ROOT / "curriculum")
    version = published_version("trialogue")
    module = version.modules[0]
    reader = UserFactory(email="lejla@example.org", preferred_language=language)
    EnrolmentFactory(cohort=CohortFactory(version=version), user=reader, status=EnrolmentStatus.ENROLLED)
    version_id, slug = version.id, module.slug
    expected_outcome = module.outcomes["bs" if language == "bs" else "sr_Latn"][0]
    db.session.commit()

    log_in(page, base_url, "lejla@example.org")
    page.goto(f"{base_url}/versions/{version_id}/modules/{slug}")
    article = page.locator("article")
    text = article.inner_text()
    assert outcomes_heading in text and first_heading in text
    assert "Content" not in text and "After this module" not in text
    if language == "bs":
        assert expected_outcome in text
    else:
        from learnhub.i18n import latin_to_cyrillic

        assert latin_to_cyrillic(expected_outcome) in text
    page.screenshot(path=f"/tmp/module-{language}.png", full_page=False)
