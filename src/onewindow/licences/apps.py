from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    """Electronic licences (电子证照): issued on approval, signed with SM2/SM3, verifiable by anyone,
    revocable; a holder's wallet; reuse as application materials."""

    name = "onewindow.licences"
    label = "licences"
    verbose_name = _("电子证照")

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_save

        from onewindow.applications.models import TimelineEntry

        def approved(sender: object, instance: TimelineEntry, created: bool, **kw: object) -> None:
            if created and instance.action == "create" and instance.actor is not None:
                # A new draft: materials the platform fetches by the holder's code come now.
                from onewindow.licences.reuse import fetch_for

                fetch_for(instance.application, instance.actor)
            # An approval is on the application's timeline; the licence follows once it commits.
            if created and instance.action in {"approve", "handle_immediately"}:
                from onewindow.licences.tasks import issue_after_approval

                application_id = instance.application_id
                transaction.on_commit(
                    lambda: issue_after_approval.enqueue(application_id), robust=True
                )

        post_save.connect(approved, sender=TimelineEntry, weak=False, dispatch_uid="licence-issue")
