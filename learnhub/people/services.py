"""Profiles, organisations, memberships and roles."""

from flask_babel import get_locale, refresh
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from learnhub.audit import services as audit
from learnhub.audit.models import AuditAction
from learnhub.caching import kept
from learnhub.errors import Conflict, InvalidInput, NotFound, get_or_404
from learnhub.extensions import db
from learnhub.i18n import LANGUAGES, _, alphabetical, to_reader_script
from learnhub.navigation import whole_number
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
from learnhub.zones import is_valid_timezone


def check_profile(display_name: str, language: str, time_zone: str) -> None:
    if not display_name.strip() or len(display_name) > 120:
        raise InvalidInput(_("Please enter your name (up to 120 characters)."))
    if language not in LANGUAGES:
        raise InvalidInput(_("Please choose one of the offered languages."))
    if not is_valid_timezone(time_zone):
        raise InvalidInput(_("Please choose a time zone from the list."))


def update_profile(user: User, display_name: str, language: str, time_zone: str) -> None:
    check_profile(display_name, language, time_zone)
    user.display_name = display_name.strip()
    user.preferred_language = language
    user.time_zone = time_zone
    db.session.flush()
    refresh()  # the rest of this request speaks the new language, in the new time zone


def organisation_for_admin(actor: User, organisation_id: int) -> Organisation:
    """The organisation if `actor` administers it (or is an institute admin); 404 otherwise."""
    organisation = get_or_404(Organisation, organisation_id, _("We could not find that organisation."))
    if actor.has_role(Role.INSTITUTE_ADMIN):
        return organisation
    if any(m.organisation_id == organisation_id and m.is_org_admin for m in actor.memberships):
        return organisation
    raise NotFound(_("We could not find that organisation."))


def administered_organisations(user: User) -> list[Organisation]:
    return [m.organisation for m in user.memberships if m.is_org_admin]


def members_of(organisation: Organisation) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.organisation_id == organisation.id)
            .options(joinedload(Membership.user))
            .join(User)
            .order_by(User.display_name)
        )
    )


def remove_member(organisation: Organisation, actor: User, membership_id: int) -> None:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        raise NotFound(_("We could not find that member."))
    if membership.user_id == actor.id:
        raise InvalidInput(_("You cannot remove yourself. Ask another organisation admin."))
    if membership.is_org_admin and not actor.has_role(Role.INSTITUTE_ADMIN):
        _keep_another_holder(
            select(Membership.user_id).where(Membership.organisation_id == organisation.id,
                                             Membership.role == MembershipRole.ORG_ADMIN),
            membership.user_id, _("This is the organisation's last admin. Only an institute admin can remove them."))
    audit.record(AuditAction.MEMBER_REMOVED, actor, subject_user_id=membership.user_id, record_type="organisation",
                 record_id=organisation.id, before={"role": membership.role})
    db.session.delete(membership)
    db.session.flush()


def parse_membership_role(value: str) -> MembershipRole:
    try:
        return MembershipRole(value)
    except ValueError as error:
        raise InvalidInput(_("Please choose a role from the list.")) from error


