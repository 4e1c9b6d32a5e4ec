from django.db import migrations

RULE_PERMISSIONS = ["add_rule", "change_rule", "delete_rule", "view_rule"]


def forwards(apps, schema_editor):
    """The "Moderators" group manages pre-publish rules (Moderation → Pre-publish rules in the admin)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    config = apps.get_app_config("moderation")
    config.models_module = getattr(config, "models_module", None) or True
    create_contenttypes(config, verbosity=0, apps=apps)
    create_permissions(config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="moderation", codename__in=RULE_PERMISSIONS))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="moderation", codename__in=RULE_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("portal", "0007_moderators_see_post_audit_history"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
