from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length

from learnhub.evaluations.models import RATINGS
from learnhub.i18n import _l
from learnhub.navigation import optional_whole_number


class EvaluationForm(FlaskForm):
    accessibility = RadioField(_l("How accessible was the training?"), validate_choice=False)
    usefulness = RadioField(_l("How useful is it for your work?"), validate_choice=False)
    quality = RadioField(_l("How good was the quality overall?"), validate_choice=False)
    comment = TextAreaField(_l("Anything you would like to tell the trainers?"), validators=[Length(max=2000)])


def evaluation_form() -> EvaluationForm:
    form = EvaluationForm()
    for field in (form.accessibility, form.usefulness, form.quality):
        field.choices = [(str(score), str(score)) for score in range(1, 6)]
    return form


def ratings_of(form: EvaluationForm) -> dict[str, int]:
    return {name: optional_whole_number(form[name].data) or 0 for name in RATINGS}
