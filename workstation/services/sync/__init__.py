"""The terminal's side of sync (sync/PROTOCOL.md): the outbox every service writes its
events to, the HTTP client, number-block leases, and what a pulled change does here.

The wire protocol itself (canonical JSON, limits, the API's prefix) is `sync.protocol`,
the one copy both this client and the central server import.
"""
