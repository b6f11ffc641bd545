"""Introduction reasons become codes computed by the server.

Reasons stored before were free text taken from the request (the requester could write
anything there); they cannot be trusted or translated, so they are dropped.
"""

from django.db import migrations


def drop_text_reasons(apps, schema_editor):
    Introduction = apps.get_model("matching", "Introduction")
    for introduction in Introduction.objects.exclude(reasons=[]).only("pk", "reasons"):
        reasons = introduction.reasons if isinstance(introduction.reasons, list) else []
        kept = [r for r in reasons if isinstance(r, dict) and "code" in r]
        if kept != introduction.reasons:
            Introduction.objects.filter(pk=introduction.pk).update(reasons=kept)


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]

    operations = [migrations.RunPython(drop_text_reasons, migrations.RunPython.noop)]
