from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from onewindow.core import personal
from onewindow.notifications.models import Message
from onewindow.notifications.sms.base import SmsMessage
from onewindow.notifications.tasks import deliver_message, seal_sms, send_sms


def queue_sms(message: SmsMessage) -> None:
    """Send after the surrounding transaction commits (never for a rolled-back change)."""
    # A code or notice names no one: mask any ID or mobile number a text template let through.
    message = dataclasses.replace(message, text=personal.mask_text(message.text))
    sealed = seal_sms(message)
    transaction.on_commit(lambda: send_sms.enqueue(sealed), robust=True)


def notify_each(
    user_ids: Iterable[int], title: str, body: str, *, link: str = "", key: Callable[[int], str]
) -> int:
    """The same in-site message to several people, in one INSERT (a new task told to every clerk
    of its department role). ``key(user_id)`` names the event for each person, as ``notify``'s
    ``key`` does: a person already told under that key is skipped, so announcing again sends
    nothing. In-site only (no SMS or e-mail); masked as ``notify`` masks. Returns how many people
    were asked about, told now or before."""
    title = personal.mask_text(title)[:120]
    body = personal.mask_text(body)
    rows = [
        Message(user_id=pk, title=title, body=body, link=link, dedupe_key=key(pk)[:120])
        for pk in user_ids
    ]
    if rows:
        Message.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notify(
    user: Any,
    title: str,
    body: str,
    *,
    link: str = "",
    key: str,
    sms: bool = False,
    email: bool = False,
) -> Message | None:
    """Tell someone about an event: an in-site message now, SMS and e-mail by a background task
    after commit. ``key`` names the event for this person; a second call with the same key does
    nothing, so a retried request never notifies twice.

    A message names the application or licence by its number and links to it; it never carries
    personal data. Whatever a caller puts in, every resident ID number and mobile number in the
    title and body is masked before the message is stored, so neither the table nor an SMS or
    e-mail sent from it holds one."""
    try:
        with transaction.atomic():
            message = Message.objects.create(
                user=user,
                title=personal.mask_text(title)[:120],
                body=personal.mask_text(body),
                link=link,
                dedupe_key=key[:120],
                want_sms=sms and user.has_phone,
                want_email=email and bool(getattr(user, "email", "")),
            )
    except IntegrityError:
        return None
    if message.want_sms or message.want_email:
        transaction.on_commit(lambda: deliver_message.enqueue(message.pk), robust=True)
    return message


def read_recent(user: Any, limit: int = 100) -> list[Message]:
    """The person's latest messages, newest first; those unread until now are marked read."""
    items = list(Message.objects.filter(user=user)[:limit])
    unread = [m.pk for m in items if m.read_at is None]
    if unread:
        Message.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return items
