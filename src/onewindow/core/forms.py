"""The base of every page form. A page form only carries and renders fields
(``portal/form.html``): every rule lives in the services, whose field errors are copied back onto
the form (``apply_errors``), so a page and the API say the same thing."""

from __future__ import annotations

from django import forms

from onewindow.core.errors import DomainError

PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "numeric", "maxlength": "14"}
CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}


class ServiceForm(forms.Form):
    """Fields are optional at form level: the service reports missing values with its own words."""

    template_name = "portal/form.html"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            field.required = False

    def value(self, name: str) -> str:
        return str(self.cleaned_data.get(name) or "") if hasattr(self, "cleaned_data") else ""

    def apply_errors(self, error: DomainError) -> None:
        """Copy a service's field errors onto the form; the rest goes to the top of the form."""
        placed = False
        for field, messages in error.fields.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)
