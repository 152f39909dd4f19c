from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from learnhub.extensions import Model


class StoredFigures(Model):
    """A report's figures as the worker last computed them (reports/services.py, refresh_stored_figures):
    the institute dashboard shows them, with their time, when no cache holds newer ones."""

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # scope and filters
    computed_at: Mapped[datetime]
    figures: Mapped[dict] = mapped_column(JSON)
