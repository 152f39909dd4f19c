"""Test data with sensible defaults; pass overrides for what a test is about."""

from datetime import date, datetime, time, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from learnhub.certification.models import Certificate
from learnhub.certification.services import new_code
from learnhub.courses.models import Cohort, CohortSession, CohortTrainer, Enrolment, EnrolmentStatus
from learnhub.curriculum.models import (
    LearningSet,
    LearningSetVersion,
    Module,
    VersionLanguage,
    VersionServiceType,
    VersionState,
)
from learnhub.extensions import db
from learnhub.mentoring.models import (
    AvailabilityWindow,
    MentoringProgramme,
    MentorProfile,
    ProgrammeMentor,
    ProgrammeOrganisation,
)
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
from learnhub.timeutil import utcnow

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        # Flushed only: the test client commits before each request (tests/conftest.py).
        sqlalchemy_session_persistence = "flush"


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
            db.session.flush()


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


# --- curriculum and courses -------------------------------------------------------------------------


class LearningSetFactory(_Factory):
    class Meta:
        model = LearningSet

    slug = factory.Sequence(lambda n: f"learning-set-{n}")


class VersionFactory(_Factory):
    """A published version with two modules, for day-care providers, in Serbian and English."""

    class Meta:
        model = LearningSetVersion

    learning_set = factory.SubFactory(LearningSetFactory)
    number = 1
    state = VersionState.PUBLISHED
    title = factory.Sequence(lambda n: {"en": f"Learning set {n}", "sr_Latn": f"Set za učenje {n}"})
    summary = {"en": "Practical skills for everyday work.", "sr_Latn": "Praktične veštine za svakodnevni rad."}
    audience = ["professional"]
    hours = 12
    cpd_points = 8
    certification = {"min_attendance_percent": 80}
    published_at = factory.LazyFunction(utcnow)
    service_types = factory.LazyFunction(lambda: [VersionServiceType(service_type="day_care_children_disabilities")])
    languages = factory.LazyFunction(lambda: [VersionLanguage(language="sr_Latn"), VersionLanguage(language="en")])
    modules = factory.LazyFunction(lambda: [
        Module(slug="01-first", position=1, title={"en": "First steps", "sr_Latn": "Prvi koraci"},
               duration_minutes=60, outcomes={"en": ["Name the first step"], "sr_Latn": ["Navesti prvi korak"]},
               body={"en": "Read [the next module](02-second.md).", "sr_Latn": "Pročitajte sledeći modul."}),
        Module(slug="02-second", position=2, title={"en": "Second steps"}, duration_minutes=90,
               outcomes={"en": ["Practise in pairs"], "sr_Latn": ["Vežbati u paru"]},
               body={"en": "## Practice\n\nWork in pairs.", "sr_Latn": "## Vežba\n\nRadite u paru."}),
    ])


class CohortFactory(_Factory):
    """Open for enrolment now, starting in a month, ten places."""

    class Meta:
        model = Cohort

    version = factory.SubFactory(VersionFactory)
    name = factory.Sequence(lambda n: f"Kohorta {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    language = "sr_Latn"
    starts_on = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: date.today() + timedelta(days=32))
    capacity = 10
    enrolment_opens_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))
    enrolment_closes_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=20))

    @factory.post_generation
    def trainer(cohort, create, extracted, **kwargs):
        if extracted is not None:
            cohort.trainers = [CohortTrainer(user_id=extracted.id)]
            if create:
                db.session.flush()


class CohortSessionFactory(_Factory):
    class Meta:
        model = CohortSession

    cohort = factory.SubFactory(CohortFactory)
    starts_at = factory.LazyAttribute(lambda o: datetime.combine(o.cohort.starts_on, datetime.min.time()) + timedelta(hours=8))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=4))
    place = "Sala opštine"


class EnrolmentFactory(_Factory):
    """An enrolled participant holding a seat (the cohort's seat counter is kept in step)."""

    class Meta:
        model = Enrolment

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    version_id = factory.LazyAttribute(lambda o: o.cohort.version_id)
    status = EnrolmentStatus.ENROLLED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        enrolment = super()._create(model_class, *args, **kwargs)
        if enrolment.status == EnrolmentStatus.ENROLLED:
            enrolment.cohort.seats_taken += 1
            db.session.flush()
        return enrolment


# --- mentoring ---------------------------------------------------------------------------------------


class ProgrammeFactory(_Factory):
    """A programme for one organisation, with one mentor who offers weekday mornings."""

    class Meta:
        model = MentoringProgramme

    name = factory.Sequence(lambda n: f"Mentorstvo za dnevne boravke {n}")
    service_type = "day_care_children_disabilities"
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: date.today() + timedelta(days=300))

    @factory.post_generation
    def mentor(programme, create, extracted, **kwargs):
        mentor = extracted or UserFactory(roles=[Role.MENTOR], time_zone="Europe/Belgrade")
        programme.mentors = [ProgrammeMentor(user_id=mentor.id)]
        profile = db.session.get(MentorProfile, mentor.id) or MentorProfile(user_id=mentor.id)
        if not profile.windows:
            profile.windows = [AvailabilityWindow(weekday=d, start=time(9), end=time(12)) for d in range(5)]
        profile.min_notice_hours = 0
        db.session.add(profile)
        db.session.flush()

    @factory.post_generation
    def organisation(programme, create, extracted, **kwargs):
        if extracted is not None:
            programme.organisations = [ProgrammeOrganisation(organisation_id=extracted.id)]
            db.session.flush()


def certificate_for(enrolment: Enrolment, **overrides) -> Certificate:
    certificate = Certificate(**{"code": new_code(), "holder_id": enrolment.user_id, "version_id": enrolment.version_id,
                                 "cohort_id": enrolment.cohort_id, "cpd_points": 8, **overrides})
    db.session.add(certificate)
    db.session.flush()
    return certificate


def mentoring_world(programme_name: str = "Mentorstvo, dnevni boravak"):
    """A mentor's programme for a day-care centre with two members: (programme, mentor, mentee, other)."""
    organisation = OrganisationFactory(name="Dnevni boravak Ruma")
    mentor = UserFactory(email="mentor@example.org", display_name="Amra Mentor", roles=[Role.MENTOR])
    programme = ProgrammeFactory(mentor=mentor, organisation=organisation, name=programme_name)
    mentee = member_of(organisation, email="mentee@example.org", display_name="Nikola Mentee")
    other = member_of(organisation, email="other@example.org", display_name="Ana Other")
    db.session.commit()
    return programme, mentor, mentee, other
