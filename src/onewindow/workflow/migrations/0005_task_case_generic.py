"""Tasks name their case generically (case_type + case_id) instead of a foreign key to an
application, and carry the case's number, title and topic for the inbox. Every existing task is a
task on an application: case_type "application", case_id its application's id, the application's
number and item name, and its item id as the topic."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast


def copy_cases(apps, schema_editor):
    Task = apps.get_model("workflow", "Task")
    Application = apps.get_model("applications", "Application")
    application = Application.objects.filter(pk=OuterRef("application_id"))
    Task.objects.update(
        case_type="application",
        case_id=models.F("application_id"),
        case_number=Subquery(application.values("number")[:1]),
        case_title=Subquery(application.values("item_name")[:1]),
        topic=Subquery(
            application.annotate(topic=Cast("item_id", models.CharField())).values("topic")[:1]
        ),
    )


def restore_applications(apps, schema_editor):
    Task = apps.get_model("workflow", "Task")
    Task.objects.filter(case_type="application").update(application_id=models.F("case_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_item_name"),
        ("workflow", "0004_task_active"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="case_type",
            field=models.CharField(
                default="application",
                help_text="登记的案件类型，如 application（办件）。",
                max_length=32,
                verbose_name="案件类型",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="task",
            name="case_id",
            field=models.BigIntegerField(default=0, verbose_name="案件编号（内部）"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="task",
            name="case_number",
            field=models.CharField(blank=True, max_length=32, verbose_name="案件编号"),
        ),
        migrations.AddField(
            model_name="task",
            name="case_title",
            field=models.CharField(blank=True, max_length=200, verbose_name="案件名称"),
        ),
        migrations.AddField(
            model_name="task",
            name="topic",
            field=models.CharField(
                blank=True,
                help_text="收件箱按此筛选，如办件的事项编号。",
                max_length=32,
                verbose_name="分类",
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="application",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="tasks",
                to="applications.application",
            ),
        ),
        migrations.RunPython(copy_cases, restore_applications, elidable=True),
        migrations.RemoveField(model_name="task", name="application"),
        migrations.AlterField(
            model_name="task",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acceptance", "受理"),
                    ("review", "审查"),
                    ("decision", "决定"),
                    ("delivery", "送达"),
                ],
                max_length=16,
                verbose_name="环节类型",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["department", "role", "active", "case_type", "due_at"],
                name="task_inbox_kind",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["department", "role", "active", "topic", "due_at"],
                name="task_inbox_topic",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["department", "role", "state", "due_at"], name="task_inbox_state"
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["case_type", "case_id"], name="task_case"),
        ),
    ]
