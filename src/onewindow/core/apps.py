from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "onewindow.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from onewindow.core import checks  # noqa: F401 - registers the deploy checks
        from onewindow.core.audit import install_sqlite_flush_function

        connection_created.connect(install_sqlite_flush_function, dispatch_uid="audit-flush")
