"""Who takes part in mentoring: programmes a person may see, their sessions and plans, creating programmes."""

from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import BindParameter, ColumnElement, CompoundSelect, bindparam, exists, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from learnhub.curriculum.models import LearningSet
from learnhub.errors import InvalidInput, NotFound
from learnhub.extensions import db
from learnhub.i18n import _
from learnhub.mentoring.models import (
    MentoringProgramme,
    MentoringSession,
    ProgrammeMentee,
    ProgrammeMentor,
    ProgrammeOrganisation,
    SessionParticipant,
)
from learnhub.people.models import Membership, Organisation, Role, User


def mentee_ids(programme: MentoringProgramme) -> set[int]:
    """Individual mentees plus every member of the programme's organisations."""
    organisation_ids = [o.organisation_id for o in programme.organisations]
    members = set(db.session.scalars(select(Membership.user_id).where(
        Membership.organisation_id.in_(organisation_ids)))) if organisation_ids else set()
    return members | {m.user_id for m in programme.mentees}


def _is_mentee_of_programme(user_id: int | BindParameter, organisation_ids):
    """A condition on MentoringProgramme: the user (an id, or a parameter for one) is one of its mentees
    or works for one of its organisations (`organisation_ids`: the user's, as a list, subquery or parameter)."""
    return or_(
        exists().where(ProgrammeMentee.programme_id == MentoringProgramme.id, ProgrammeMentee.user_id == user_id),
        exists().where(ProgrammeOrganisation.programme_id == MentoringProgramme.id,
                       ProgrammeOrganisation.organisation_id.in_(organisation_ids)))


def _takes_part_in_programme(user_id: int | BindParameter, organisation_ids):
    return or_(exists().where(ProgrammeMentor.programme_id == MentoringProgramme.id, ProgrammeMentor.user_id == user_id),
               _is_mentee_of_programme(user_id, organisation_ids))


def member_organisation_ids(user: User) -> list[int]:
    # The signed-in user comes with their memberships (auth.services): no query. Elsewhere of Membership puts them in the query instead.
    return [m.organisation_id for m in user.memberships]


# Programmes the user takes part in, for statements built once: the parameters come from member_parameters(user).
_TAKES_PART = _takes_part_in_programme(bindparam("user_id"), bindparam("organisation_ids", expanding=True))


def member_parameters(user: User) -> dict:
    return {"user_id": user.id, "organisation_ids": member_organisation_ids(user)}


# The list shows names and dates only: none of the programmes' mentors, organisations or mentees.
_ALL_PROGRAMMES = select(MentoringProgramme).order_by(MentoringProgramme.starts_on.desc()).options(lazyload("*"))
_MEMBER_PROGRAMMES = _ALL_PROGRAMMES.where(_TAKES_PART)


def programmes_for(user: User) -> list[MentoringProgramme]:
    """Programmes the user mentors or takes part in (all of them for institute admins)."""
    if user.has_role(Role.INSTITUTE_ADMIN):
        return list(db.session.scalars(_ALL_PROGRAMMES))
    return list(db.session.scalars(_MEMBER_PROGRAMMES, member_parameters(user)))


# Session lists show times, kinds and programme names; not the mentor, who else takes part, nor the
# programmes' members.
SESSION_LIST_SHOWN = (joinedload(MentoringSession.programme).lazyload("*"), lazyload(MentoringSession.mentor),
                      lazyload(MentoringSession.participants))


def programme_sessions(viewer: User, programme: MentoringProgramme, page: int, per_page: int) -> Pagination:
    """The programme's sessions the viewer may open, latest first, a page at a time (a programme gathers
    thousands): every one for institute admins; for anyone else those they run or were invited to, as
    other people's sessions would only lead to "not found"."""
    in_programme = MentoringSession.programme_id == programme.id
    statement = select(MentoringSession).where(in_programme)
    if not viewer.has_role(Role.INSTITUTE_ADMIN):
        statement = statement.where(MentoringSession.id.in_(own_session_ids(viewer.id, in_programme)))
    statement = statement.order_by(MentoringSession.starts_at.desc(), MentoringSession.id.desc()).options(*SESSION_LIST_SHOWN)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def editable_plans(user: User, programme: MentoringProgramme) -> list[ProgrammeOrganisation]:
    """The organisations whose plan this user may open: all for mentors and admins, own for org admins."""
    if programme.has_mentor(user) or user.has_role(Role.INSTITUTE_ADMIN):
        return list(programme.organisations)
    administered = {m.organisation_id for m in user.memberships if m.is_org_admin}
    return [o for o in programme.organisations if o.organisation_id in administered]


# Every mentoring page starts with this query: built once, with the programme, the user and their
# organisations as parameters. Mentors and organisations are shown and checked by name and id: not their
# roles or services; mentors, organisations and mentees load only on pages that show them.
_PROGRAMME = select(MentoringProgramme).where(MentoringProgramme.id == bindparam("programme_id")).options(
    lazyload(MentoringProgramme.mentors).joinedload(ProgrammeMentor.user).lazyload(User.roles),
    lazyload(MentoringProgramme.organisations).joinedload(ProgrammeOrganisation.organisation)
    .lazyload(Organisation.services),
    lazyload(MentoringProgramme.mentees))
