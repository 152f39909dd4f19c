from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.enums import LabelledEnum, stored_as_value
from learnhub.extensions import Model
from learnhub.i18n import _l
from learnhub.timeutil import utcnow


class Role(LabelledEnum):
    PROFESSIONAL = "professional"
    MENTOR = "mentor"
    TRAINER = "trainer"
    INSTITUTE_ADMIN = "institute_admin"

    __labels__ = {PROFESSIONAL: _l("Professional"), MENTOR: _l("Mentor"), TRAINER: _l("Trainer"),
                  INSTITUTE_ADMIN: _l("Institute admin")}


class ServiceType(LabelledEnum):
    CENTRE_FOR_SOCIAL_WORK = "centre_for_social_work"
    DAY_CARE_CHILDREN_DISABILITIES = "day_care_children_disabilities"
    HOME_HELP = "home_help"
    FAMILY_COUNSELLING = "family_counselling"
    PSYCHOSOCIAL_SUPPORT = "psychosocial_support"
    MENTAL_HEALTH_CENTRE = "mental_health_centre"
    CRISIS_SERVICE = "crisis_service"

    __labels__ = {
        CENTRE_FOR_SOCIAL_WORK: _l("Centre for social work"),
        DAY_CARE_CHILDREN_DISABILITIES: _l("Day care for children with developmental disabilities"),
        HOME_HELP: _l("Home help"),
        FAMILY_COUNSELLING: _l("Counselling for marriage and family"),
        PSYCHOSOCIAL_SUPPORT: _l("Psychosocial support"),
        MENTAL_HEALTH_CENTRE: _l("Mental health centre"),
        CRISIS_SERVICE: _l("Crisis and recovery house services"),
    }


class MembershipRole(LabelledEnum):
    MEMBER = "member"
    ORG_ADMIN = "org_admin"

    __labels__ = {MEMBER: _l("Member"), ORG_ADMIN: _l("Organisation admin")}


class Municipality(Model):
    __table_args__ = (UniqueConstraint("name", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2: RS, BA

    organisations: Mapped[list["Organisation"]] = relationship(back_populates="municipality")


class Organisation(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(back_populates="organisations", lazy="joined")
    services: Mapped[list["OrganisationService"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OrganisationService.service_type"
    )
    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def service_types(self) -> list[ServiceType]:
        return [s.service_type for s in self.services]


class OrganisationService(Model):
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    service_type: Mapped[ServiceType] = mapped_column(stored_as_value(ServiceType, 40), primary_key=True)


class LoginState(UserMixin):
    """What the login machinery sets on a user for one request (not a column)."""

    session_token: str | None = None

    def get_id(self) -> str | None:
        return self.session_token


class User(LoginState, Model):
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (lower case) so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    preferred_language: Mapped[str] = mapped_column(String(10), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Belgrade")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]  # anonymised at the person's request; the row stays for statistics

    roles: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, *roles: Role | str) -> bool:
        return any(Role(role) in self.role_set for role in roles)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class UserRole(Model):
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(stored_as_value(Role, 30), primary_key=True)


class Membership(Model):
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[MembershipRole] = mapped_column(stored_as_value(MembershipRole, 20), default=MembershipRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships", lazy="joined")

    @property
    def is_org_admin(self) -> bool:
        return self.role == MembershipRole.ORG_ADMIN
