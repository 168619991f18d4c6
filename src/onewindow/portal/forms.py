"""Page forms. They only carry and render fields: every rule lives in the services, whose field errors
are copied back onto the form (``apply_errors``) so a page and the API say the same thing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.core.forms import CODE_ATTRS, PHONE_ATTRS, ServiceForm


class PortalForm(ServiceForm):
    """A portal page form (sign-in, registration, reset): the base, and the page's own check that
    two typed passwords match."""

    def passwords_match(self) -> bool:
        """A page's own check (the API takes one password): the confirmation repeats the new
        password, or ``password_confirm`` says so."""
        if self.value("password") == self.value("password_confirm"):
            return True
        self.add_error("password_confirm", _("两次输入的密码不一致。"))
        return False


class PasswordLoginForm(PortalForm):
    username = forms.CharField(
        label=_("手机号或用户名"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    # Shown only to accounts that need the second factor, once their password was right.
    sms_code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


class SmsLoginForm(PortalForm):
    phone = forms.CharField(
        label=_("手机号"), max_length=14, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    sms_code = forms.CharField(
        label=_("短信验证码"), max_length=6, widget=forms.TextInput(attrs=CODE_ATTRS)
    )


class RegistrationForm(PortalForm):
    # Asked first, before the ID number: what the platform keeps and why is in the statement.
    privacy_consent = forms.BooleanField(
        label=_("我已阅读并同意隐私政策"),
        help_text=_("注册需要您的姓名、身份证号码和手机号，用于实名核验和办事；号码加密保存。"),
    )
    name = forms.CharField(
        label=_("姓名"),
        max_length=30,
        help_text=_("与居民身份证上的姓名一致。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=18,
        help_text=_("18位，最后一位可能是X。号码加密保存，页面上只显示部分。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=14,
        help_text=_("用于登录和接收办事通知。"),
        widget=forms.TextInput(attrs=PHONE_ATTRS),
    )
    sms_code = forms.CharField(
        label=_("短信验证码"), max_length=6, widget=forms.TextInput(attrs=CODE_ATTRS)
    )
    password = forms.CharField(
        label=_("设置密码"),
        max_length=128,
        help_text=_("至少8位，不能全是数字，不要与姓名或手机号相似。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("确认密码"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordResetForm(PortalForm):
    phone = forms.CharField(
        label=_("手机号"),
        max_length=14,
        help_text=_("注册账号时使用的手机号。"),
        widget=forms.TextInput(attrs=PHONE_ATTRS),
    )
    sms_code = forms.CharField(
        label=_("短信验证码"), max_length=6, widget=forms.TextInput(attrs=CODE_ATTRS)
    )
    password = forms.CharField(
        label=_("新密码"),
        max_length=128,
        help_text=_("至少8位，不能全是数字，不要与姓名或手机号相似。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("确认新密码"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