_PROGRAMME_OF_MEMBER = _PROGRAMME.where(_TAKES_PART)
PROGRAMME_OF_MENTEE = _PROGRAMME.where(
    _is_mentee_of_programme(bindparam("user_id"), bindparam("organisation_ids", expanding=True)))


def is_mentee(user: User, programme: MentoringProgramme) -> bool:
    """Whether the user may book individual sessions in the programme."""
    return db.session.scalar(select(MentoringProgramme.id).where(
        MentoringProgramme.id == programme.id,
        _is_mentee_of_programme(user.id, member_organisation_ids(user)))) is not None


def programme_for(user: User, programme_id: int) -> MentoringProgramme:
    """A programme the user belongs to; a foreign programme is 404. Found and checked in one query."""
    if user.has_role(Role.INSTITUTE_ADMIN):
        programme = db.session.scalar(_PROGRAMME, {"programme_id": programme_id})
    else:
        programme = db.session.scalar(_PROGRAMME_OF_MEMBER, {"programme_id": programme_id} | member_parameters(user))
    if programme is None:
        raise NotFound(_("We could not find that mentoring programme."))
    return programme


def programme_for_mentor(user: User, programme_id: int) -> MentoringProgramme:
    programme = programme_for(user, programme_id)
    if not programme.has_mentor(user):
        raise NotFound(_("We could not find that mentoring programme."))
    return programme


# What answering a session reads of it: its own row and its participants' answers, not the programme and
# people that the session page shows.
ANSWERS_ONLY = (lazyload(MentoringSession.programme), lazyload(MentoringSession.mentor),
                selectinload(MentoringSession.participants).lazyload(SessionParticipant.user))


def locked_with_answers(session_id: int) -> MentoringSession | None:
    """The session's row locked and read (again) with its participants' answers: all an answer depends on."""
    return db.session.get(MentoringSession, session_id, with_for_update={"of": MentoringSession},
                          populate_existing=True, options=ANSWERS_ONLY)


def session_for(user: User, session_id: int, answers_only: bool = False) -> MentoringSession:
    """A session the user runs or was invited to (and not removed from); others get 404. Read to be
    answered (answers_only), it is read once, under its row lock (locked_with_answers)."""
    session = (locked_with_answers(session_id) if answers_only
               else db.session.get(MentoringSession, session_id))
    if session is not None and (
        session.mentor_id == user.id
        or user.has_role(Role.INSTITUTE_ADMIN)
        or any(p.user_id == user.id for p in session.active_participants)
    ):
        return session
    raise NotFound(_("We could not find that mentoring session."))


def create_programme(name: str, service_type: str | None, starts_on: date, ends_on: date, mentor_ids: list[int],
                     organisation_ids: list[int], mentee_emails: list[str],
                     learning_set_id: int | None = None) -> MentoringProgramme:
    if not name.strip() or len(name) > 200:
        raise InvalidInput(_("Please give the programme a name (up to 200 characters)."))
    if ends_on < starts_on:
        raise InvalidInput(_("The programme cannot end before it starts."))
    mentors = list(db.session.scalars(select(User).where(User.id.in_(mentor_ids))))
    if not mentors or any(not m.has_role(Role.MENTOR) for m in mentors):
        raise InvalidInput(_("Please choose at least one mentor."))
    # Ids that name nothing come from a stale form or a hand-made request: refused, not half-saved.
    found_organisations = db.session.execute(select(func.count()).select_from(Organisation).where(
        Organisation.id.in_(set(organisation_ids)))).scalar_one()
    if len(mentors) < len(set(mentor_ids)) or found_organisations < len(set(organisation_ids)) or (
            learning_set_id is not None and db.session.get(LearningSet, learning_set_id) is None):
        raise InvalidInput(_("Please choose from the lists."))
    emails = {e.strip().lower() for e in mentee_emails if e.strip()}
    mentee_user_ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails))))
    if len(mentee_user_ids) != len(emails):
        raise InvalidInput(_("Some of the e-mail addresses do not belong to a LearnHub account."))
    programme = MentoringProgramme(
        name=name.strip(), service_type=service_type or None, starts_on=starts_on, ends_on=ends_on,
        learning_set_id=learning_set_id,
        mentors=[ProgrammeMentor(user_id=m.id) for m in mentors],
        organisations=[ProgrammeOrganisation(organisation_id=i) for i in sorted(set(organisation_ids))],
        mentees=[ProgrammeMentee(user_id=i) for i in sorted(set(mentee_user_ids))],
    )
    db.session.add(programme)
    db.session.flush()
    return programme




def own_session_ids(user_id: int | BindParameter, *conditions: ColumnElement[bool]) -> CompoundSelect:
    """Sessions the user (an id, or a parameter for one) runs or takes part in that meet `conditions`: two
    indexed lookups (an OR across a join scans them all). The conditions apply inside each lookup, so
    a mentor's week reads that week's sessions, not every session they have ever run."""
    return select(MentoringSession.id).where(MentoringSession.mentor_id == user_id, *conditions).union(
        select(SessionParticipant.session_id).join(MentoringSession)
        .where(SessionParticipant.user_id == user_id, SessionParticipant.removed_at.is_(None), *conditions))
