"""Report tables. Each table's rows are one dataclass whose fields, in order, are its columns: a field says
its heading where it is declared (`column`), so a new column is a new field, set where the rows are built."""

from dataclasses import Field, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask_babel import LazyString

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Cell = str | int | float | None
R = TypeVar("R", bound="DataclassInstance")


def column(heading: LazyString | str, *, mentoring: bool = False) -> Any:
    """A row field shown under `heading`. A mentoring column is shown only where the report shows mentoring
    (not to trainers), and is 0 where it is not."""
    if mentoring:
        return field(default=0, metadata={"heading": heading, "mentoring": True})
    return field(metadata={"heading": heading, "mentoring": False})


@dataclass
class Table(Generic[R]):
    key: str  # the name in export URLs and sheet order
    title: str
    row_type: type[R]
    rows: list[R]
    shows_mentoring: bool = True
    headings: dict[str, str] = field(default_factory=dict)  # by field name, where this table says it otherwise
    total: int = 0  # rows in the whole table, when a page's copy keeps only the first few

    def __post_init__(self) -> None:
        self.total = self.total or len(self.rows)

    @property
    def _shown(self) -> list[Field]:
        return [f for f in fields(self.row_type)
                if "heading" in f.metadata and (self.shows_mentoring or not f.metadata["mentoring"])]

    @property
    def columns(self) -> list[str]:
        """The headings, in the reader's language."""
        return [self.headings.get(f.name) or str(f.metadata["heading"]) for f in self._shown]

    @property
    def cells(self) -> list[list[Cell]]:
        """The rows as the page and the downloads show them, in the order of `columns`."""
        shown = self._shown
        return [[getattr(row, f.name) for f in shown] for row in self.rows]
