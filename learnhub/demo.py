"""Demo data drawn from the field reports: municipalities, providers and one account per role."""

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from learnhub.auth.passwords import hash_password
from learnhub.certification.models import Certificate, OrganisationRequirement
from learnhub.certification.services import new_code
from learnhub.config import PROJECT_ROOT
from learnhub.courses.models import (
    Attendance,
    Cohort,
    CohortSession,
    CohortTrainer,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    PromotionPolicy,
)
from learnhub.curriculum.files import ImportReport, import_tree
from learnhub.curriculum.models import LearningSet, LearningSetVersion, Module, ModuleProgress, VersionState
from learnhub.extensions import db
from learnhub.mentoring.models import (
    AvailabilityWindow,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    ProgrammeMentor,
    ProgrammeOrganisation,
    SessionKind,
    SessionParticipant,
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
from learnhub.timeutil import local_to_utc

DEMO_PASSWORD = "learnhub-demo-2025"

MUNICIPALITIES = {
    "RS": ["Užice", "Prijepolje", "Sjenica", "Šid", "Sremska Mitrovica", "Loznica", "Kosjerić", "Ruma",
           "Vranje", "Bela Palanka", "Doljevac", "Vrbas", "Beograd", "Novi Bečej", "Kovin", "Vršac"],
    "BA": ["Sarajevo", "Mostar", "Zenica", "Banja Luka", "Tuzla"],
}

S = ServiceType
ORGANISATIONS = [
    ("Centar za socijalni rad Užice", "Užice", [S.CENTRE_FOR_SOCIAL_WORK]),
    ("Dnevni boravak za decu sa smetnjama u razvoju Ruma", "Ruma", [S.DAY_CARE_CHILDREN_DISABILITIES]),
    ("Pomoć u kući Šid", "Šid", [S.HOME_HELP]),
    ("Savetovalište za brak i porodicu Loznica", "Loznica", [S.FAMILY_COUNSELLING]),
    ("Psihosocijalna podrška Prijepolje", "Prijepolje", [S.PSYCHOSOCIAL_SUPPORT]),
    ("Centar za mentalno zdravlje Vršac", "Vršac", [S.MENTAL_HEALTH_CENTRE, S.CRISIS_SERVICE]),
    ("Dnevni centar Vranje", "Vranje", [S.DAY_CARE_CHILDREN_DISABILITIES, S.HOME_HELP]),
    ("Centar za socijalni rad Sremska Mitrovica", "Sremska Mitrovica", [S.CENTRE_FOR_SOCIAL_WORK]),
    ("Udruženje za psihosocijalnu podršku Sarajevo", "Sarajevo", [S.PSYCHOSOCIAL_SUPPORT, S.FAMILY_COUNSELLING]),
    ("Centar za mentalno zdravlje Zenica", "Zenica", [S.MENTAL_HEALTH_CENTRE]),
    ("Kuća oporavka Tuzla", "Tuzla", [S.CRISIS_SERVICE]),
    ("Pomoć u kući Banja Luka", "Banja Luka", [S.HOME_HELP]),
]

# (email, name, language, roles, organisation name or None, org role)
ACCOUNTS = [
    ("admin@learnhub.example", "Jelena Marković", "sr_Latn", [Role.INSTITUTE_ADMIN], None, None),
    ("trainer@learnhub.example", "Milan Petrović", "en", [Role.TRAINER], None, None),
    ("mentor@learnhub.example", "Amra Hodžić", "bs", [Role.MENTOR], None, None),
    ("orgadmin@learnhub.example", "Dragana Ilić", "sr_Cyrl", [Role.PROFESSIONAL],
     "Dnevni boravak za decu sa smetnjama u razvoju Ruma", MembershipRole.ORG_ADMIN),
    ("professional@learnhub.example", "Nikola Jovanović", "sr_Latn", [Role.PROFESSIONAL],
     "Dnevni boravak za decu sa smetnjama u razvoju Ruma", MembershipRole.MEMBER),
    ("psychologist@learnhub.example", "Lejla Begović", "bs", [Role.PROFESSIONAL],
     "Udruženje za psihosocijalnu podršku Sarajevo", MembershipRole.MEMBER),
    ("homehelp@learnhub.example", "Snežana Đorđević", "sr_Latn", [Role.PROFESSIONAL],
     "Pomoć u kući Šid", MembershipRole.ORG_ADMIN),
]


# (learning set slug, cohort name, municipality or None for online, days from today to the start)
COHORTS = [
    ("working-with-parents", "Ruma, proleće", "Ruma", 21),
    ("recovery-into-practice", "Vršac, online grupa", None, 35),
    ("trialogue", "Sarajevo, trijalog", "Sarajevo", 50),
    ("strengthening-local-services", "Vranje i Bela Palanka", "Vranje", -40),
]


def workday(day: date) -> date:
    """`day`, or the Monday after it when it falls on a weekend: nobody trains or mentors on Sundays."""
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    """A time on the institute's clock (LEARNHUB_TIMEZONE), stored as naive UTC."""
    return local_to_utc(datetime.combine(day, time(hour, minute)), current_app.config["LEARNHUB_TIMEZONE"])


def load_curriculum_if_empty() -> ImportReport | None:
    """A demo without learning sets has no courses or certificates: load the bundled ones first."""
    if db.session.scalar(select(LearningSet.id).limit(1)) is not None:
        return None
    return import_tree(PROJECT_ROOT / "curriculum")


def seed_demo(today: date | None = None) -> list[tuple[str, str]]:
    """Create what is missing and leave what exists: running it twice changes nothing. Dates count from
    `today` (the real one unless given)."""
    today = today or date.today()
    municipalities = {m.name: m for m in db.session.scalars(select(Municipality))}
    for country, names in MUNICIPALITIES.items():
        for name in names:
            if name not in municipalities:
                municipalities[name] = Municipality(name=name, country=country)
                db.session.add(municipalities[name])

    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    for name, municipality, services in ORGANISATIONS:
        if name not in organisations:
            organisations[name] = Organisation(
                name=name,
                municipality=municipalities[municipality],
                services=[OrganisationService(service_type=s) for s in services],
            )
            db.session.add(organisations[name])
    db.session.flush()

    users = {u.email: u for u in db.session.scalars(select(User))}
    password_hash = None
    listed = []
    for email, name, language, roles, organisation, org_role in ACCOUNTS:
        listed.append((MembershipRole.ORG_ADMIN.label if org_role == MembershipRole.ORG_ADMIN else roles[0].label, email))
        if email in users:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user = User(email=email, display_name=name, password_hash=password_hash, preferred_language=language,
                    roles=[UserRole(role=r) for r in roles])
        if organisation:
            user.memberships.append(Membership(organisation=organisations[organisation], role=org_role))
        db.session.add(user)
    db.session.flush()
    _seed_cohorts(municipalities, today)
    _seed_mentoring(organisations, today)
    _seed_certification(today)
    _seed_outcomes(password_hash or hash_password(DEMO_PASSWORD), today)
    return listed


def _seed_certification(today: date) -> None:
    """Day-care providers need two staff certified in the parents' learning set; one professional is."""
    learning_set = db.session.scalar(select(LearningSet).where(LearningSet.slug == "working-with-parents"))
    past_cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Vranje i Bela Palanka"))
    if learning_set is None or past_cohort is None:
        return
    if not db.session.scalar(select(OrganisationRequirement.id)):
        db.session.add(OrganisationRequirement(service_type=ServiceType.DAY_CARE_CHILDREN_DISABILITIES,
                                               learning_set_id=learning_set.id, min_staff=2))
    professional = db.session.execute(select(User).where(User.email == "professional@learnhub.example")).scalar_one()
    if db.session.scalar(select(Certificate.id).where(Certificate.holder_id == professional.id)):
        return
    membership = professional.memberships[0]
    enrolment = Enrolment(cohort_id=past_cohort.id, user_id=professional.id, version_id=past_cohort.version_id,
                          organisation_id=membership.organisation_id, status=EnrolmentStatus.ENROLLED)
    db.session.add(enrolment)
    db.session.flush()
    past_cohort.seats_taken += 1
    _record_completed_training(past_cohort, enrolment)
    _add_certificate(past_cohort, professional.id, today)
    db.session.flush()


def _record_completed_training(cohort: Cohort, enrolment: Enrolment, present_days: int | None = None) -> None:
    """Attendance at each session (all unless `present_days`) and, for those who attended all, every module
    complete: with the held mentoring session that is what the learning set's rule asks for a certificate."""
    present_days = len(cohort.sessions) if present_days is None else present_days
    db.session.add_all([Attendance(session_id=session.id, enrolment_id=enrolment.id, is_present=day < present_days)
                        for day, session in enumerate(cohort.sessions)])
    if present_days == len(cohort.sessions):
        db.session.add_all([ModuleProgress(user_id=enrolment.user_id, module_id=module_id)
                            for module_id in db.session.scalars(select(Module.id).where(
                                Module.version_id == cohort.version_id))])


def _add_certificate(cohort: Cohort, holder_id: int, today: date) -> None:
    """Issued after the cohort's graduates met their mentor (the held session, a week ago)."""
    issued_at = local_time(workday(today - timedelta(days=5)), 11)
    months = cohort.version.rule.validity_months
    db.session.add(Certificate(code=new_code(), holder_id=holder_id, version_id=cohort.version_id,
                               cohort_id=cohort.id, issued_at=issued_at, cpd_points=cohort.version.cpd_points,
                               expires_at=issued_at + timedelta(days=months * 30) if months else None))


PROGRAMME = "Mentorstvo za pružaoce usluga za decu i porodice"
PROGRAMME_ORGANISATIONS = [
    "Dnevni boravak za decu sa smetnjama u razvoju Ruma",
    "Pomoć u kući Šid",
    "Savetovalište za brak i porodicu Loznica",
    # the finished cohort's providers: their staff need a mentoring session for the certificate
    "Dnevni centar Vranje",
    "Centar za socijalni rad Užice",
    "Psihosocijalna podrška Prijepolje",
    "Centar za socijalni rad Sremska Mitrovica",
]


def _seed_mentoring(organisations: dict[str, Organisation], today: date) -> None:
    """The field report's mentoring: day care, home help and family counselling providers, group and 1:1."""
    if db.session.scalar(select(MentoringProgramme.id).where(MentoringProgramme.name == PROGRAMME)):
        return
    mentor = db.session.execute(select(User).where(User.email == "mentor@learnhub.example")).scalar_one()
    programme = MentoringProgramme(
        name=PROGRAMME, service_type=ServiceType.DAY_CARE_CHILDREN_DISABILITIES, starts_on=today - timedelta(days=14),
        ends_on=today + timedelta(days=300), mentors=[ProgrammeMentor(user_id=mentor.id)],
        organisations=[ProgrammeOrganisation(organisation=organisations[name]) for name in PROGRAMME_ORGANISATIONS],
    )
    db.session.add(programme)
    db.session.add(MentorProfile(
        user_id=mentor.id, slot_minutes=60, buffer_minutes=15, min_notice_hours=24, max_days_ahead=30,
        windows=[AvailabilityWindow(weekday=day, start=time(9), end=time(13)) for day in range(4)],
    ))
    db.session.flush()
    group_start = local_time(workday(today + timedelta(days=10)), 10)
    members = db.session.scalars(select(Membership.user_id).where(
        Membership.organisation_id.in_([organisations[name].id for name in PROGRAMME_ORGANISATIONS])))
    db.session.add(MentoringSession(
        programme_id=programme.id, mentor_id=mentor.id, kind=SessionKind.GROUP, starts_at=group_start,
        ends_at=group_start + timedelta(hours=2), place="Republički zavod za socijalnu zaštitu, Beograd",
        agenda="Planovi za primenu stečenih znanja; uključivanje roditelja; razmena primera dobre prakse.",
        capacity=20, participants=[SessionParticipant(user_id=user_id) for user_id in members],
    ))
    db.session.flush()


def _seed_cohorts(municipalities: dict[str, Municipality], today: date) -> None:
    """Cohorts for the imported learning sets, taught by the demo trainer (skipped if not imported)."""
    trainer = db.session.execute(select(User).where(User.email == "trainer@learnhub.example")).scalar_one()
    existing = set(db.session.scalars(select(Cohort.name)))
    for slug, name, municipality, start_in_days in COHORTS:
        version = db.session.scalar(select(LearningSetVersion).join(LearningSet).where(
            LearningSet.slug == slug, LearningSetVersion.state == VersionState.PUBLISHED))
        if version is None or name in existing:
            continue
        days = [workday(today + timedelta(days=start_in_days))]
        while len(days) < 3:
            days.append(workday(days[-1] + timedelta(days=1)))
        starts_on = days[0]
        cohort = Cohort(
            version_id=version.id, name=name, is_online=municipality is None,
            municipality=municipalities.get(municipality or ""), language="sr_Latn" if municipality != "Sarajevo" else "bs",
            starts_on=starts_on, ends_on=days[-1], capacity=12,
            enrolment_opens_at=local_time(today - timedelta(days=60), 8),
            enrolment_closes_at=local_time(starts_on - timedelta(days=2), 20),
            records_perspective=slug == "trialogue", max_share_per_perspective=50 if slug == "trialogue" else None,
            promotion_policy=PromotionPolicy.FAIR_BY_ORGANISATION, trainers=[CohortTrainer(user_id=trainer.id)],
        )
        for day in days:
            start = local_time(day, 9)
            cohort.sessions.append(CohortSession(starts_at=start, ends_at=start + timedelta(hours=4),
                                                 place="" if municipality is None else f"{municipality}, sala opštine",
                                                 online_url="https://meet.example.org/learnhub" if municipality is None else ""))
        db.session.add(cohort)
    db.session.flush()


# Participants of the finished cohort, so the reports have a year to show: (name, organisation).
PARTICIPANTS = [
    ("Marija Stojanović", "Dnevni centar Vranje"), ("Ivana Ristić", "Dnevni centar Vranje"),
    ("Dejan Mitić", "Dnevni centar Vranje"), ("Vesna Cvetković", "Centar za socijalni rad Užice"),
    ("Goran Nikolić", "Centar za socijalni rad Užice"), ("Sanja Pavlović", "Pomoć u kući Šid"),
    ("Tamara Lukić", "Savetovalište za brak i porodicu Loznica"), ("Aleksandar Ilić", "Psihosocijalna podrška Prijepolje"),
    ("Jasmina Kovačević", "Centar za socijalni rad Sremska Mitrovica"), ("Milica Jovanović", "Pomoć u kući Šid"),
]


def _seed_outcomes(password_hash: str, today: date) -> None:
    """A finished cohort with attendance, evaluations and certificates, and a held group mentoring
    session, so the reports dashboard shows real figures on a fresh install."""
    past_cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Vranje i Bela Palanka"))
    if past_cohort is None or db.session.scalar(select(User.id).where(User.email == "participant01@learnhub.example")):
        return
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    for number, (name, organisation_name) in enumerate(PARTICIPANTS, start=1):
        organisation = organisations[organisation_name]
        user = User(email=f"participant{number:02d}@learnhub.example", display_name=name, password_hash=password_hash,
                    preferred_language="sr_Latn", roles=[UserRole(role=Role.PROFESSIONAL)],
                    memberships=[Membership(organisation=organisation)])
        db.session.add(user)
        db.session.flush()
        enrolment = Enrolment(cohort_id=past_cohort.id, user_id=user.id, version_id=past_cohort.version_id,
                              organisation_id=organisation.id, status=EnrolmentStatus.ENROLLED)
        db.session.add(enrolment)
        db.session.flush()
        past_cohort.seats_taken += 1
        present_days = 3 if number % 4 else 1  # every fourth person missed two days
        _record_completed_training(past_cohort, enrolment, present_days)
        db.session.add(Evaluation(cohort_id=past_cohort.id, user_id=user.id, accessibility=4 + number % 2,
                                  usefulness=5 - (number % 3 == 0), quality=5 - (number % 4 == 0)))
        if present_days == 3:
            _add_certificate(past_cohort, user.id, today)
    programme = db.session.scalar(select(MentoringProgramme).where(MentoringProgramme.name == PROGRAMME))
    if programme is not None:
        held_at = local_time(workday(today - timedelta(days=9)), 10)
        members = db.session.scalars(select(Membership.user_id).join(Organisation).where(
            Organisation.name.in_(PROGRAMME_ORGANISATIONS)))
        db.session.add(MentoringSession(
            programme_id=programme.id, mentor_id=programme.mentors[0].user_id, kind=SessionKind.GROUP,
            starts_at=held_at, ends_at=held_at + timedelta(hours=2), place="Ruma, Dnevni boravak", capacity=20,
            agenda="Prvi susret: ciljevi mentorstva i plan rada.",
            participants=[SessionParticipant(user_id=user_id, partstat="ACCEPTED", attended=True) for user_id in members],
        ))
    db.session.flush()
