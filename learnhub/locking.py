"""Row locks for rules that must hold when people act at the same moment."""

from typing import TypeVar

from sqlalchemy.exc import IntegrityError, NoResultFound

from learnhub.extensions import Model, db

M = TypeVar("M", bound=Model)


def locked_or_none(model: type[M], row_id: int) -> M | None:
    """The row as the database has it now, locked until the transaction ends (FOR UPDATE on PostgreSQL;
    SQLite lets one writer in at a time anyway): what a parallel request changed is seen, not overwritten.
    Only this row is locked, not those its relationships load with it. None when there is no such row
    (a parallel request may have deleted it)."""
    return db.session.get(model, row_id, with_for_update={"of": model}, populate_existing=True)


def locked(model: type[M], row_id: int) -> M:
    """As `locked_or_none`, for a row that is never deleted."""
    row = locked_or_none(model, row_id)
    if row is None:
        raise NoResultFound(f"no {model.__name__} {row_id}")
    return row


def added_once(row: Model) -> bool:
    """Insert `row`, which a unique constraint allows only once (a reminder per session, person and lead
    time; a completed module): False, and nothing else undone, when it is there already — written by
    another worker, or by the first of two taps."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True
