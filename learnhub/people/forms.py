from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from learnhub.fields import REQUIRED, TimeZoneField
from learnhub.i18n import _l


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    language = SelectField(_l("Language"), validate_choice=False)
    time_zone = TimeZoneField(_l("Time zone"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED)],
        description=_l("At least 12 characters. Changing it signs you out everywhere else."),
    )


class EmailChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_email = EmailField(_l("New e-mail address"), validators=[DataRequired(REQUIRED)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED)])
    role = SelectField(_l("Role in the organisation"), validate_choice=False)


class RolesForm(FlaskForm):
    roles = CheckboxListField(_l("Roles"), validate_choice=False)


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    municipality_id = SelectField(_l("Municipality"), validate_choice=False)
    service_types = CheckboxListField(_l("Services provided"), validate_choice=False)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"))
