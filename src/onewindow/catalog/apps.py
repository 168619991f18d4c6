from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """The service catalogue (事项目录 / 实施清单): items with the national elements, their published
    versions, bundles (一件事一次办), power lists and search."""

    name = "onewindow.catalog"
    label = "catalog"
    verbose_name = _("事项目录")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from onewindow.accounts.scopes import register_item_catalogue
        from onewindow.catalog.models import Bundle, BundleItem, SearchEntry
        from onewindow.catalog.scopes import CatalogueScope
        from onewindow.catalog.selectors import bump_catalog_version

        # An agent's scope names the catalogue's items (the identity app cannot import them).
        register_item_catalogue(CatalogueScope())

        def changed(**kwargs: object) -> None:
            bump_catalog_version()

        for model in (Bundle, BundleItem, SearchEntry):
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"cat-{model.__name__}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"cat-{model.__name__}-d"
            )
