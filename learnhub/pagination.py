"""Pages of plain rows, for lists that show a few columns of several joined tables."""

from collections.abc import Callable
from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, Subquery, func

from learnhub.extensions import db


class RowPagination(SelectPagination):
    """Like `db.paginate`, for pages of plain rows rather than objects. `select` picks and orders the
    rows from one table; `columns(rows)` joins the page's rows (a subquery) to what the page shows, so the
    other tables are read for those rows only, not for all of them before sorting. Each result row
    becomes `make(*row)`. The total comes with the rows (a window count), so a page is one query; only a
    page past the end asks for the count on its own."""

    _total: int | None = None

    def _query_items(self) -> list[Any]:
        rows = (self._query_args["select"].add_columns(func.count().over().label("total"))
                .limit(self.per_page).offset(self._query_offset).subquery())
        found = self._query_args["session"].execute(self._query_args["columns"](rows).add_columns(rows.c.total)).all()
        if found:
            self._total = found[0][-1]
        make = self._query_args["make"]
        return [make(*row[:-1]) for row in found]

    def _query_count(self) -> int:
        return self._total if self._total is not None else super()._query_count()


def paginate_rows(statement: Select, columns: Callable[[Subquery], Select], make: Callable[..., Any],
                  page: int, per_page: int) -> RowPagination:
    return RowPagination(select=statement, columns=columns, make=make, session=db.session(), page=page,
                         per_page=per_page, error_out=False)
