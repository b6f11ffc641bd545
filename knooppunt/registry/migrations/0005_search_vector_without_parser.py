from django.db import migrations

from knooppunt.registry import search


def recreate_search_vector(apps, schema_editor):
    # PostgreSQL cannot change a generated column's expression before version 17:
    # drop the column and its index; ensure_index adds them back with the current one.
    if schema_editor.connection.vendor == "postgresql":
        search.drop_index(schema_editor.connection.alias)
        search.ensure_index(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_organisation_updated_index"),
    ]

    operations = [
        migrations.RunPython(recreate_search_vector, migrations.RunPython.noop),
    ]
