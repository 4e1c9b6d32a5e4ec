from django.db import migrations


def forwards(apps, schema_editor):
    """Moderators may view questions, answers and comments: Wagtail's Site history report then shows them
    the audit entries about those posts (portal/audit.py)."""
    from portal.roles import apply_roles

    apply_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0006_notification_claimed_until"),
        ("community", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
