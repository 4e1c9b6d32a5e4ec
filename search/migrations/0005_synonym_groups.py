"""Editor-managed synonym groups (issue 14), and the permission to manage them for the "Content editors"
and "Moderators" groups (admins have every permission)."""

from django.db import migrations, models

SYNONYM_PERMISSIONS = ["add_synonymgroup", "change_synonymgroup", "delete_synonymgroup", "view_synonymgroup"]
GROUPS = ["Content editors", "Moderators"]  # portal.roles.CONTENT_EDITORS, MODERATORS


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    config = apps.get_app_config("search")
    config.models_module = getattr(config, "models_module", None) or True
    create_contenttypes(config, verbosity=0, apps=apps)
    create_permissions(config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="search", codename__in=SYNONYM_PERMISSIONS)
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="search", codename__in=SYNONYM_PERMISSIONS)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0004_title_index"),
        ("portal", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="SynonymGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("language", models.CharField(choices=[("en", "English"), ("ja", "Japanese")], default="en", max_length=8, verbose_name="language")),
                ("terms", models.TextField(help_text="Two or more words or short phrases that mean the same, one per line (or separated by commas), e.g. invoice, bill, receipt. A search for any of them also finds the others.", verbose_name="words and phrases")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
            ],
            options={
                "verbose_name": "synonym group",
                "verbose_name_plural": "synonym groups",
                "ordering": ["language", "terms"],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
