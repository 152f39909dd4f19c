"""Deterministic benchmark data, inserted in bulk, at scale ×1 or ×10.

    python bench/seed.py DATABASE_URL [--scale 1|10] [--anchor YYYY-MM-DD]

×1 is one shard: 50 organisations, 5,000 professionals, 60 learning sets (a published version with
its modules each), 200 cohorts with three sessions, 50,000 enrolments, 40 mentors in 10 programmes
with 20,000 sessions and their participants, 10,000 certificates. ×10 is ten shards. Shard 0 is the
same at both scales and holds the accounts the load test uses, so their own pages show the same rows
at ×1 and ×10 while the tables around them grow tenfold.

The database must be empty: the schema comes from the migrations (`flask db upgrade`), rows go in with
COPY on PostgreSQL and multi-row INSERTs elsewhere, with explicit ids so nothing is read back.
"""

import argparse
import base64
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from itertools import chain

from flask_migrate import upgrade
from sqlalchemy import JSON, Connection, Table

from learnhub import create_app
from learnhub.auth.passwords import hash_password
from learnhub.certification.status_list import LIST_SIZE
from learnhub.config import PROJECT_ROOT, Config, sqlalchemy_url
from learnhub.curriculum.files import LearningSetSource, load_tree
from learnhub.demo import MUNICIPALITIES
from learnhub.extensions import db
from learnhub.people.models import ServiceType

SEED = 2025
BENCH_PASSWORD = "bench-password-2025"

ORGANISATIONS = 50
PROFESSIONALS = 5_000
LEARNING_SETS = 60
COHORTS = 200
ENROLMENTS_PER_COHORT = 250  # 50,000 per shard
TRAINERS = 20
MENTORS = 40
PROGRAMMES = 10  # four mentors and five organisations each
SESSIONS_PER_MENTOR = 500  # 20,000 per shard
CERTIFICATES = 10_000

# What the load test drives, the same at every scale.
BOOKING_MENTORS = 40
BENCH_MENTEES = 50
OPEN_COHORTS = 60
GROUP_SESSIONS = 40  # upcoming group sessions every bench mentee is invited to (answering)
HISTORY_SESSIONS = 5_000  # one mentee's mentoring history, four and a half years of it (their feed)

FIRST_NAMES = ["Ana", "Marko", "Jelena", "Nikola", "Milica", "Stefan", "Ivana", "Lejla", "Amra", "Emir", "Dragana",
               "Miloš", "Sanja", "Dejan", "Tijana", "Haris", "Selma", "Vesna", "Goran", "Marija"]
LAST_NAMES = ["Jovanović", "Petrović", "Nikolić", "Marković", "Đorđević", "Stojanović", "Ilić", "Hodžić", "Begović",
              "Kovačević", "Popović", "Mehmedović", "Savić", "Lukić", "Babić"]
ORGANISATION_KINDS = {
    ServiceType.CENTRE_FOR_SOCIAL_WORK: "Centar za socijalni rad",
    ServiceType.DAY_CARE_CHILDREN_DISABILITIES: "Dnevni boravak",
    ServiceType.HOME_HELP: "Pomoć u kući",
    ServiceType.FAMILY_COUNSELLING: "Savetovalište za brak i porodicu",
    ServiceType.PSYCHOSOCIAL_SUPPORT: "Psihosocijalna podrška",
    ServiceType.MENTAL_HEALTH_CENTRE: "Centar za mentalno zdravlje",
    ServiceType.CRISIS_SERVICE: "Kuća oporavka",
}
PARTSTATS = ["ACCEPTED", "ACCEPTED", "ACCEPTED", "NEEDS-ACTION", "TENTATIVE", "DECLINED"]


