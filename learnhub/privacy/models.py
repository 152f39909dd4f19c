from datetime import datetime

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnhub.extensions import Model
from learnhub.people.models import User
from learnhub.timeutil import utcnow


class ErasureRequest(Model):
    """A person asked to be forgotten; an institute admin completes it by anonymising them."""

    __table_args__ = (
        # At most one open request per person.
        Index("uq_erasure_request_open", "user_id", unique=True,
              postgresql_where=text("completed_at IS NULL"), sqlite_where=text("completed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
