"""Institution scoping in the data layer.

Models that belong to an institution use :class:`InstitutionScopedManager` as their default
manager. Its plain queryset refuses to run: a query must say for which institution it is
(``Model.objects.for_institution(inst)``), or say out loud that it crosses institutions
(``Model.objects.unscoped()``, for the hub operator's pages, tasks and the demo). Related
managers (``institution.units.all()``, ``user.memberships.all()``) are scoped by the object they
start from, which the caller already holds.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


class ScopeError(RuntimeError):
    """A query of institution data that does not say for which institution it is."""


class InstitutionScopedManager(models.Manager[M], Generic[M]):
    #: The lookup from the model to its institution: ``"institution"``, ``"unit__institution"``.
    scope_field = "institution"

    def __init__(self, scope_field: str | None = None) -> None:
        super().__init__()
        if scope_field is not None:
            self.scope_field = scope_field

    def get_queryset(self) -> models.QuerySet[M]:
        if self._is_related_manager():
            return super().get_queryset()
        raise ScopeError(
            f"{self.model.__name__} is institution data: use "
            f".for_institution(institution) or .unscoped()"
        )

    def for_institution(self, institution: Any) -> models.QuerySet[M]:
        if institution is None or getattr(institution, "pk", institution) is None:
            raise ScopeError("for_institution() needs an institution")
        return super().get_queryset().filter(**{self.scope_field: institution})

    def create(self, **kwargs: Any) -> M:
        # Creating a row reads nothing, so it needs no scope.
        return self.unscoped().create(**kwargs)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[M]:
        return self.unscoped().bulk_create(objs, *args, **kwargs)

    def unscoped(self) -> models.QuerySet[M]:
        """All institutions' rows. Only for cross-institution work that is allowed to see them."""
        return super().get_queryset()

    def _is_related_manager(self) -> bool:
        # Django builds a related manager (``institution.units``) as a subclass of this class
        # with ``instance`` set to the object it starts from.
        return getattr(self, "instance", None) is not None
