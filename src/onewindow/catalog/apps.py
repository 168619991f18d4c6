from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """The service catalogue (事项目录 / 实施清单): items with the national elements, their published
    versions, bundles (一件事一次办), power lists and search."""

    name = "onewindow.catalog"
    label = "catalog"
    verbose_name = _("事项目录")
