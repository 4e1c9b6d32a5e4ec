from django.db import migrations


def forwards(apps, schema_editor):
    """Grant the new community.moderate_posts permission to the Moderators group."""
    from portal.roles import apply_roles

    apply_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("portal", "0003_profile_reputation"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
