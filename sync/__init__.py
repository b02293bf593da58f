"""Offline-first sync: the outbox the services write to, and (later) the client,
the protocol and the reference central server."""
