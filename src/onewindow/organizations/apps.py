from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "onewindow.organizations"
    label = "organizations"
    verbose_name = _("组织机构")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from onewindow.organizations.models import Department, ServiceHall, Window
        from onewindow.organizations.selectors import bump_directory_version

        def changed(**kwargs: object) -> None:
            bump_directory_version()

        for model in (Department, ServiceHall, Window):
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"dir-{model.__name__}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"dir-{model.__name__}-d"
            )
