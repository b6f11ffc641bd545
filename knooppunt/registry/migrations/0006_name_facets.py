from django.db import migrations


def rebuild_documents(apps, schema_editor):
    # Search documents now carry the words of the name as `_n_` facets (PostgreSQL ranks
    # name hits first with them). A new database has nothing to rebuild; an existing one
    # gets every document rebuilt by the current code, as `knooppunt reindex` does.
    Organisation = apps.get_model("registry", "Organisation")
    Partnership = apps.get_model("registry", "Partnership")
    if Organisation.objects.exists() or Partnership.objects.exists():
        from knooppunt.registry.services import registry_reindex_all

        registry_reindex_all()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_search_vector_without_parser"),
    ]

    operations = [
        migrations.RunPython(rebuild_documents, migrations.RunPython.noop),
    ]
