from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from learnhub.fields import REQUIRED
from learnhub.i18n import _l


class ErasureForm(FlaskForm):
    current_password = PasswordField(_l("Your current password"), validators=[DataRequired(REQUIRED)],
                                     description=_l("We ask so that nobody else can erase your account."))
