from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from learnhub.errors import Conflict, InvalidInput
from learnhub.evaluations.models import RATINGS, EvaluationRatings
from learnhub.extensions import db
from learnhub.i18n import _


def check_ratings(ratings: dict[str, int]) -> None:
    if any(ratings.get(name) not in (1, 2, 3, 4, 5) for name in RATINGS):
        raise InvalidInput(_("Please rate each question from 1 to 5."))


def save_evaluation(evaluation, ratings: dict[str, int], comment: str):
    """Store a survey answer once per person (the unique constraint settles a double submit)."""
    check_ratings(ratings)
    for name in RATINGS:
        setattr(evaluation, name, ratings[name])
    evaluation.comment = comment.strip()[:2000]
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("You have already answered this evaluation. Thank you!")) from error
    return evaluation


@dataclass(frozen=True)
class EvaluationSummary:
    responses: int
    averages: dict[str, float]
    distributions: dict[str, dict[int, int]]  # rating name -> score -> count
    comments: list[str]

    @property
    def overall(self) -> float:
        return round(sum(self.averages.values()) / len(self.averages), 2) if self.responses else 0.0


_STATEMENTS: dict[tuple[type[EvaluationRatings], str], tuple[Select, Select]] = {}


def _evaluation_statements(model: type[EvaluationRatings], owner: str) -> tuple[Select, Select]:
    """Averages and distributions by SQL aggregates, and the comments, of the evaluations whose `owner`
    column (the cohort's or session's id) is the parameter "owner": built once per kind of evaluation."""
    if (model, owner) not in _STATEMENTS:
        scores, matches = range(1, 6), getattr(model, owner) == bindparam("owner")
        columns = [getattr(model, name) for name in RATINGS]
        figures = select(func.count(), *[func.avg(c) for c in columns],
                         *[func.count().filter(c == score) for c in columns for score in scores]).where(matches)
        comments = select(model.comment).where(matches, model.comment != "").order_by(model.created_at)
        _STATEMENTS[model, owner] = figures, comments
    return _STATEMENTS[model, owner]


def summarise_evaluations(model: type[EvaluationRatings], owner: str, owner_id: int) -> EvaluationSummary:
    """What the evaluations of one cohort or session (`owner` names the column holding its id) say, in a
    fixed number of queries however many responses."""
    figures, comments_of = _evaluation_statements(model, owner)
    row = db.session.execute(figures, {"owner": owner_id}).one()
    counts = iter(row[1 + len(RATINGS):])
    distributions = {name: {score: next(counts) for score in range(1, 6)} for name in RATINGS}
    comments = list(db.session.scalars(comments_of, {"owner": owner_id})) if row[0] else []
    averages = {name: round(float(value or 0), 2) for name, value in zip(RATINGS, row[1:])}
    return EvaluationSummary(row[0], averages, distributions, comments)
