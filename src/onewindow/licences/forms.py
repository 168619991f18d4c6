"""The licence pages' forms: sharing a licence, the issuer's actions, issuing a licence with edits,
and a bulk import. They carry and render fields; the rules live in the services, whose field errors
are copied back (:func:`copy_errors`) so a page says what the API says."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.core.errors import DomainError
from onewindow.licences.models import LicenceType
from onewindow.organizations.models import Department

# The largest import file a page accepts (CSV or JSON, UTF-8).
MAX_IMPORT_BYTES = 20 * 2**20


def copy_errors(form: forms.Form, error: DomainError, *, prefix: str = "") -> None:
    """Put a service's field errors beside the form's fields (a field the form does not have, or
    no field at all, at the top). ``prefix`` is what the service's names carry and the form's do
    not (``data.`` for a licence face)."""
    placed = False
    for field, messages in error.fields.items():
        name = field.removeprefix(prefix)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class ShareForm(forms.Form):
    purpose = forms.CharField(label=gettext_lazy("用途"), max_length=200, required=False)
    hours = forms.TypedChoiceField(
        label=gettext_lazy("有效时长"),
        coerce=int,
        choices=[(1, "1小时"), (24, "1天"), (72, "3天"), (168, "7天"), (720, "30天")],
        initial=72,
    )


class ActionForm(forms.Form):
    """An issuer's change to a licence. Nothing is chosen for them, and the changes that end a
    licence's use (``FINAL``) are done only after a second, confirming press."""

    FINAL = ("revoke", "replace")

    action = forms.ChoiceField(
        label=gettext_lazy("操作"),
        choices=[
            ("", gettext_lazy("请选择")),
            ("suspend", gettext_lazy("暂扣")),
            ("resume", gettext_lazy("恢复")),
            ("revoke", gettext_lazy("吊销/撤销")),
            ("replace", gettext_lazy("换发（生成新版本）")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def needs_confirmation(self) -> bool:
        return self.cleaned_data["action"] in self.FINAL and not self.cleaned_data["confirmed"]


class IssueForm(forms.Form):
    """A licence face to complete: one text field per item of the licence type's schema, filled
    in with what the approved application gives (``initial``)."""

    def __init__(self, data: Any, *, licence_type: LicenceType, initial: dict[str, Any]) -> None:
        super().__init__(data)
        schema = licence_type.schema or {}
        required = set(schema.get("required", []))
        for name, spec in schema.get("properties", {}).items():
            self.fields[name] = forms.CharField(
                label=str(spec.get("title", name)),
                required=name in required,
                initial=initial.get(name, ""),
            )

    def face(self) -> dict[str, Any]:
        """What was filled in; an empty item is left to the issuance rules."""
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class ImportForm(forms.Form):
    """A bulk import into one of ``departments`` (those whose licences the user may manage)."""

    licence_type = forms.ModelChoiceField(
        label=gettext_lazy("证照类型"), queryset=LicenceType.objects.filter(is_active=True)
    )
    department = forms.ChoiceField(label=gettext_lazy("颁发部门"))
    file = forms.FileField(label=gettext_lazy("文件（CSV 或 JSON，UTF-8）"))

    def __init__(self, data: Any, files: Any, *, departments: list[Department]) -> None:
        super().__init__(data, files)
        self.departments = {str(d.pk): d for d in departments}
        self.fields["department"].choices = [(d.pk, d.name) for d in departments]  # type: ignore[attr-defined]

    def clean_department(self) -> Department:
        return self.departments[self.cleaned_data["department"]]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("文件不能超过20MB。"))
        return upload
