"""Share links (授权用证): a holder lets someone see one licence, for a named purpose, until a time,
revocably. The token is shown once; only its SM3 digest is stored."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.core import audit
from onewindow.core.crypto import sm3_hex
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.personal import mask_text
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import Licence, LicenceUse, ShareLink
from onewindow.licences.services import record_use

MAX_HOURS = 24 * 30


def create(licence: Licence, user: User, purpose: str, hours: int) -> tuple[ShareLink, str]:
    errors = FieldErrorsCollector()
    if not purpose.strip():
        errors.add("purpose", _("请写明用途，例如“办理租房备案”。"))
    if not 1 <= hours <= MAX_HOURS:
        errors.add("hours", _("有效时长应在1小时到30天之间。"))
    if licence.status != Status.VALID:
        errors.add("licence", _("只有有效的证照可以授权他人查看。"))
    errors.raise_if_any(_("授权信息有误，请按提示修改。"))
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        share = ShareLink.objects.create(
            licence=licence,
            created_by=user,
            purpose=mask_text(purpose.strip())[:200],
            token_hash=sm3_hex(token.encode()),
            prefix=token[:6],
            expires_at=timezone.now() + dt.timedelta(hours=hours),
        )
        audit.record("licence.share", actor=user, obj=share, data={"licence": licence.pk})
    return share, token


def revoke(share_id: int, user: User, licence: Licence) -> ShareLink:
    with transaction.atomic():
        share = ShareLink.objects.select_for_update().filter(pk=share_id, licence=licence).first()
        if share is None:
            raise DomainError("not_found", _("授权不存在。"), status=404)
        if share.revoked_at is None:
            share.revoked_at = timezone.now()
            share.save(update_fields=["revoked_at"])
            audit.record("licence.share_revoke", actor=user, obj=share)
    return share


def open_shared(token: str, viewer_label: str = "") -> tuple[Licence, ShareLink]:
    """The licence behind a share token, recording the view in the use log. Expired, revoked or
    unknown tokens all answer the same way, so a token cannot be probed."""
    share = (
        ShareLink.objects.select_related("licence__signing_key", "licence__licence_type")
        .filter(token_hash=sm3_hex(token.encode()))
        .first()
    )
    now = timezone.now()
    if share is None or share.revoked_at is not None or share.expires_at <= now:
        raise DomainError("share_unavailable", _("授权链接无效、已过期或已被撤销。"), status=404)
    record_use(
        share.licence,
        LicenceUse.Channel.SHARE,
        label=viewer_label or _("持授权链接者"),
        purpose=share.purpose,
        share=share,
    )
    return share.licence, share
