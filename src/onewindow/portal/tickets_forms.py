"""The citizen's form for a 12345 request and a letter to the mayor's mailbox. Like every page form
it only carries and renders fields: the rules are the tickets service's (``tickets.services.check``),
whose field errors are put back beside the fields they concern."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from onewindow.applications.models import Application
from onewindow.core.errors import DomainError
from onewindow.core.forms import CODE_ATTRS, PHONE_ATTRS, ServiceForm
from onewindow.tickets import services
from onewindow.tickets.models import Category, Kind

# One line under each kind: what it is for, so a reporter picks the right one.
KIND_HINTS = {
    Kind.CONSULT: _("询问政策、办事流程或某件事怎么办。"),
    Kind.HELP: _("生活中遇到困难，需要政府部门帮助解决。"),
    Kind.COMPLAINT: _("对单位或个人侵害您权益、服务不到位的行为提出投诉。"),
    Kind.REPORT: _("检举违法违规行为；可以要求对承办部门保密您的身份。"),
    Kind.SUGGESTION: _("对本市的工作和服务提出意见建议。"),
}
# Service error keys that are not fields of the form: where on the page they belong.
PLACED = {"location": "address", "location.lat": "address", "location.long": "address"}
ATTRIBUTE_PREFIX = "attr_"


def category_label(category: Category) -> str:
    english = (get_language() or "").startswith("en")
    return category.name_en if english and category.name_en else category.name


def grouped_categories() -> list[tuple[str, Any]]:
    """The open categories as a select's choices, grouped as ``Category.group`` groups them."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in Category.objects.filter(active=True).order_by("order", "code"):
        groups.setdefault(category.group or str(_("其他")), []).append(
            (category.code, category_label(category))
        )
    return [("", _("请选择分类")), *groups.items()]


