from django.db import migrations


def forwards(apps, schema_editor):
    """The "Support agents" and "Support supervisors" groups get their case permissions, and the portal
    starts with one default SLA policy (around the clock until an admin picks a business calendar)."""
    from portal.roles import apply_roles

    apply_roles(apps)
    SlaPolicy = apps.get_model("moderation", "SlaPolicy")
    if not SlaPolicy.objects.filter(is_default=True).exists():
        SlaPolicy.objects.create(name="Default", is_default=True)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0004_cases_webhooks"),
        ("portal", "0009_notification_kind_support"),
        ("community", "0007_answer_support_reply"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
