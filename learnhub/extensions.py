"""Extension objects, created once and bound to an app in create_app()."""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

# Models subclass `Model`. At run time it is `db.Model`, Flask-SQLAlchemy's subclass of Base that names each
# table after its class; mypy cannot take an attribute as a base class (python/mypy#8603), so it sees Base,
# whose Mapped[...] columns it then checks.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
# Its warning that the shared store is unreachable (logged once per outage, when each process starts
# counting alone) goes to the app's log like the cache's, not to flask-limiter's silent logger.
limiter.logger = logging.getLogger("learnhub.ratelimit")
cache = Cache()


def configured_limit(setting: str) -> Callable[[], str]:
    """A rate limit read from the app's settings when a request is counted."""
    return lambda: current_app.config[setting]


# Forms that check a password (signing in; changing one's password or e-mail address; asking for erasure)
# share one limit per client address, and forms that send mail to an address the sender types (sign-up,
# password reset, e-mail change, invitations) share another: spreading attempts over forms gains nothing.
password_checks = limiter.shared_limit(configured_limit("LOGIN_RATE_LIMIT"), scope="password-checks",
                                       methods=["POST"])
mail_to_typed_addresses = limiter.shared_limit(configured_limit("MAIL_RATE_LIMIT"), scope="mail-to-typed-addresses",
                                               methods=["POST"])
