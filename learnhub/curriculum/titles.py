"""What learning sets are called: the title of their newest version (a slug is for files, not for people)."""

from sqlalchemy import select

from learnhub.curriculum.models import LearningSetVersion, pick_language
from learnhub.extensions import db
from learnhub.i18n import to_reader_script


def learning_set_titles(learning_set_ids: set[int]) -> dict[int, str]:
    """Each learning set's newest title in the reader's language and script, in one query."""
    if not learning_set_ids:
        return {}
    titles: dict[int, str] = {}
    for learning_set_id, title in db.session.execute(
            select(LearningSetVersion.learning_set_id, LearningSetVersion.title)
            .where(LearningSetVersion.learning_set_id.in_(learning_set_ids))
            .order_by(LearningSetVersion.number)):
        titles[learning_set_id] = to_reader_script(pick_language(title))  # the newest comes last
    return titles