class TicketForm(ServiceForm):
    """我要反映 / 写信给市长. ``mailbox`` adds a title and the consent to publish; an anonymous
    reporter adds a phone and its SMS code; a signed-in one may pick one of their applications."""

    kind = forms.ChoiceField(label=_("诉求类型"), choices=Kind.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(
        label=_("诉求分类"),
        choices=(),
        help_text=_("选好分类后按“下一步”，如果这一类需要补充信息，会显示在下面。"),
    )
    title = forms.CharField(
        label=_("标题"), max_length=200, help_text=_("一句话概括，最多120个字。")
    )
    description = forms.CharField(
        label=_("诉求内容"),
        help_text=_(
            "请写清时间、地点、经过和您的诉求，最多4000个字。请不要写身份证号码等与诉求无关的个人信息。"
        ),
        # No max_length here: the service counts and says how much is too much, keeping the text.
        widget=forms.Textarea(attrs={"rows": 8, "data-count": "4000"}),
    )
    address = forms.CharField(
        label=_("事发地点"),
        max_length=400,
        help_text=_("如：青湖区望湖路88号小区东门。不需要地图，写清楚即可。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    lat = forms.CharField(widget=forms.HiddenInput, max_length=40)
    long = forms.CharField(widget=forms.HiddenInput, max_length=40)
    application = forms.CharField(
        label=_("相关办件编号（选填）"),
        max_length=64,
        help_text=_("如果反映的是某个办件的问题，请填写办件编号，承办部门可以一并查看。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    publish = forms.BooleanField(
        label=_("同意选登"),
        help_text=_(
            "同意后，您的来信和答复可能在市长信箱中公开，公开时不显示您的姓名、电话等个人信息，信中的号码也会隐去部分。"
        ),
    )
    confidential = forms.BooleanField(
        label=_("为我保密"),
        help_text=_("仅限举报：您的身份只有12345热线可见，承办部门看不到。"),
    )
    name = forms.CharField(
        label=_("您的称呼（选填）"),
        max_length=60,
        help_text=_("如：王女士。加密保存。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=14,
        help_text=_("未登录时须验证手机号：受理、答复和回访都通过短信告诉您。号码加密保存。"),
        widget=forms.TextInput(attrs=PHONE_ATTRS),
    )
    sms_code = forms.CharField(
        label=_("短信验证码"), max_length=6, widget=forms.TextInput(attrs=CODE_ATTRS)
    )

    def __init__(
        self, data: Any = None, *, user: Any = None, mailbox: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.mailbox = mailbox
        self.signed_in = user is not None
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ChoiceField)
        category_field.choices = grouped_categories()
        # With htmx, choosing a category swaps in its attributes at once (the same post as 下一步).
        category_field.widget.attrs.update(
            {
                "hx-post": reverse("portal:mailbox_write" if mailbox else "portal:ticket_new"),
                "hx-trigger": "change",
                "hx-include": "closest form",
                "hx-vals": '{"action": "category"}',
                "hx-target": "#ticket-attributes",
                "hx-select": "#ticket-attributes",
                "hx-swap": "outerHTML",
            }
        )
        if not mailbox:
            del self.fields["title"], self.fields["publish"]
        if self.signed_in:
            del self.fields["phone"], self.fields["sms_code"], self.fields["name"]
            mine = Application.objects.filter(applicant=user).exclude(status="draft")
            choices = [(a.number, f"{a.number} {a.item_name}") for a in mine.order_by("-id")[:50]]
            self.fields["application"] = forms.ChoiceField(
                label=_("相关办件（选填）"),
                choices=[("", _("不涉及办件")), *choices],
                required=False,
                help_text=_("如果反映的是您的某个办件的问题，请选择它，承办部门可以一并查看。"),
            )
        self.chosen_category = self._category(data)
        for spec in self.attribute_specs():
            self.fields[ATTRIBUTE_PREFIX + str(spec["code"])] = _attribute_field(spec)

    def _category(self, data: Any) -> Category | None:
        code = str((data or {}).get("category") or "")[:40]
        if not code or "\x00" in code:
            return None  # the choice field says so; PostgreSQL would refuse to look it up
        return Category.objects.filter(code=code, active=True).first()

    def attribute_specs(self) -> list[dict[str, Any]]:
        if self.chosen_category is None:
            return []
        specs = [
            s
            for s in self.chosen_category.attributes or []
            if isinstance(s, dict) and s.get("code") and s.get("variable", True)
        ]
        return sorted(specs, key=lambda s: s.get("order", 0))

    def attribute_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    def kind_choices(self) -> list[dict[str, Any]]:
        chosen = self.data.get("kind", "") if self.is_bound else ""
        return [
            {
                "value": value,
                "label": label,
                "hint": KIND_HINTS[Kind(value)],
                "checked": value == chosen,
            }
            for value, label in Kind.choices
        ]

    def report(self) -> services.Report:
        attributes: dict[str, Any] = {}
        for spec in self.attribute_specs():
            name = ATTRIBUTE_PREFIX + str(spec["code"])
            value = self.cleaned_data.get(name)
            if value not in (None, "", []):
                attributes[str(spec["code"])] = value
        return services.Report(
            kind=self.value("kind"),
            category=self.value("category"),
            description=self.value("description"),
            title=self.value("title"),
            address=self.value("address"),
            lat=self.value("lat") or None,
            long=self.value("long") or None,
            application=self.value("application"),
            publish=bool(self.cleaned_data.get("publish")),
            confidential=bool(self.cleaned_data.get("confidential")),
            attributes=attributes,
            name=self.value("name"),
            phone=self.value("phone"),
        )

    def apply_errors(self, error: DomainError) -> None:
        """The service's errors beside their fields: a location beside the address, an attribute
        (``attribute[code]``) beside its own field."""
        placed = False
        for key, messages in error.fields.items():
            target = PLACED.get(key, key)
            if key.startswith("attribute[") and key.endswith("]"):
                target = ATTRIBUTE_PREFIX + key[len("attribute[") : -1]
            if target in self.fields and self.has_error(target):
                placed = True  # the form's own check said it first (a NUL byte, a bad choice)
                continue
            if key == "category" and not self.data.get("category"):
                messages = [str(_("请选择诉求分类。"))]
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


def _attribute_field(spec: dict[str, Any]) -> forms.Field:
    """A category attribute (Open311 metadata) as a field; optional here, the service checks."""
    label = str(spec.get("description") or spec.get("code"))
    if spec.get("required"):
        label = f"{label} *"
    values = [(str(v.get("key")), str(v.get("name", v.get("key")))) for v in spec.get("values", [])]
    datatype = spec.get("datatype", "string")
    field: forms.Field
    if datatype == "singlevaluelist":
        field = forms.ChoiceField(label=label, choices=[("", "—"), *values])
    elif datatype == "multivaluelist":
        field = forms.MultipleChoiceField(
            label=label, choices=values, widget=forms.CheckboxSelectMultiple
        )
    elif datatype == "number":
        field = forms.CharField(
            label=label, max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
        )
    elif datatype == "text":
        field = forms.CharField(
            label=label, max_length=600, widget=forms.Textarea(attrs={"rows": 3})
        )
    else:
        field = forms.CharField(label=label, max_length=600)
    field.required = False
    return field
