"""Fixed choices: enums whose members carry a translated label, and the column type that stores one."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from flask_babel import LazyString
from sqlalchemy import Enum


class LabelledEnum(StrEnum):
    """A StrEnum whose members each have a label, given once per enum in `__labels__` (keyed by the members
    as the class body names them) and translated when read. A member without a label, or a label without a
    member, fails when the module is imported."""

    _value_: str
    __labels__: ClassVar[Mapping[str, LazyString]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if set(cls.__labels__) != set(cls):
            raise TypeError(f"{cls.__name__}.__labels__ must name each member once")

    @property
    def label(self) -> str:
        return str(self.__labels__[self])

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) for a select field, in the order the enum declares its members."""
        return [(member.value, member.label) for member in cls]


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def stored_as_value(enum: type[StrEnum], length: int) -> Enum:
    """The column type of an enum kept as its value in a VARCHAR(length), as the columns always were: no
    database enum type and no CHECK constraint, so a new member needs no migration. Rows read back as members;
    writing a string that is no member's value fails."""
    return Enum(enum, native_enum=False, create_constraint=False, length=length, values_callable=_values,
                validate_strings=True)
