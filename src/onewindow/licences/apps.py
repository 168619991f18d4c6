from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    """Electronic licences (电子证照): issued on approval, signed with SM2/SM3, verifiable by anyone,
    revocable; a holder's wallet; reuse as application materials."""

    name = "onewindow.licences"
    label = "licences"
    verbose_name = _("电子证照")

    def ready(self) -> None:
        # What licences do on events of applications and of their own (issue on approval, fetch
        # for a new draft, tell the holder): docs/events.md lists them.
        from onewindow.licences import subscribers  # noqa: F401 - registers the subscribers
