from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city: data files and the commands that load them. Imports the other apps' services;
    nothing imports it."""

    name = "onewindow.demo"
    label = "demo"
    verbose_name = _("演示数据")
