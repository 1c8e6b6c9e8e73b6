"""Make the stock ledger append-only in the database (lot traceability; DSCSA records).

Same pattern as accounts 0003: the model and queryset refuse updates and deletes; on
PostgreSQL a row trigger also refuses UPDATE and DELETE from raw SQL (TRUNCATE is left to
privileges, as the test suite's flush uses it). On SQLite (development only) the trigger
refuses UPDATE; DELETE stays possible because Django's test flush deletes row by row.
"""

from django.db import migrations

TABLE = "inventory_stockmovement"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION inventory_stockmovement_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The stock ledger is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inventory_stockmovement_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmovement_refuse_change();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS inventory_stockmovement_append_only ON {TABLE};
DROP FUNCTION IF EXISTS inventory_stockmovement_refuse_change();
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER inventory_stockmovement_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The stock ledger is append-only: UPDATE is not allowed'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS inventory_stockmovement_no_update;",
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
    dependencies = [("inventory", "0001_catalog_stock_and_ledger")]

    operations = [migrations.RunPython(forward, backward)]
