from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    """The approval engine: tasks in departments' role inboxes, stages opened from the item's process
    definition (parallel review included), deadlines and escalation."""

    name = "onewindow.workflow"
    label = "workflow"
    verbose_name = _("审批流程")
