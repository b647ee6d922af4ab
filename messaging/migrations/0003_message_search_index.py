from django.db import migrations

# The same expression as the query's SearchVector("body", config="simple"), or PostgreSQL
# would not use the index.
CREATE = (
    "CREATE INDEX IF NOT EXISTS messaging_message_body_fts ON messaging_message "
    "USING GIN (to_tsvector('simple'::regconfig, COALESCE(body, '')))"
)
DROP = "DROP INDEX IF EXISTS messaging_message_body_fts"


def create_on_postgresql(apps, schema_editor):
    # Full-text search runs on PostgreSQL only; SQLite searches without an index.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_on_postgresql(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_message_directive_ack_by_message_directive_due_and_more")]

    operations = [migrations.RunPython(create_on_postgresql, drop_on_postgresql)]
