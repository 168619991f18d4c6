from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "onewindow.accounts"
    label = "accounts"
    verbose_name = _("统一身份认证")

    def ready(self) -> None:
        from onewindow.accounts import subscribers  # noqa: F401 - registers the subscribers