class BulkWriter:
    """Rows as dicts into a table, on PostgreSQL by COPY; Python-side column defaults are filled in."""

    BATCH = 5_000

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.is_postgresql = connection.dialect.name == "postgresql"
        self.counts: dict[str, int] = defaultdict(int)

    def insert(self, table: Table, rows: Iterable[dict]) -> None:
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return
        names, fills = _column_plan(table, first)
        values = ([row.get(name, fills.get(name)) for name in names] for row in chain([first], rows))
        if self.is_postgresql:
            self._copy(table, names, values)
        else:
            batch = []
            for row in values:
                batch.append(dict(zip(names, row)))
                if len(batch) == self.BATCH:
                    self._execute(table, batch)
                    batch = []
            if batch:
                self._execute(table, batch)

    def _execute(self, table: Table, batch: list[dict]) -> None:
        self.connection.execute(table.insert(), batch)
        self.counts[table.name] += len(batch)

    def _copy(self, table: Table, names: list[str], values: Iterator[list]) -> None:
        is_json = [isinstance(table.c[name].type, JSON) for name in names]
        columns = ", ".join(f'"{name}"' for name in names)
        driver = self.connection.connection.driver_connection
        count = 0
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in values:
                copy.write_row([json.dumps(v) if j and v is not None else v for v, j in zip(row, is_json)])
                count += 1
        self.counts[table.name] += count

    def reset_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences at 1; the app's own inserts must continue after them."""
        if not self.is_postgresql:
            return
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key:
                self.connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table.name}\"), false)")


def _column_plan(table: Table, row: dict) -> tuple[list[str], dict]:
    """The columns to write, and the value of each that the rows leave out (its Python-side default)."""
    names, fills = [], {}
    for column in table.columns:
        if column.name in row:
            names.append(column.name)
        elif column.default is not None:
            names.append(column.name)
            fills[column.name] = column.default.arg if column.default.is_scalar else column.default.arg(None)
        elif not column.nullable and column.server_default is None:
            raise ValueError(f"bench/seed.py gives no value for {table.name}.{column.name}, which is NOT NULL")
    return names, fills


@dataclass
class Ids:
    """Explicit primary keys, handed out in blocks per table."""

    next_id: dict[str, int] = field(default_factory=lambda: defaultdict(lambda: 1))

    def take(self, table: str, count: int = 1) -> int:
        first = self.next_id[table]
        self.next_id[table] += count
        return first


@dataclass
class World:
    writer: BulkWriter
    ids: Ids
    anchor: datetime  # midnight UTC of the day the data is built around
    password_hash: str
    municipality_ids: list[int]
    sources: list[LearningSetSource]
    tables: dict[str, Table] = field(default_factory=lambda: db.metadata.tables)

    def insert(self, table: str, rows: Iterable[dict]) -> None:
        self.writer.insert(self.tables[table], rows)


def _user(world: World, user_id: int, email: str, name: str, language: str) -> dict:
    return {"id": user_id, "email": email, "display_name": name, "password_hash": world.password_hash,
            "preferred_language": language, "time_zone": "Europe/Sarajevo" if language == "bs" else "Europe/Belgrade",
            "is_active_account": True, "created_at": world.anchor - timedelta(days=400)}


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _language(rng: random.Random) -> str:
    return rng.choices(["sr_Latn", "sr_Cyrl", "bs", "en"], weights=[5, 2, 2, 1])[0]


def _learning_set(world: World, slug: str, source: LearningSetSource, label: str) -> int:
    """A learning set with one published version and the modules of `source`; returns the version id."""
    set_id, version_id = world.ids.take("learning_set"), world.ids.take("learning_set_version")
    published_at = world.anchor - timedelta(days=500)
    world.insert("learning_set", [{"id": set_id, "slug": slug, "created_at": published_at}])
    world.insert("learning_set_version", [{
        "id": version_id, "learning_set_id": set_id, "number": 1, "state": "published",
        "title": {lang: f"{text} ({label})" for lang, text in source.title.items()}, "summary": source.summary,
        "audience": source.audience, "hours": source.hours, "cpd_points": source.cpd_points,
        "certification": source.certification.to_mapping(), "created_at": published_at, "published_at": published_at,
    }])
    world.insert("version_service_type", [{"version_id": version_id, "service_type": s} for s in source.service_types])
    world.insert("version_language", [{"version_id": version_id, "language": lang} for lang in source.languages])
    world.insert("module", [{
        "id": world.ids.take("module"), "version_id": version_id, "slug": m.slug, "position": m.position,
        "title": m.title, "duration_minutes": m.duration_minutes, "is_required": m.is_required,
        "outcomes": m.outcomes, "body": m.body,
    } for m in source.modules])
    return version_id


