"""Anonymous votes kept their visitor's session key, a credential: replace each with its keyed hash
(`knowledge.services.session_ref`), which is what the votes are matched by from now on."""

from django.db import migrations
from django.utils.crypto import salted_hmac


def hash_session_keys(apps, schema_editor):
    feedback = apps.get_model("knowledge", "ArticleFeedback")
    for row in feedback.objects.filter(user__isnull=True).exclude(session_key="").only("pk", "session_key").iterator():
        hashed = salted_hmac("knowledge.helpful-vote.session", row.session_key, algorithm="sha256").hexdigest()
        feedback.objects.filter(pk=row.pk).update(session_key=hashed)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_curation")]

    operations = [migrations.RunPython(hash_session_keys, migrations.RunPython.noop, elidable=True)]
