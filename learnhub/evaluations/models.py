from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.timeutil import utcnow

RATINGS = ("accessibility", "usefulness", "quality")

RATINGS_CHECK = "accessibility BETWEEN 1 AND 5 AND usefulness BETWEEN 1 AND 5 AND quality BETWEEN 1 AND 5"


class EvaluationRatings:
    """The satisfaction survey's answers: 1–5 for accessibility, usefulness and quality, and a comment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    accessibility: Mapped[int]
    usefulness: Mapped[int]
    quality: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
