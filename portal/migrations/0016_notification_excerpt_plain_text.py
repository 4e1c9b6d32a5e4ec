"""Decode the HTML entities left in excerpts stored before notification text became plain text.

Until now a community post's excerpt (keys "question:", "answer:", "comment:") and a support reply's
("case-reply:") were `strip_tags(body_html)`: the rendered post with its tags removed but its entities
kept, so the list and the emails showed "Settings &gt; Device". `html.unescape` once gives exactly the text
the post page shows. Excerpts that never came from HTML (a moderator's reason, a badge's description) are
left alone: there an "&gt;" is what someone typed. New rows are plain text already (see
`portal.notifications.excerpt_from_html`), so this runs once and has nothing to undo.
"""

import html

from django.db import migrations
from django.db.models import Q

FROM_POST_HTML = ("question:", "answer:", "comment:", "case-reply:")
BATCH = 500


def decode_excerpts(apps, schema_editor):
    Notification = apps.get_model("portal", "Notification")
    from_html = Q()
    for prefix in FROM_POST_HTML:
        from_html |= Q(dedupe_key__startswith=prefix)
    rows = Notification.objects.filter(from_html, excerpt__contains="&").only("pk", "excerpt").order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        changed = []
        for row in batch:
            text = html.unescape(row.excerpt)
            if text != row.excerpt:
                row.excerpt = text
                changed.append(row)
        Notification.objects.bulk_update(changed, ["excerpt"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0015_notification_language"),
    ]

    operations = [
        migrations.RunPython(decode_excerpts, migrations.RunPython.noop, elidable=True),
    ]
