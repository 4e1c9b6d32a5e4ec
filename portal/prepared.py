"""Reads compiled once per process: a queryset's SQL kept and run again with new parameter values.

Django builds and compiles a queryset's SQL every time it runs. For a small indexed read that is most of what
the read costs (about 0.35 ms of CPU here, against 0.1 ms for SQLite to answer it). The reads a hot page runs
on every request, with only a member's id or a day changing, can be compiled once instead::

    RECENT = Prepared(
        lambda member: Question.objects.filter(author_id=member).order_by("-pk").values_list("pk", "title")[:10],
        member=int,
    )
    RECENT.rows(member=7)  # [(pk, title), ...]: the values_list's rows, converted as it converts them

- `build` returns a `values_list()` queryset; it is called once per database connection vendor with stand-in
  values, compiled, and the stand-ins' places in the SQL parameters are remembered.
- A parameter must reach the SQL as a plain value: an equality or a comparison with a column. Inside LIKE,
  or in an IN list, it would be changed on the way and is refused when compiling, with an error naming it.
- Anything else the queryset holds is fixed at that first compile. Pass the current time, a day or a language
  as a parameter, never compute it inside `build`.
- Rows go through the compiler's own converters (dates and JSON on SQLite, for instance), so they equal what
  the queryset itself returns; `tests/portal/test_prepared.py` checks that against the ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesListIterable

# A stand-in per parameter kind: values no real query uses (n: the parameter's position). Integers stay within
# a positive 32-bit column's range: the ORM drops a comparison with a value outside the column's range.
_STAND_INS: dict[type, Callable[[int], Any]] = {
    int: lambda n: 2_000_000_000 + n,
    str: lambda n: f"\x1fprepared-{n}\x1f",
    date: lambda n: date(4, 3, n + 2),  # not 0001-01-01, a common "since ever"
    datetime: lambda n: datetime(4, 3, 2, 1, 0, n, tzinfo=UTC),
}


def _adapt(connection, kind: type, value: Any) -> Any:
    """The value as the ORM hands it to the database driver for a column of that kind (integers: see `_same`)."""
    if kind is datetime:
        return connection.ops.adapt_datetimefield_value(value)
    if kind is date:
        return connection.ops.adapt_datefield_value(value)
    return kind(value)


def _same(param: Any, adapted: Any) -> bool:
    """Whether a compiled parameter is the stand-in. On PostgreSQL the ORM hands integers over wrapped in
    psycopg's sized types (Int4, Int8: int subclasses), so integers compare by value, never a bool."""
    if isinstance(adapted, int) and not isinstance(adapted, bool):
        return isinstance(param, int) and not isinstance(param, bool) and param == adapted
    return type(param) is type(adapted) and param == adapted


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    places: dict[str, tuple[int, ...]]  # parameter name -> its positions in params
    compiler: Any  # applies the converters (read-only after compiling: safe to share between threads)
    converters: dict
    flat: bool


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        unknown = [name for name, kind in kinds.items() if kind not in _STAND_INS]
        if unknown:
            raise ImproperlyConfigured(f"Prepared: parameters {unknown} need a kind among int, str, date, datetime")
        self._build = build
        self._kinds = kinds
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, connection) -> _Compiled:
        stand_ins = {name: _STAND_INS[kind](n) for n, (name, kind) in enumerate(self._kinds.items())}
        queryset = self._build(**stand_ins)
        if queryset._iterable_class not in (ValuesListIterable, FlatValuesListIterable):
            raise ImproperlyConfigured("Prepared: build() must return a values_list() queryset")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = tuple(params)
        places = {}
        for name, stand_in in stand_ins.items():
            adapted = _adapt(connection, self._kinds[name], stand_in)
            found = tuple(index for index, param in enumerate(params) if _same(param, adapted))
            if not found:
                raise ImproperlyConfigured(
                    f"Prepared: parameter {name!r} does not reach the SQL as a plain value (LIKE, IN or a function?)"
                )
            places[name] = found
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        return _Compiled(sql, params, places, compiler, converters, queryset._iterable_class is FlatValuesListIterable)

    def rows(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list:
        """The rows for these parameter values: tuples, or single values for `values_list(flat=True)`."""
        if values.keys() != self._kinds.keys():
            raise TypeError(f"Prepared.rows() takes exactly {sorted(self._kinds)}")
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(connection)
        params = list(compiled.params)
        for name, value in values.items():
            adapted = _adapt(connection, self._kinds[name], value)
            for index in compiled.places[name]:
                # An integer takes the wrapper type the ORM gave it (psycopg's Int4 / Int8 on PostgreSQL).
                params[index] = type(params[index])(adapted) if isinstance(adapted, int) else adapted
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if compiled.converters:
            fetched = compiled.compiler.apply_converters(fetched, compiled.converters)
        if compiled.flat:
            return [row[0] for row in fetched]
        return [tuple(row) for row in fetched]
