"""The apply pages' form (one item, or a bundle's shared form): who the applicant may apply for,
what is filled in for them, what they typed, and the refusal to show beside each field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

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
        if request.method == "GET" and not uscc and agencies and not Audience.of(items).natural:
            uscc = agencies[0].enterprise.uscc or ""  # legal persons only: the first they act for
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

    def switch_enterprise(self, request: HttpRequest) -> None:
        """The applicant chose another enterprise (or none): its details replace those of the
        one before, and everything else typed stays as typed. Nothing is saved or checked."""
        typed = self.read(request)
        for name, prop in self.schema.get("properties", {}).items():
            if prop.get("x-prefill") in forms.ENTERPRISE_FACTS:
                typed.pop(name, None)
                if name in self.prefilled:
                    typed[name] = self.prefilled[name]
        self.data = typed

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


@dataclass(frozen=True)
class Audience:
    """Who may apply for an item (its ``service_objects``): natural persons (自然人), legal
    persons (法人, through their representative or an authorised agent), or both."""

    natural: bool
    legal: bool

    @classmethod
    def of(cls, items: Iterable[ServiceItem]) -> Audience:
        """Who may apply for all of ``items`` (a bundle asks what every item allows)."""
        wanted = [
            set(i.current_version.data.get("service_objects", [])) if i.current_version else set()
            for i in items
        ]
        return cls(
            natural=all("natural" in w for w in wanted), legal=all("legal" in w for w in wanted)
        )

    @property
    def label(self) -> str:
        if self.natural and self.legal:
            return _("自然人和法人均可申请")
        return _("仅限法人申请") if self.legal else _("仅限自然人申请")

    def refuses(self, form: ApplyForm) -> bool:
        """A person who may apply for no one here: a legal-person item and no enterprise they
        act for. Told before any form how to act for one."""
        return not self.natural and not form.agencies


def _covers_all(agency: Agency, items: list[ServiceItem]) -> bool:
    return all(agency.covers(i.basic_code) or agency.covers(i.implementation_code) for i in items)
