from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    """Applications (办件): what an applicant submits, its materials, its life cycle and timeline."""

    name = "onewindow.applications"
    label = "applications"
    verbose_name = _("办件")
