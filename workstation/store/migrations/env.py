"""Alembic environment: the engine comes from workstation.store.db, never from an ini file."""

from alembic import context

from workstation.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()
