"""Demo data drawn from the field reports: municipalities, providers and one account per role."""

from sqlalchemy import select

from learnhub.auth.services import hash_password
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


def seed_demo() -> list[tuple[str, str]]:
    """Create what is missing and leave what exists: running it twice changes nothing."""
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
    return listed
