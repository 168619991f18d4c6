from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public website (政务服务网): pages rendered on the server, enhanced by htmx. It calls the
    other apps' services and selectors and owns no data of its own."""

    name = "onewindow.portal"
    label = "portal"
    verbose_name = _("门户网站")
