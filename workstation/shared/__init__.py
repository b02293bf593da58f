"""What the terminal and the central server share that is not a pure rule: reading a
file a user named, and the SQLite engine's set-up. No Qt, no store, no services."""
