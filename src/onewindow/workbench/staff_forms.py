"""The staff and department pages' forms. They carry and render what was typed; every rule is in
the services (``accounts.staff``, ``organizations.services``), whose field errors are copied back
beside the fields (``copy_errors``) so nothing typed is lost."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.accounts import authority
from onewindow.accounts.models import Membership
from onewindow.core.errors import DomainError
from onewindow.organizations.models import Department, Region

NO_AUTOFILL = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}


def role_choices() -> list[tuple[str, Any]]:
    labels = dict(Membership.Role.choices)
    return [(role, labels[role]) for role in authority.DEPARTMENT_ROLES]


class LooseForm(forms.Form):
    """Every field optional (the service names what is missing, in its words)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def copy_errors(self, error: DomainError) -> None:
        """A service's field errors beside the fields (a field already refused by the form keeps
        its one message); what names no field of the form goes to the top."""
        placed = False
        for name, messages in error.fields.items():
            target = name if name in self.fields else None
            if target is not None and self.has_error(target):
                placed = True
                continue
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class StaffForm(LooseForm):
    name = forms.CharField(
        label=_("姓名"), widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 30})
    )
    username = forms.CharField(
        label=_("登录用户名"),
        help_text=_("3至32位小写字母、数字或 . _ -，以字母开头，如 market.zhangsan。"),
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "maxlength": 32}),
    )
    phone = forms.CharField(
        label=_("手机号（选填）"),
        help_text=_("用于短信验证码登录和二次验证；加密保存，页面上只显示部分。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "maxlength": 14}
        ),
    )
    roles = forms.MultipleChoiceField(
        label=_("本部门角色"), choices=role_choices, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label=_("初始密码（选填）"),
        help_text=_("留空则自动生成。至少8位，不能全是数字；创建后只显示这一次。"),
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "maxlength": 128}),
    )


class RolesForm(LooseForm):
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=role_choices, widget=forms.CheckboxSelectMultiple
    )


def _region_choices() -> list[tuple[str, str]]:
    regions = Region.objects.exclude(level=Region.Level.TOWNSHIP).order_by("code")
    return [("", "—"), *((str(r.pk), f"{r.name}（{r.code}）") for r in regions)]


def _parent_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((str(d.pk), d.name) for d in Department.objects.order_by("name"))]


class DepartmentForm(LooseForm):
    name = forms.CharField(label=_("部门名称"), widget=forms.TextInput(attrs={"maxlength": 128}))
    short_name = forms.CharField(
        label=_("简称（选填）"), widget=forms.TextInput(attrs={"maxlength": 32})
    )
    slug = forms.CharField(
        label=_("英文简码"),
        help_text=_("用于网址和员工账号，如 market 对应 market.clerk。"),
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "maxlength": 48}),
    )
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        help_text=_("18位，GB 32100-2015；机关的代码以 11 开头。"),
        widget=forms.TextInput(attrs={**NO_AUTOFILL, "maxlength": 18}),
    )
    region = forms.CharField(label=_("所属区划"), widget=forms.Select())
    parent = forms.CharField(label=_("上级部门（选填）"), widget=forms.Select())
    phone = forms.CharField(
        label=_("咨询电话（选填）"),
        help_text=_("11位手机号码，或带区号的固定电话，如0999-12345678。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "maxlength": 32}),
    )
    address = forms.CharField(
        label=_("办公地址（选填）"), widget=forms.TextInput(attrs={"maxlength": 200})
    )
    description = forms.CharField(
        label=_("职能简介（选填）"), widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000})
    )
    sort_order = forms.CharField(
        label=_("排序"),
        help_text=_("数字小的排在前面。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 7}),
    )
    is_active = forms.BooleanField(
        label=_("启用"), help_text=_("停用的部门不在网上办事大厅的部门列表中显示。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.choices = _region_choices()
        self.fields["parent"].widget.choices = _parent_choices()


def department_initial(department: Department | None) -> dict[str, Any]:
    if department is None:
        return {"sort_order": "100", "is_active": True}
    return {
        "name": department.name,
        "short_name": department.short_name,
        "slug": department.slug,
        "uscc": department.uscc,
        "region": str(department.region_id),
        "parent": str(department.parent_id or ""),
        "phone": department.phone,
        "address": department.address,
        "description": department.description,
        "sort_order": str(department.sort_order),
        "is_active": department.is_active,
    }


class TemporaryPasswordForm(LooseForm):
    current = forms.CharField(
        label=_("临时密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "maxlength": 128}),
    )
    password = forms.CharField(
        label=_("新密码"),
        help_text=_("至少8位，不能全是数字，不要与姓名或手机号相似。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "maxlength": 128}),
    )
    confirm = forms.CharField(
        label=_("确认新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "maxlength": 128}),
    )