def _search_pattern(query: str) -> str:
    escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(query: str, page: int, per_page: int) -> Pagination:
    statement = select(User).order_by(User.display_name, User.id)
    if query.strip():
        pattern = _search_pattern(query)
        statement = statement.where(
            or_(func.lower(User.display_name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))
        )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def search_organisations(query: str, page: int, per_page: int) -> Pagination:
    statement = select(Organisation).join(Municipality).order_by(Organisation.name, Organisation.id)
    if query.strip():
        pattern = _search_pattern(query)
        statement = statement.where(
            or_(func.lower(Organisation.name).like(pattern, escape="\\"),
                func.lower(Municipality.name).like(pattern, escape="\\"))
        )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def users_with_role(role: Role) -> list[User]:
    """Everyone who holds `role` and can sign in, by name: to choose, say, a programme's mentors from."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)),
                           User.is_active_account.is_(True), User.erased_at.is_(None))
        .order_by(User.display_name, User.id).options(lazyload(User.roles))))


def all_organisations() -> list[Organisation]:
    """Every organisation with its municipality, by name: to choose from (their services are not shown)."""
    return list(db.session.scalars(
        select(Organisation).order_by(Organisation.name, Organisation.id).options(lazyload(Organisation.services))))


def get_user(user_id: int) -> User:
    return get_or_404(User, user_id, _("We could not find that person."))


def set_roles(actor: User | None, user: User, role_values: list[str]) -> None:
    """Give `user` exactly these roles; `actor` None is the command line (`flask users grant-role`)."""
    try:
        roles = {Role(value) for value in role_values}
    except ValueError as error:
        raise InvalidInput(_("Please choose roles from the list.")) from error
    if Role.INSTITUTE_ADMIN not in roles:
        if actor is not None and user.id == actor.id:
            raise Conflict(_("You cannot remove your own institute admin role."))
        keep_an_institute_admin(user)
    before = sorted(r.role for r in user.roles)
    user.roles = [UserRole(role=role) for role in sorted(roles)]
    audit.record(AuditAction.ROLES_CHANGED, actor, subject_user_id=user.id, record_type="user", record_id=user.id,
                 before={"roles": before}, after={"roles": sorted(roles)})
    db.session.flush()


def _keep_another_holder(holders: Select, leaving_id: int, message: str) -> None:
    """Refuse to let `leaving_id` (a user) give up a role that nobody else among `holders` (user ids) has.
    The holders' rows stay locked until the change commits: otherwise two holders taking the role from
    each other at the same moment would both succeed and leave nobody with it."""
    if not set(db.session.scalars(holders.with_for_update())) - {leaving_id}:
        raise Conflict(message)


def keep_an_institute_admin(leaving: User) -> None:
    """Before `leaving` loses their roles: somebody must still be able to give roles and complete erasures."""
    if leaving.has_role(Role.INSTITUTE_ADMIN):
        _keep_another_holder(
            select(UserRole.user_id).where(UserRole.role == Role.INSTITUTE_ADMIN), leaving.id,
            _("LearnHub needs at least one institute admin. Give the role to someone else first."))


MUNICIPALITY_LIST_SECONDS = 600


def municipality_choices() -> list[tuple[int, str]]:
    """(id, name) of every municipality in the reader's script and alphabet, country by country, for filters
    and forms, kept a while: municipalities are reference data that only seeding and migrations change, and
    the catalogue shows the list on every view."""
    def by_country_and_name() -> list[tuple[int, str]]:
        rows = [(i, to_reader_script(name), country) for i, name, country in db.session.execute(
            select(Municipality.id, Municipality.name, Municipality.country).order_by(Municipality.country.desc()))]
        countries = list(dict.fromkeys(country for _i, _name, country in rows))
        return [(i, name) for i, name, _country in
                sorted(rows, key=lambda row: (countries.index(row[2]), alphabetical(row[1])))]

    return kept(f"municipality-choices:{get_locale()}", by_country_and_name, MUNICIPALITY_LIST_SECONDS)


def create_organisation(name: str, municipality_id: int | str, service_values: list[str]) -> Organisation:
    if not name.strip() or len(name) > 200:
        raise InvalidInput(_("Please enter the organisation's name (up to 200 characters)."))
    try:
        municipality = db.session.get(Municipality, whole_number(municipality_id))
        services = {ServiceType(value) for value in service_values}
    except ValueError as error:
        raise InvalidInput(_("Please choose from the lists.")) from error
    if municipality is None:
        raise InvalidInput(_("Please choose a municipality from the list."))
    if not services:
        raise InvalidInput(_("Please choose at least one service the organisation provides."))
    organisation = Organisation(
        name=name.strip(),
        municipality=municipality,
        services=[OrganisationService(service_type=s) for s in sorted(services)],
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation
