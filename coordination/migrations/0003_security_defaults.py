from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION rakor_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER coordination_auditentry_append_only
    BEFORE UPDATE OR DELETE ON coordination_auditentry
    FOR EACH ROW EXECUTE FUNCTION rakor_audit_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS coordination_auditentry_append_only ON coordination_auditentry;
DROP FUNCTION IF EXISTS rakor_audit_append_only();
"""


def append_only_on_postgresql(apps, schema_editor):
    # On PostgreSQL the database itself refuses to change or delete audit entries. (Tests
    # empty tables with TRUNCATE, which the trigger leaves alone.) SQLite relies on the ORM.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


def one_policy_per_role(apps, schema_editor):
    policy = apps.get_model("coordination", "RoleSecurityPolicy")
    for role in ("administrator", "coordinator", "member"):
        policy.objects.get_or_create(role=role, defaults={"require_second_factor": False})


class Migration(migrations.Migration):
    dependencies = [("coordination", "0002_audit_and_security_policy")]

    operations = [
        migrations.RunPython(append_only_on_postgresql, drop_append_only),
        migrations.RunPython(one_policy_per_role, migrations.RunPython.noop),
    ]
