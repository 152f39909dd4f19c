from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from flask import has_request_context, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from learnhub.audit.models import AuditAction, AuditEntry
from learnhub.extensions import db
from learnhub.timeutil import end_of_day

if TYPE_CHECKING:  # audit sits below people: names only, no import
    from learnhub.people.models import User

# Values under keys like these never reach the log, whatever a caller passes.
_SECRET_MARKERS = ("password", "token", "secret", "hash")


def _without_secrets(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {key: (_without_secrets(value) if isinstance(value, dict) else value)
            for key, value in values.items() if not any(marker in key.lower() for marker in _SECRET_MARKERS)}


def record(action: AuditAction, actor: "User | None", *, subject_user_id: int | None = None, record_type: str = "",
           record_id: int | None = None, before: dict | None = None, after: dict | None = None) -> AuditEntry:
    """Add an entry to the request's transaction, so it lands exactly when the change it describes does."""
    entry = AuditEntry(
        action=action, actor_id=actor.id if actor else None, subject_user_id=subject_user_id,
        record_type=record_type, record_id=record_id, before=_without_secrets(before), after=_without_secrets(after),
        # The client address behind the proxies the app trusts (TRUSTED_PROXY_COUNT in config).
        ip_address=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    person_email: str | None = None  # as actor or as the person the record is about
    since: date | None = None
    until: date | None = None


def entries(filters: AuditFilter, page: int, per_page: int) -> Pagination:
    statement = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.person_email:
        email = filters.person_email.strip().lower()
        statement = statement.where(AuditEntry.actor.has(email=email) | AuditEntry.subject_user.has(email=email))
    if filters.since:
        statement = statement.where(AuditEntry.created_at >= datetime.combine(filters.since, time()))
    if filters.until:
        statement = statement.where(AuditEntry.created_at <= end_of_day(filters.until))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def entries_about(user: "User") -> list[AuditEntry]:
    """Everything the log holds on one person, for their personal-data download."""
    return list(db.session.scalars(select(AuditEntry).where(
        (AuditEntry.actor_id == user.id) | (AuditEntry.subject_user_id == user.id)).order_by(AuditEntry.id)))
