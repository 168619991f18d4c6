from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    """Applications (办件): what an applicant submits, its materials, its life cycle and timeline."""

    name = "onewindow.applications"
    label = "applications"
    verbose_name = _("办件")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from onewindow.applications import subscribers  # noqa: F401 - registers the subscribers
        from onewindow.applications.case import APPLICATION
        from onewindow.applications.files import release_deleted
        from onewindow.applications.models import ApplicationMaterial
        from onewindow.workflow.registry import register_case_kind

        # Applications are the workflow's first case kind.
        register_case_kind(APPLICATION)

        # Storage is not transactional: a deleted row's file is deleted after the commit.
        post_delete.connect(
            release_deleted, sender=ApplicationMaterial, dispatch_uid="material-file"
        )
