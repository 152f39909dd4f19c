"""Pages of plain rows, for lists that show a few columns of several joined tables."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, Subquery, bindparam, func, select

from learnhub.extensions import db


@dataclass(frozen=True)
class RowPages:
    """A list's statements, built once (they take parameters, such as the cohort whose roster it is).

    `choose` picks and orders the rows from one table; `show(rows)` joins a page of them (a subquery) to
    what the page shows, so the other tables are read for those rows only, not for all of them before
    sorting. The total comes with the rows (a window count), so a page is one query."""

    page: Select
    count: Select

    @classmethod
    def of(cls, choose: Select, show: Callable[[Subquery], Select]) -> "RowPages":
        rows = (choose.add_columns(func.count().over().label("total"))
                .limit(bindparam("page_limit")).offset(bindparam("page_offset")).subquery())
        return cls(show(rows).add_columns(rows.c.total),
                   select(func.count()).select_from(choose.order_by(None).subquery()))


class RowPagination(Pagination):
    """Like `db.paginate`, for pages of plain rows rather than objects: each row becomes `make(**row)`, its
    columns passed by their labels, so templates read named fields. Only a page past the end asks for the
    count on its own."""

    _total: int | None = None

    def _query_items(self) -> list[Any]:
        pages, parameters = self._query_args["pages"], self._query_args["parameters"]
        found = db.session.execute(pages.page, parameters | {"page_limit": self.per_page,
                                                              "page_offset": self._query_offset}).mappings().all()
        if found:
            self._total = found[0]["total"]
        make = self._query_args["make"]
        return [make(**{label: value for label, value in row.items() if label != "total"}) for row in found]

    def _query_count(self) -> int:
        if self._total is None:
            self._total = db.session.scalar(self._query_args["pages"].count, self._query_args["parameters"])
        return self._total


def paginate_rows(pages: RowPages, parameters: dict, make: Callable[..., Any], page: int,
                  per_page: int) -> RowPagination:
    return RowPagination(pages=pages, parameters=parameters, make=make, page=page, per_page=per_page,
                         error_out=False)


class ListPagination(Pagination):
    """A page of a list whose rows are chosen in Python (filters that need every row's facts); a page
    past the end shows the last one."""

    def __init__(self, rows: list, page: int, per_page: int) -> None:
        last = max(1, -(-len(rows) // per_page))
        super().__init__(page=min(page, last), per_page=per_page, error_out=False, rows=rows)

    def _query_items(self) -> list[Any]:
        return self._query_args["rows"][self._query_offset:self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])
