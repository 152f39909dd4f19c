from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from learnhub.audit.models import AuditAction
from learnhub.fields import LocalDateField
from learnhub.i18n import _, _l


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    action = SelectField(_l("Action"), validators=[Optional()])
    person = StringField(_l("Person's e-mail address"), validators=[Optional(), Length(max=254)])
    since = LocalDateField(_l("From"), validators=[Optional()])
    until = LocalDateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [("", _("All")), *AuditAction.choices()]