def _cohort_sessions(world: World, cohort_id: int, starts_on: date, place: str, online_url: str) -> list[dict]:
    return [{"id": world.ids.take("cohort_session"), "cohort_id": cohort_id,
             "starts_at": datetime.combine(starts_on + timedelta(days=day), clock(8)),
             "ends_at": datetime.combine(starts_on + timedelta(days=day), clock(12)),
             "place": place, "online_url": online_url} for day in range(3)]


def _mentor_profile(world: World, user_id: int, windows: list[tuple[int, clock, clock]], **rules: int) -> None:
    world.insert("mentor_profile", [{"user_id": user_id, **rules}])
    world.insert("availability_window", [{"id": world.ids.take("availability_window"), "mentor_id": user_id,
                                          "weekday": weekday, "start": start, "end": end}
                                         for weekday, start, end in windows])


def seed_shard(world: World, shard: int) -> dict:
    """One ×1 slice of the institute; returns the ids and codes the load test needs from shard 0."""
    rng = random.Random(SEED * 100 + shard)
    anchor, today = world.anchor, world.anchor.date()
    named = {"professional": 0, "trainer": 0, "mentor": 0} if shard == 0 else {}

    # --- people and organisations ---
    first_professional = world.ids.take("user", PROFESSIONALS)
    first_trainer = world.ids.take("user", TRAINERS)
    first_mentor = world.ids.take("user", MENTORS)
    users, roles = [], []
    for kind, first, count in (("professional", first_professional, PROFESSIONALS),
                               ("trainer", first_trainer, TRAINERS), ("mentor", first_mentor, MENTORS)):
        for index in range(count):
            is_named = named.get(kind) == index
            email = f"{kind}@bench.example" if is_named else f"{kind}.{shard}.{index}@bench.example"
            users.append(_user(world, first + index, email, _name(rng), "sr_Latn" if is_named else _language(rng)))
            roles.append({"user_id": first + index, "role": kind})
    world.insert("user", users)
    world.insert("user_role", roles)

    first_organisation = world.ids.take("organisation", ORGANISATIONS)
    organisations, services = [], []
    for index in range(ORGANISATIONS):
        kinds = rng.sample(list(ORGANISATION_KINDS), rng.choice([1, 1, 2]))
        municipality_id = rng.choice(world.municipality_ids)
        organisations.append({"id": first_organisation + index,
                              "name": f"{ORGANISATION_KINDS[kinds[0]]} {shard}.{index}",
                              "municipality_id": municipality_id, "created_at": anchor - timedelta(days=600)})
        services += [{"organisation_id": first_organisation + index, "service_type": kind.value} for kind in kinds]
    world.insert("organisation", organisations)
    world.insert("organisation_service", services)
    first_membership = world.ids.take("membership", PROFESSIONALS)
    world.insert("membership", ({
        "id": first_membership + index, "user_id": first_professional + index,
        "organisation_id": first_organisation + index % ORGANISATIONS,
        "role": "org_admin" if ORGANISATIONS <= index < 2 * ORGANISATIONS else "member",
        "created_at": anchor - timedelta(days=500),
    } for index in range(PROFESSIONALS)))

    # --- curriculum ---
    versions = []
    for index in range(LEARNING_SETS):
        source = world.sources[index % len(world.sources)]
        version_id = _learning_set(world, f"{source.slug}-{shard}-{index}", source, f"{shard}.{index}")
        versions.append((version_id, source))

    # --- cohorts and enrolments ---
    first_cohort = world.ids.take("cohort", COHORTS)
    cohorts, trainers, sessions, enrolments, certifiable = [], [], [], [], []
    for index in range(COHORTS):
        cohort_id = first_cohort + index
        version_id, source = versions[index % LEARNING_SETS]
        is_online = rng.random() < 0.3
        starts_on = today + timedelta(days=rng.randint(-300, 150))
        is_full = index % 4 == 0
        enrolled = 230 if is_full else 235
        opens_at = datetime.combine(starts_on - timedelta(days=90), clock(8))
        trainer_id = first_trainer + index % TRAINERS
        cohorts.append({
            "id": cohort_id, "version_id": version_id, "name": f"Grupa {shard}.{index}",
            "municipality_id": None if is_online else rng.choice(world.municipality_ids), "is_online": is_online,
            "language": rng.choice(["sr_Latn", "bs"]), "starts_on": starts_on, "ends_on": starts_on + timedelta(days=2),
            "capacity": enrolled if is_full else 260, "seats_taken": enrolled, "enrolment_opens_at": opens_at,
            "enrolment_closes_at": opens_at + timedelta(days=88), "approver": "none", "promotion_policy": "first_come",
            "allowed_service_types": [], "records_perspective": False, "auto_issue_certificates": False,
            "created_at": opens_at - timedelta(days=10),
        })
        trainers.append({"cohort_id": cohort_id, "user_id": trainer_id})
        sessions += _cohort_sessions(world, cohort_id, starts_on, "" if is_online else f"Sala {index}",
                                     "https://meet.example.org/bench" if is_online else "")
        first_enrolment = world.ids.take("enrolment", ENROLMENTS_PER_COHORT)
        participants = rng.sample(range(PROFESSIONALS), ENROLMENTS_PER_COHORT)
        for position, professional in enumerate(participants):
            status = "enrolled" if position < enrolled else (
                "waitlisted" if is_full and position < enrolled + 10 else "withdrawn")
            created_at = opens_at + timedelta(minutes=position * 7)
            enrolments.append({
                "id": first_enrolment + position, "cohort_id": cohort_id, "user_id": first_professional + professional,
                "organisation_id": first_organisation + professional % ORGANISATIONS, "version_id": version_id,
                "status": status, "enrolled_by_id": first_professional + professional, "created_at": created_at,
                "decided_at": created_at, "reason": "",
            })
            if status == "enrolled" and starts_on + timedelta(days=2) < today:
                certifiable.append((first_enrolment + position, enrolments[-1], starts_on, trainer_id, source))
    world.insert("cohort", cohorts)
    world.insert("cohort_trainer", trainers)
    world.insert("cohort_session", sessions)
    world.insert("enrolment", enrolments)

    # --- certificates ---
    first_certificate = world.ids.take("certificate", CERTIFICATES)
    first_event = world.ids.take("certificate_event", CERTIFICATES)
    certificates, events = [], []
    # Distinct random places in the revocation status lists, kept at most half full as the app keeps them;
    # each shard has lists of its own, so no two shards draw the same place.
    span = LIST_SIZE * (1 + CERTIFICATES // (LIST_SIZE // 2))
    status_indexes = rng.sample(range(shard * span, (shard + 1) * span), CERTIFICATES)
    for offset, (_id, enrolment, starts_on, trainer_id, source) in enumerate(rng.sample(certifiable, CERTIFICATES)):
        issued_at = datetime.combine(starts_on + timedelta(days=3), clock(10))
        months = source.certification.validity_months
        certificates.append({
            "id": first_certificate + offset, "code": base64.b32encode(rng.randbytes(20)).decode(),
            "holder_id": enrolment["user_id"], "version_id": enrolment["version_id"],
            "cohort_id": enrolment["cohort_id"], "issued_at": issued_at,
            "expires_at": issued_at + timedelta(days=30 * months) if months else None,
            "cpd_points": source.cpd_points, "issuer_id": trainer_id, "is_override": False, "revoked_note": "",
            "revoked_public_reason": "", "status_index": status_indexes[offset],
        })
        events.append({"id": first_event + offset, "certificate_id": first_certificate + offset, "actor_id": trainer_id,
                       "action": "issued", "reason": "", "created_at": issued_at})
    world.insert("certificate", certificates)
    world.insert("certificate_event", events)

    # --- mentoring ---
    first_programme = world.ids.take("mentoring_programme", PROGRAMMES)
    world.insert("mentoring_programme", [{
        "id": first_programme + p, "name": f"Mentorstvo {shard}.{p}",
        "service_type": rng.choice(list(ServiceType)).value, "learning_set_id": None,
        "starts_on": today - timedelta(days=400), "ends_on": today + timedelta(days=400),
        "created_at": anchor - timedelta(days=410),
    } for p in range(PROGRAMMES)])
    mentors_per_programme, organisations_per_programme = MENTORS // PROGRAMMES, ORGANISATIONS // PROGRAMMES
    world.insert("programme_mentor", [{"programme_id": first_programme + m // mentors_per_programme,
                                       "user_id": first_mentor + m} for m in range(MENTORS)])
    world.insert("programme_organisation", [{"programme_id": first_programme + o // organisations_per_programme,
                                             "organisation_id": first_organisation + o} for o in range(ORGANISATIONS)])
    for m in range(MENTORS):
        weekdays = sorted(rng.sample(range(5), rng.randint(3, 5)))
        _mentor_profile(world, first_mentor + m,
                        [(d, clock(9), clock(13)) for d in weekdays] + [(d, clock(14), clock(17)) for d in weekdays],
                        slot_minutes=60, buffer_minutes=15, min_notice_hours=24, max_days_ahead=30,
                        max_sessions_per_mentee_per_month=2)

    first_session = world.ids.take("mentoring_session", MENTORS * SESSIONS_PER_MENTOR)
    mentoring, participants = [], []
    for m in range(MENTORS):
        programme = m // mentors_per_programme
        pool = [first_professional + i for i in range(PROFESSIONALS)
                if i % ORGANISATIONS // organisations_per_programme == programme]
        # Two-hour steps from a year back to two months ahead, so one mentor's sessions never overlap.
        for number, step in enumerate(sorted(rng.sample(range(426 * 5), SESSIONS_PER_MENTOR))):
            session_id = first_session + m * SESSIONS_PER_MENTOR + number
            starts_at = anchor + timedelta(days=step // 5 - 365, hours=7 + 2 * (step % 5))
            is_group, is_cancelled = rng.random() < 0.3, rng.random() < 0.05
            mentoring.append({
                "id": session_id, "programme_id": first_programme + programme, "mentor_id": first_mentor + m,
                "kind": "group" if is_group else "individual", "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=2 if is_group else 1),
                "place": "Zavod za socijalnu zaštitu" if is_group else "", "online_url": "" if is_group else
                "https://meet.example.org/mentoring", "agenda": "Primena naučenog u praksi; razmena iskustava."
                if is_group else "", "capacity": 12 if is_group else None,
                "status": "cancelled" if is_cancelled else "scheduled", "sequence": 1 if is_cancelled else 0,
                "cancel_reason": "Mentor je bolestan." if is_cancelled else "",
                "created_at": starts_at - timedelta(days=20),
            })
            is_past = starts_at < anchor and not is_cancelled
            for user_id in rng.sample(pool, 6 if is_group else 1):
                participants.append({
                    "id": world.ids.take("session_participant"), "session_id": session_id, "user_id": user_id,
                    "partstat": rng.choice(PARTSTATS) if is_group else "ACCEPTED",
                    "attended": (rng.random() < 0.85) if is_past else None,
                })
    world.insert("mentoring_session", mentoring)
    world.insert("session_participant", participants)

    roster = [e for e in enrolments if e["cohort_id"] == first_cohort and e["status"] == "enrolled"]
    return {
        "learning_set_slug": f"{versions[0][1].slug}-{shard}-0", "roster_cohort_id": first_cohort,
        "roster_session_ids": [s["id"] for s in sessions if s["cohort_id"] == first_cohort],
        "roster_enrolment_ids": [e["id"] for e in roster],
        "programme_id": first_programme, "mentor_id": first_mentor, "certificate_code": certificates[0]["code"],
        "certificate_id": first_certificate,
        # The first organisation's admin (memberships ORGANISATIONS … 2 × ORGANISATIONS - 1 are admins).
        "org_admin": f"professional.{shard}.{ORGANISATIONS}@bench.example", "organisation_id": first_organisation,
    }


def seed_load_test_accounts(world: World) -> dict:
    """An institute admin, 40 mentors to book and 60 open cohorts to enrol in, for 50 mentees to use.

    Booking mentors offer an hour every hour from 06:00 to 18:00 every day, two weeks ahead, without
    notice or buffer, so thousands of distinct free slots exist and each booking POST does real work.
    """
    anchor, today = world.anchor, world.anchor.date()
    admin_id = world.ids.take("user")
    first_mentee = world.ids.take("user", BENCH_MENTEES)
    first_mentor = world.ids.take("user", BOOKING_MENTORS)
    world.insert("user", [_user(world, admin_id, "admin@bench.example", "Jelena Marković", "sr_Latn")]
                 + [_user(world, first_mentee + j, f"mentee.{j}@bench.example", f"Mentee {j}", "sr_Latn")
                    for j in range(BENCH_MENTEES)]
                 + [_user(world, first_mentor + m, f"booking-mentor.{m}@bench.example", f"Mentor {m}", "sr_Latn")
                    for m in range(BOOKING_MENTORS)])
    world.insert("user_role", [{"user_id": admin_id, "role": "institute_admin"}]
                 + [{"user_id": first_mentee + j, "role": "professional"} for j in range(BENCH_MENTEES)]
                 + [{"user_id": first_mentor + m, "role": "mentor"} for m in range(BOOKING_MENTORS)])
    organisation_id = world.ids.take("organisation")
    world.insert("organisation", [{"id": organisation_id, "name": "Pomoć u kući (bench)",
                                   "municipality_id": world.municipality_ids[0], "created_at": anchor}])
    world.insert("organisation_service", [{"organisation_id": organisation_id, "service_type": "home_help"}])
    world.insert("membership", [{"id": world.ids.take("membership"), "user_id": first_mentee + j,
                                 "organisation_id": organisation_id, "role": "member", "created_at": anchor}
                                for j in range(BENCH_MENTEES)])

    programme_id = world.ids.take("mentoring_programme")
    world.insert("mentoring_programme", [{
        "id": programme_id, "name": "Mentorstvo (bench)", "service_type": "home_help",
        "starts_on": today - timedelta(days=30), "ends_on": today + timedelta(days=365), "created_at": anchor}])
    world.insert("programme_mentor", [{"programme_id": programme_id, "user_id": first_mentor + m}
                                      for m in range(BOOKING_MENTORS)])
    world.insert("programme_organisation", [{"programme_id": programme_id, "organisation_id": organisation_id}])
    for m in range(BOOKING_MENTORS):
        _mentor_profile(world, first_mentor + m, [(d, clock(6), clock(18)) for d in range(7)], slot_minutes=60,
                        buffer_minutes=0, min_notice_hours=0, max_days_ahead=14, max_sessions_per_mentee_per_month=31)

    group_session_ids = _group_sessions(world, programme_id, first_mentor, first_mentee)
    history_email = _history(world, programme_id, organisation_id)

    version_id = _learning_set(world, "bench-open-cohorts", world.sources[0], "bench")
    first_cohort = world.ids.take("cohort", OPEN_COHORTS)
    starts_on = today + timedelta(days=90)
    world.insert("cohort", [{
        "id": first_cohort + c, "version_id": version_id, "name": f"Otvorena grupa {c}", "municipality_id": None,
        "is_online": True, "language": "sr_Latn", "starts_on": starts_on, "ends_on": starts_on + timedelta(days=2),
        "capacity": 30, "seats_taken": 0, "enrolment_opens_at": anchor - timedelta(days=30),
        "enrolment_closes_at": anchor + timedelta(days=60), "approver": "none", "promotion_policy": "first_come",
        "allowed_service_types": [], "records_perspective": False, "auto_issue_certificates": False,
        "created_at": anchor - timedelta(days=31),
    } for c in range(OPEN_COHORTS)])
    world.insert("cohort_session", [s for c in range(OPEN_COHORTS) for s in _cohort_sessions(
        world, first_cohort + c, starts_on, "", "https://meet.example.org/bench")])
    return {
        "admin": "admin@bench.example", "mentees": [f"mentee.{j}@bench.example" for j in range(BENCH_MENTEES)],
        "booking_programme_id": programme_id,
        "booking_mentor_ids": [first_mentor + m for m in range(BOOKING_MENTORS)],
        "open_cohort_ids": [first_cohort + c for c in range(OPEN_COHORTS)],
        "group_session_ids": group_session_ids, "history_mentee": history_email,
    }


def _group_sessions(world: World, programme_id: int, first_mentor: int, first_mentee: int) -> list[int]:
    """Evening group sessions of the booking mentors (outside their bookable hours), every bench mentee
    invited and not yet answering, with room for all."""
    first_session = world.ids.take("mentoring_session", GROUP_SESSIONS)
    sessions, participants = [], []
    for number in range(GROUP_SESSIONS):
        starts_at = world.anchor + timedelta(days=3 + number % 10, hours=19)
        sessions.append({
            "id": first_session + number, "programme_id": programme_id, "mentor_id": first_mentor + number,
            "kind": "group", "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1, minutes=30),
            "place": "Zavod za socijalnu zaštitu", "online_url": "", "agenda": "Razmena iskustava.",
            "capacity": BENCH_MENTEES + 10, "status": "scheduled", "sequence": 0, "cancel_reason": "",
            "created_at": world.anchor - timedelta(days=7), "changed_at": world.anchor - timedelta(days=7)})
        participants += [{"id": world.ids.take("session_participant"), "session_id": first_session + number,
                          "user_id": first_mentee + j, "partstat": "NEEDS-ACTION"} for j in range(BENCH_MENTEES)]
    world.insert("mentoring_session", sessions)
    world.insert("session_participant", participants)
    return [first_session + number for number in range(GROUP_SESSIONS)]


def _history(world: World, programme_id: int, organisation_id: int) -> str:
    """A mentee with HISTORY_SESSIONS sessions, one every eight hours up to two months ahead, with their
    own mentor (so no load-test booking meets them)."""
    mentee_id, mentor_id = world.ids.take("user"), world.ids.take("user")
    world.insert("user", [_user(world, mentee_id, "history@bench.example", "Vesna Ilić", "sr_Latn"),
                          _user(world, mentor_id, "history-mentor@bench.example", "Goran Savić", "sr_Latn")])
    world.insert("user_role", [{"user_id": mentee_id, "role": "professional"}, {"user_id": mentor_id, "role": "mentor"}])
    world.insert("membership", [{"id": world.ids.take("membership"), "user_id": mentee_id,
                                 "organisation_id": organisation_id, "role": "member", "created_at": world.anchor}])
    world.insert("programme_mentor", [{"programme_id": programme_id, "user_id": mentor_id}])
    first_session = world.ids.take("mentoring_session", HISTORY_SESSIONS)
    last_start = world.anchor + timedelta(days=60, hours=9)
    sessions, participants = [], []
    for number in range(HISTORY_SESSIONS):
        starts_at = last_start - timedelta(hours=8 * (HISTORY_SESSIONS - 1 - number))
        sessions.append({
            "id": first_session + number, "programme_id": programme_id, "mentor_id": mentor_id, "kind": "individual",
            "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1), "place": "",
            "online_url": "https://meet.example.org/mentoring", "agenda": "", "capacity": None, "status": "scheduled",
            "sequence": 0, "cancel_reason": "", "created_at": starts_at - timedelta(days=14),
            "changed_at": starts_at - timedelta(days=14)})
        participants.append({"id": world.ids.take("session_participant"), "session_id": first_session + number,
                             "user_id": mentee_id, "partstat": "ACCEPTED",
                             "attended": True if starts_at < world.anchor else None})
    world.insert("mentoring_session", sessions)
    world.insert("session_participant", participants)
    return "history@bench.example"


def seed(database_url: str, scale: int, anchor: date) -> dict:
    """Migrate an empty database and fill it; returns what the load test needs (accounts, ids, codes)."""
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = sqlalchemy_url(database_url)
    app = create_app(config)
    with app.app_context():
        upgrade()
        password_hash = hash_password(BENCH_PASSWORD)  # once: scrypt costs ~0.1 s per call
        with db.engine.begin() as connection:
            writer = BulkWriter(connection)
            world = World(writer, Ids(), datetime.combine(anchor, clock()), password_hash, [],
                          load_tree(PROJECT_ROOT / "curriculum"))
            municipalities = [(country, name) for country, names in MUNICIPALITIES.items() for name in names]
            world.municipality_ids = list(range(1, len(municipalities) + 1))
            world.insert("municipality", [{"id": i, "name": name, "country": country}
                                          for i, (country, name) in enumerate(municipalities, start=1)])
            fixtures = [seed_shard(world, shard) for shard in range(scale)][0]
            fixtures |= seed_load_test_accounts(world)
            writer.reset_sequences()
        if writer.is_postgresql:
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")  # fresh statistics, as a running database has
        db.engine.dispose()
    return {"password": BENCH_PASSWORD, "password_hash": password_hash, "professional": "professional@bench.example",
            "trainer": "trainer@bench.example", "mentor": "mentor@bench.example", **fixtures,
            "rows": dict(sorted(writer.counts.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1)
    parser.add_argument("--anchor", type=date.fromisoformat, default=datetime.now(UTC).date(),
                        help="the day the data is built around (default: today, UTC)")
    args = parser.parse_args()
    started = time.perf_counter()
    fixtures = seed(args.database_url, args.scale, args.anchor)
    json.dump(fixtures, sys.stdout, indent=2)
    print(f"\nseeded ×{args.scale} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
