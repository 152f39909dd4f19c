"""Test data with sensible defaults; pass overrides for what a test is about."""

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from learnhub.extensions import db
from learnhub.people.models import (
    Membership,
    MembershipRole,
    Municipality,
    Organisation,
    OrganisationService,
    Role,
    ServiceType,
    User,
    UserRole,
)

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class MunicipalityFactory(_Factory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Opština {n}")
    country = "RS"


class OrganisationFactory(_Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Pružalac usluga {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    services = factory.LazyFunction(lambda: [OrganisationService(service_type=ServiceType.HOME_HELP)])


class UserFactory(_Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Osoba {n}")
    password_hash = _PASSWORD_HASH
    preferred_language = "en"
    time_zone = "Europe/Belgrade"

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        user.roles = [UserRole(role=r) for r in (extracted if extracted is not None else [Role.PROFESSIONAL])]
        if create:
            db.session.commit()


class MembershipFactory(_Factory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.MEMBER


def member_of(organisation: Organisation, role: MembershipRole = MembershipRole.MEMBER, **user_overrides) -> User:
    user = UserFactory(**user_overrides)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user
