"""Make the audit log append-only in the database itself (HIPAA 164.312(b), ASVS 16.4.2).

The model and its queryset refuse updates and deletes. On PostgreSQL a row trigger also
refuses UPDATE and DELETE from raw SQL. TRUNCATE is left to privileges (production's
application role must not own the table); the test suite's flush between transactional
tests uses it. SQLite is for development only: there the trigger refuses UPDATE, and DELETE
is left possible because Django's test flush deletes rows one table at a time.
"""

from django.db import migrations

TABLE = "accounts_auditlogentry"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION accounts_auditlog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditlog_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accounts_auditlog_refuse_change();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS accounts_auditlog_append_only ON {TABLE};
DROP FUNCTION IF EXISTS accounts_auditlog_refuse_change();
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER accounts_auditlog_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE is not allowed'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditlog_no_update;",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the PL/pgSQL "%" is not a query placeholder.
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles")]

    operations = [migrations.RunPython(forward, backward)]
