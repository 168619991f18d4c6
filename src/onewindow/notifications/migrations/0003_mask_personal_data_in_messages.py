"""Messages never carry an ID or mobile number: mask those already stored in titles and bodies
(new ones are masked by ``notify`` before they are stored)."""

from typing import Any

from django.db import migrations

from onewindow.core import personal


def mask_stored(apps: Any, schema_editor: Any) -> None:
    Message = apps.get_model("notifications", "Message")
    for message in Message.objects.only("pk", "title", "body").iterator():
        title, body = personal.mask_text(message.title), personal.mask_text(message.body)
        if (title, body) != (message.title, message.body):
            Message.objects.filter(pk=message.pk).update(title=title, body=body)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_message_sending_until"),
    ]

    operations = [
        # Masking cannot be undone: the reverse leaves the masks in place.
        migrations.RunPython(mask_stored, migrations.RunPython.noop, elidable=False),
    ]
