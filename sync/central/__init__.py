"""The reference central server of the sync protocol (sync/PROTOCOL.md).

A FastAPI + uvicorn application over SQLAlchemy 2 and Alembic, on PostgreSQL for
real use and SQLite for a quick local try:

* ``app.create_app(db_url)`` — the ASGI application (migrates the schema first);
* ``cli.main(argv)`` — ``workstation-central serve | terminal add | cases | conflicts |
  catalog publish | calendar publish``;
* ``apply`` — events applied exactly once, state transitions checked by
  ``workstation.domain.states``;
* ``changes.publish_catalog(session, catalog, version)`` — one change per changed matter.

Nothing here imports the workstation's store or services: the centre speaks the
protocol, and borrows only the pure domain rules (states, numbering) and the
document verifier (forms.stamp).
"""

__all__ = ["create_app", "publish_catalog", "publish_calendar", "publish_user"]


def __getattr__(name: str):
    # Lazy: the CLI's `terminal add` should not pay for importing FastAPI.
    if name == "create_app":
        from .app import create_app

        return create_app
    if name in ("publish_catalog", "publish_calendar", "publish_user"):
        from . import changes

        return getattr(changes, name)
    raise AttributeError(name)
