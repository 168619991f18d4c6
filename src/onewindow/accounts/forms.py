"""Page forms of the identity app's own pages (enterprises, agents, the account). They only
carry and render fields (``portal/form.html``): every rule lives in the services, whose field
errors are copied back onto the form, so a page and the API say the same thing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.core.forms import CODE_ATTRS, PHONE_ATTRS, ServiceForm


class EnterpriseForm(ServiceForm):
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        help_text=_("营业执照上的18位代码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("企业名称"),
        max_length=200,
        help_text=_("与营业执照上的名称一致。"),
    )
    legal_representative = forms.CharField(
        label=_("法定代表人姓名"),
        max_length=60,
        help_text=_("只有法定代表人本人可以登记企业；将与市场主体登记信息核验。"),
    )


class AgentForm(ServiceForm):
    phone = forms.CharField(
        label=_("经办人手机号"),
        max_length=14,
        help_text=_("经办人须已用该手机号注册个人账号。"),
        widget=forms.TextInput(attrs=PHONE_ATTRS),
    )
    valid_until = forms.CharField(
        label=_("授权有效期至"),
        max_length=40,
        help_text=_("最长3年。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class PasswordChangeForm(ServiceForm):
    current_password = forms.CharField(
        label=_("当前密码"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("新密码"),
        max_length=128,
        help_text=_("至少8位，不能全是数字，不要与姓名或手机号相似。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class TokenForm(ServiceForm):
    token_name = forms.CharField(
        label=_("令牌名称"), max_length=64, help_text=_("用途，如“财务系统”。")
    )
    token_days = forms.TypedChoiceField(
        label=_("有效期"),
        coerce=int,
        choices=[(30, _("30天")), (90, _("90天")), (365, _("1年"))],
        initial=90,
    )


class PhoneChangeForm(ServiceForm):
    phone = forms.CharField(
        label=_("新手机号"), max_length=14, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    sms_code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        help_text=_("发送到新手机号。"),
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
