"""Problems found in a data dictionary, each located by sheet, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DictionaryProblem:
    """One problem of a data dictionary.

    ``row`` is the Excel row number (1-based) and ``column`` the column's name as in the spec;
    either is ``None`` where it does not apply.

    Example::

        >>> p = DictionaryProblem("Bestandsinhoud", 4, "Datatype", "onbekend datatype x",
        ...                       "unknown datatype x")
        >>> str(p)
        'Bestandsinhoud, rij 4, kolom Datatype: onbekend datatype x'
    """

    sheet: str | None
    row: int | None
    column: str | None
    nl: str
    en: str

    def message(self, lang: str = "nl") -> str:
        """The located message in ``lang``."""
        where = []
        if self.sheet:
            where.append(self.sheet)
        if self.row is not None:
            where.append(f"{'row' if lang == 'en' else 'rij'} {self.row}")
        if self.column:
            where.append(f"{'column' if lang == 'en' else 'kolom'} {self.column}")
        text = self.en if lang == "en" else self.nl
        if where:
            return f"{', '.join(where)}: {text}"
        return text[:1].upper() + text[1:]  # a sentence of its own

    def __str__(self) -> str:
        return self.message("nl")


class DictionaryError(ValueError):
    """A data dictionary that cannot be used; ``problems`` lists every problem found.

    Example::

        >>> error = DictionaryError([DictionaryProblem(None, None, None, "leeg", "empty")])
        >>> error.problems[0].en
        'empty'
    """

    def __init__(self, problems: list[DictionaryProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.text("nl"))

    def text(self, lang: str = "nl") -> str:
        """All problems, one per line."""
        return "\n".join(problem.message(lang) for problem in self.problems)


class Problems:
    """Collects problems while reading or checking a dictionary."""

    def __init__(self) -> None:
        self.items: list[DictionaryProblem] = []

    def add(self, sheet: str | None, row: int | None, column: str | None, nl: str, en: str) -> None:
        """Add one problem."""
        self.items.append(DictionaryProblem(sheet, row, column, nl, en))

    def raise_if_any(self) -> None:
        """Raise :class:`DictionaryError` when there are problems."""
        if self.items:
            raise DictionaryError(self.items)
