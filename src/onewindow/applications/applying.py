"""The apply pages' form (one item, or a bundle's shared form): who the applicant may apply for,
what is filled in for them, what they typed, and the refusal to show beside each field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from onewindow.accounts.models import Agency, User
from onewindow.accounts.selectors import effective_agencies
from onewindow.applications import forms, rendering
from onewindow.catalog.models import ServiceItem
from onewindow.core.errors import DomainError


@dataclass
class ApplyForm:
    """One apply page's state: ``agencies`` are the applicant's authorisations that cover every
    item, ``enterprise`` the USCC they chose to apply for (empty: for themselves)."""

    user: User
    schema: dict[str, Any]
    agencies: list[Agency]
    enterprise: str
    prefilled: dict[str, Any]
    data: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200
    enterprise_user: User | None = None

    @classmethod
    def start(
        cls,
        request: HttpRequest,
        user: User,
        schema: dict[str, Any],
        items: Iterable[ServiceItem],
    ) -> ApplyForm:
        """The form as the page first shows it; ``?enterprise=`` (or the posted choice) picks
        the enterprise, whose details are then filled in."""
        items = list(items)
        agencies = [a for a in effective_agencies(user) if _covers_all(a, items)]
        uscc = request.POST.get("enterprise") or request.GET.get("enterprise") or ""
        enterprise = next((a.enterprise for a in agencies if a.enterprise.uscc == uscc), None)
        prefilled = forms.prefill(schema, user, enterprise)
        return cls(
            user, schema, agencies, uscc, prefilled, dict(prefilled), enterprise_user=enterprise
        )

    def read(self, request: HttpRequest) -> dict[str, Any]:
        """What was posted, typed by the schema; kept to show again if it is refused."""
        self.data = rendering.parse(
            self.schema, request.POST, list(self.schema.get("properties", {}))
        )
        # A required field the page filled in and the applicant emptied is asked for again, not
        # silently filled back from the account while the page shows it empty.
        required = set(self.schema.get("required", []))
        for name in self.prefilled:
            if name in required and name in request.POST and name not in self.data:
                self.data[name] = ""
        return self.data

    def require_complete(self) -> None:
        """The first step saves nothing until every required field is filled and right."""
        forms.require_complete(self.schema, self.data, self.user, self.enterprise_user)

    def refuse(
        self, error: DomainError, *, general: str = "data", status: int | None = None
    ) -> None:
        """Show ``error`` beside its fields (or, naming none, under ``general``)."""
        self.errors = error.fields or {general: [error.message]}
        self.status = status or error.status

    def context(self, token: str) -> dict[str, Any]:
        return {
            "fields": rendering.fields(self.schema, self.data, self.errors, set(self.prefilled)),
            "errors": self.errors,
            "token": token,
            "agencies": self.agencies,
            "enterprise": self.enterprise,
        }


def _covers_all(agency: Agency, items: list[ServiceItem]) -> bool:
    return all(agency.covers(i.basic_code) or agency.covers(i.implementation_code) for i in items)
