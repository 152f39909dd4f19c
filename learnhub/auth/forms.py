from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from learnhub.fields import REQUIRED, TimeZoneField
from learnhub.i18n import _l


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])


class EmailForm(FlaskForm):
    """Sign-up and password-reset requests: only an address."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED)],
        description=_l("At least 12 characters. A few unrelated words make a strong, memorable password."),
    )


class AccountSetupForm(NewPasswordForm):
    """What a new person tells us once their e-mail address is confirmed."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    # Choices are set per request; the service checks the values so messages stay translated.
    language = SelectField(_l("Language"), validate_choice=False)
    time_zone = TimeZoneField(_l("Time zone"))
