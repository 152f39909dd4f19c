"""Every domain's models, imported once so the metadata (and Alembic) sees all tables."""

from learnhub.audit.models import AuditEntry
from learnhub.auth.models import Invitation, LoginSession
from learnhub.certification.models import (
    AssessmentResult,
    Certificate,
    CertificateEvent,
    CpdActivity,
    ExpiryNotice,
    OrganisationRequirement,
)
from learnhub.courses.models import (
    Attendance,
    Cohort,
    CohortSession,
    CohortSessionReminder,
    CohortTrainer,
    Enrolment,
    Evaluation,
)
from learnhub.curriculum.models import (
    LearningSet,
    LearningSetVersion,
    Module,
    ModuleProgress,
    VersionLanguage,
    VersionServiceType,
)
from learnhub.mail.models import OutboxMessage
from learnhub.mentoring.models import (
    AvailabilityWindow,
    BusyCalendar,
    BusyInterval,
    CalendarFeed,
    ImplementationPlan,
    MentorDayOff,
    MentoringEvaluation,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    PlanAction,
    PlanRevision,
    ProgrammeMentee,
    ProgrammeMentor,
    ProgrammeOrganisation,
    ReminderSent,
    SessionNote,
    SessionParticipant,
)
from learnhub.people.models import Membership, Municipality, Organisation, OrganisationService, User, UserRole
from learnhub.privacy.models import ErasureRequest
from learnhub.reports.models import StoredFigures

__all__ = [
    "Attendance", "Cohort", "CohortSession", "CohortSessionReminder", "CohortTrainer", "Enrolment", "Evaluation",
    "Invitation",
    "LearningSet", "LearningSetVersion", "LoginSession", "Membership", "Module", "ModuleProgress",
    "Municipality", "Organisation", "OrganisationService", "OutboxMessage", "User", "UserRole",
    "VersionLanguage", "VersionServiceType", "AvailabilityWindow", "BusyCalendar", "BusyInterval", "CalendarFeed", "ImplementationPlan",
    "MentorDayOff", "MentoringProgramme", "MentoringSession", "MentorProfile", "PlanAction", "PlanRevision",
    "ProgrammeMentee", "ProgrammeMentor", "ProgrammeOrganisation", "ReminderSent", "SessionNote",
    "SessionParticipant", "AssessmentResult", "Certificate", "CertificateEvent", "CpdActivity", "ExpiryNotice",
    "OrganisationRequirement", "MentoringEvaluation", "AuditEntry", "ErasureRequest", "StoredFigures",
]
