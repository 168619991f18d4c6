from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The staff pages: inbox, task page with the application beside the actions, overdue list,
    department load. No tables of its own."""

    name = "onewindow.workbench"
    label = "workbench"
    verbose_name = _("工作台")
