"""Row locks for rules that must hold when people act at the same moment."""

from typing import TypeVar

from sqlalchemy import select

from learnhub.extensions import db

M = TypeVar("M", bound=db.Model)


def locked(model: type[M], row_id: int) -> M:
    """The row as the database has it now, locked until the transaction ends (FOR UPDATE on PostgreSQL;
    SQLite lets one writer in at a time anyway): what a parallel request changed is seen, not overwritten.
    Only this row is locked, not those its relationships load with it."""
    return db.session.scalars(select(model).where(model.id == row_id).with_for_update(of=model)
                              .execution_options(populate_existing=True)).unique().one()


def locked_or_none(model: type[M], row_id: int) -> M | None:
    """As `locked`, for a row that a parallel request may have deleted: None when it is gone."""
    return db.session.get(model, row_id, with_for_update={"of": model}, populate_existing=True)
