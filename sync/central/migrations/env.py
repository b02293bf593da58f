"""Alembic environment of the central server: the engine comes from sync.central.db.

On PostgreSQL the migration holds an advisory lock, so two servers started at once
on an empty database do not both create the tables."""

from alembic import context

from sync.central.models import Base

MIGRATION_LOCK = 727_005

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, transaction_per_migration=False)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()
