"""Where a material's file lives, and when it goes: storage is not transactional, so every write
and delete here follows the database transaction, and a file no committed row uses does not stay.

- A file written for a row is deleted again unless the transaction commits (``store_in_transaction``).
- A file a row gives up (the row replaced or deleted) is deleted once that commits, unless another
  row still uses it: a checked material reused in a later application shares its file
  (``release``).
- ``sweep`` deletes what escaped both: files of replaced rows from before these rules, and files
  whose process died between writing and committing (``manage.py sweep_materials``, from cron).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone

from onewindow.applications.models import ApplicationMaterial

# upload_to of ApplicationMaterial.file: applications/%Y/%m/
FOLDER = "applications"
# A file younger than this may belong to a transaction still open: the sweep leaves it.
SWEEP_GRACE = timedelta(hours=1)


def storage() -> Storage:
    return ApplicationMaterial._meta.get_field("file").storage


def store_in_transaction(record: ApplicationMaterial, name: str, content: bytes) -> None:
    """Write ``content`` as ``record``'s file, to be deleted unless the transaction commits.

    Django runs an on-commit callback after the commit and drops it, unrun, when the transaction
    (or the savepoint it was registered in) rolls back; the callback's finaliser then deletes the
    file. Nothing else holds the callback, so CPython drops it at once."""
    record.file.save(name, ContentFile(content), save=False)
    transaction.on_commit(_KeepUnlessDropped(record.file.storage, str(record.file.name)).keep)


class _KeepUnlessDropped:
    def __init__(self, storage: Storage, name: str) -> None:
        # No reference to self in the finaliser, or the object would live for ever.
        self.finalizer = weakref.finalize(self, storage.delete, name)
        self.finalizer.atexit = False  # a process that dies mid-commit keeps the file, not loses it

    def keep(self) -> None:
        self.finalizer.detach()


def release(names: list[str]) -> None:
    """Delete these stored files once the transaction commits, each unless a row still uses it.
    (Reusing a checked material locks its row, so no row can start using a file being let go.)"""
    names = [n for n in names if n]
    if names:
        # robust: storage failing here must not fail a request whose data has committed; the
        # file is then an unused one, which the sweep deletes.
        transaction.on_commit(lambda: delete_unused(names), robust=True)


def delete_unused(names: list[str]) -> None:
    used = set(ApplicationMaterial.objects.filter(file__in=names).values_list("file", flat=True))
    for name in sorted(set(names) - used):
        storage().delete(name)


def release_deleted(instance: ApplicationMaterial, **kwargs: Any) -> None:
    """A deleted material row (a discarded draft, or one deleted in the admin) gives up its file
    once the deletion commits. Connected to ``post_delete`` in ``apps.py``."""
    release([str(instance.file.name or "")])


@dataclass
class SweepReport:
    released: int = 0
    deleted: int = 0


def sweep(grace: timedelta = SWEEP_GRACE) -> SweepReport:
    """Let replaced rows give up their files, then delete every stored material file older than
    ``grace`` that no row uses."""
    report = SweepReport()
    with transaction.atomic():
        held = (
            ApplicationMaterial.objects.select_for_update().filter(replaced=True).exclude(file="")
        )
        names = list(held.values_list("file", flat=True))
        report.released = held.update(file="")
        release(names)
    used = set(ApplicationMaterial.objects.exclude(file="").values_list("file", flat=True))
    before = timezone.now() - grace
    for name in _stored(FOLDER):
        if name not in used and storage().get_modified_time(name) < before:
            storage().delete(name)
            report.deleted += 1
    return report


def _stored(folder: str) -> list[str]:
    if not storage().exists(folder):
        return []
    folders, names = storage().listdir(folder)
    found = [f"{folder}/{name}" for name in names]
    for sub in folders:
        found += _stored(f"{folder}/{sub}")
    return found


def material_response(material: ApplicationMaterial) -> FileResponse:
    """Stream a material through the storage API (file system or object storage alike), typed as
    sniffed at upload, shown inline and never re-sniffed by the browser."""
    response = FileResponse(
        material.file.open("rb"),
        content_type=material.content_type,
        as_attachment=False,
        filename=material.original_name or (material.file.name or "").rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
