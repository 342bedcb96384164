"""Database triggers that make audit rows append-only, on SQLite and PostgreSQL."""

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only"

SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]
POSTGRESQL_CREATE = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
    f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$;",
    f"CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();",
    f"CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_no_change ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_event_append_only();",
]

STATEMENTS = {
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
}


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def create(connection) -> None:
    if connection.vendor not in STATEMENTS:
        raise NotImplementedError(f"No append-only triggers for {connection.vendor}.")
    _run(connection, STATEMENTS[connection.vendor][0])


def drop(connection) -> None:
    if connection.vendor in STATEMENTS:
        _run(connection, STATEMENTS[connection.vendor][1])
