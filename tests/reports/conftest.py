"""A small world with known answers, for checking every report figure by hand.

Period 2025. Užice has Dnevni boravak (day care) and Pomoć u kući (home help); Sjenica has
Savetovalište (day care and family counselling). Ana and Bojan work in Užice's day care; Bojan also
works for Savetovalište; Vesna (home help) withdrew; Goran is on the waitlist; Dragana (Savetovalište)
finished. Nikola trained in 2024, outside the period.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from learnhub.courses.models import Attendance, EnrolmentStatus, Evaluation
from learnhub.extensions import db
from learnhub.mentoring.models import MentoringEvaluation, MentoringSession, ProgrammeOrganisation, SessionParticipant
from learnhub.people.models import MembershipRole, OrganisationService, Role, ServiceType, User
from learnhub.timeutil import utcnow
from tests.factories import (
    CohortFactory,
    CohortSessionFactory,
    EnrolmentFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    VersionFactory,
    certificate_for,
    member_of,
)


@dataclass
class World:
    uzice: object
    sjenica: object
    day_care: object
    home_help: object
    counselling: object
    trainer: User
    mentor: User
    admin: User
    boss: User  # admin of the Užice day care
    first_set: object
    second_set: object
    cohort_2024: object
    spring: object
    summer: object
    programme: object


def _org(name, municipality, *services):
    return OrganisationFactory(name=name, municipality=municipality,
                               services=[OrganisationService(service_type=s) for s in services])


@pytest.fixture
def world(app) -> World:
    uzice, sjenica = MunicipalityFactory(name="Užice"), MunicipalityFactory(name="Sjenica")
    day_care = _org("Dnevni boravak", uzice, ServiceType.DAY_CARE_CHILDREN_DISABILITIES)
    home_help = _org("Pomoć u kući", uzice, ServiceType.HOME_HELP)
    counselling = _org("Savetovalište", sjenica, ServiceType.DAY_CARE_CHILDREN_DISABILITIES,
                       ServiceType.FAMILY_COUNSELLING)
    trainer = UserFactory(email="trainer@example.org", roles=[Role.TRAINER])
    mentor = UserFactory(email="mentor@example.org", roles=[Role.MENTOR])
    admin = UserFactory(email="admin@example.org", roles=[Role.INSTITUTE_ADMIN])
    boss = member_of(day_care, MembershipRole.ORG_ADMIN, email="boss@example.org")

    ana = member_of(day_care, display_name="Ana")
    bojan = member_of(day_care, display_name="Bojan")
    MembershipFactory(user=bojan, organisation=counselling)
    vesna = member_of(home_help, display_name="Vesna")
    goran = member_of(counselling, display_name="Goran")
    dragana = member_of(counselling, display_name="Dragana")
    nikola = member_of(home_help, display_name="Nikola")

    first_set, second_set = VersionFactory(cpd_points=10), VersionFactory(cpd_points=10)
    spring = CohortFactory(version=first_set, starts_on=date(2025, 3, 10), ends_on=date(2025, 4, 30))
    summer = CohortFactory(version=second_set, starts_on=date(2025, 5, 5), ends_on=date(2025, 6, 30), trainer=trainer)
    cohort_2024 = CohortFactory(version=first_set, starts_on=date(2024, 11, 1), ends_on=date(2024, 12, 1))

    def enrol(cohort, person, organisation, status=EnrolmentStatus.ENROLLED):
        return EnrolmentFactory(cohort=cohort, user=person, organisation_id=organisation.id, status=status)

    ana_spring, bojan_spring = enrol(spring, ana, day_care), enrol(spring, bojan, day_care)
    enrol(spring, vesna, home_help, EnrolmentStatus.WITHDRAWN)
    bojan_summer, dragana_summer = enrol(summer, bojan, counselling), enrol(summer, dragana, counselling)
    enrol(summer, goran, counselling, EnrolmentStatus.WAITLISTED)
    nikola_2024 = enrol(cohort_2024, nikola, home_help)

    certificate_for(ana_spring, issued_at=datetime(2025, 5, 1), cpd_points=10)
    certificate_for(bojan_summer, issued_at=datetime(2025, 6, 1), cpd_points=10, revoked_at=datetime(2025, 7, 1),
                    revoked_note="Issued by mistake")
    certificate_for(dragana_summer, issued_at=datetime(2025, 6, 1), cpd_points=10,
                    expires_at=utcnow() + timedelta(days=30))
    certificate_for(nikola_2024, issued_at=datetime(2024, 12, 15), cpd_points=10)

    first, second = (CohortSessionFactory(cohort=spring, starts_at=datetime(2025, 3, d, 8),
                                          ends_at=datetime(2025, 3, d, 12)) for d in (10, 17))
    db.session.add_all([
        Attendance(session_id=first.id, enrolment_id=ana_spring.id, is_present=True),
        Attendance(session_id=second.id, enrolment_id=ana_spring.id, is_present=True),
        Attendance(session_id=first.id, enrolment_id=bojan_spring.id, is_present=True),
        Attendance(session_id=second.id, enrolment_id=bojan_spring.id, is_present=False),
        Evaluation(cohort_id=spring.id, user_id=ana.id, accessibility=4, usefulness=5, quality=5),
        Evaluation(cohort_id=spring.id, user_id=bojan.id, accessibility=3, usefulness=4, quality=4),
    ])

    programme = ProgrammeFactory(mentor=mentor, organisation=day_care, starts_on=date(2025, 1, 1),
                                 ends_on=date(2025, 12, 31))
    programme.organisations.append(ProgrammeOrganisation(organisation_id=counselling.id))

    def session(kind, starts_at, hours, people, status="scheduled"):
        row = MentoringSession(programme_id=programme.id, mentor_id=mentor.id, kind=kind, starts_at=starts_at,
                               ends_at=starts_at + timedelta(hours=hours), status=status)
        row.participants = [SessionParticipant(user_id=p.id, attended=attended) for p, attended in people]
        db.session.add(row)
        db.session.flush()
        return row

    group = session("group", datetime(2025, 4, 1, 8), 2, [(ana, True), (bojan, True), (goran, False)])
    session("individual", datetime(2025, 4, 15, 8), 1, [(dragana, True)])
    session("group", datetime(2025, 4, 20, 8), 2, [(ana, None)], status="cancelled")
    session("group", utcnow() + timedelta(days=3), 2, [(ana, None)])  # not held yet
    db.session.add(MentoringEvaluation(session_id=group.id, user_id=ana.id, accessibility=5, usefulness=4, quality=3))
    db.session.flush()
    return World(uzice, sjenica, day_care, home_help, counselling, trainer, mentor, admin, boss, first_set,
                 second_set, cohort_2024, spring, summer, programme)
