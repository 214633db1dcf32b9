from django.core.management import call_command
from django.db import migrations

# The audit log is append-only at the database itself: no page, API, admin or shell session can
# change or delete an entry. TRUNCATE (used only to empty test databases) is not a row change.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditevent_append_only
BEFORE UPDATE OR DELETE ON accounts_auditevent
FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();
"""

ALLOW_CHANGES = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_append_only();
"""


def create_cache_table(apps, schema_editor):
    # Throttle counters and the worker heartbeat live in the database cache (see settings.CACHES).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunSQL(APPEND_ONLY, ALLOW_CHANGES),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
