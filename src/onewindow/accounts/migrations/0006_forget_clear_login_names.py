"""django-axes kept login names (mobile numbers for most people) in clear: in every failed-attempt
row and in its log of successful logins. From now on it keeps a blind index and no access log
(settings: AXES_USERNAME_CALLABLE, AXES_DISABLE_ACCESS_LOG), so the rows written before go: failed
attempts only matter for the 15-minute cool-off, and logins are in the audit trail."""

from django.db import migrations


def forget(apps, schema_editor):
    for name in ("AccessAttempt", "AccessLog", "AccessFailureLog"):
        apps.get_model("axes", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_requires_second_factor"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
