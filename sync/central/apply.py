"""Applying pushed events exactly once.

A batch is checked as a whole first (``parse_batch``: shape, sizes, the terminal),
then settled event by event, in order, inside one database transaction
(``process_batch``, run through ``CentralDB.write``, which starts the transaction
again from scratch when PostgreSQL says a concurrent one won a race):

* an event id already stored is answered ``duplicate`` (or ``conflict`` again, with
  the same message, if it was a conflict: the terminal may have lost the first
  answer); the same id with another content hash is a recorded ``conflict``;
* an event whose predecessor (same terminal, seq − 1) has not been received is
  answered ``retry`` and not stored;
* otherwise the event is stored with the status ``applied`` or ``conflict``
  (invalid transition, another station's case, device time more than 24 h ahead,
  a content hash that does not match, an incomplete payload) — a conflict changes
  nothing else and is listed in ``conflicts`` — or answered ``retry`` when it names
  a file not uploaded yet.

Exactly once, in order, across any number of server processes: a batch's
transaction first takes a PostgreSQL advisory lock on its terminal
(``pg_advisory_xact_lock``, held until commit or rollback), so two batches of one
terminal — a retry racing its original on another worker, say — are settled one
after the other, and the second sees every event the first stored (``duplicate``)
and every predecessor it needs. Behind the lock the event id is still the primary
key: were two inserts of one event ever to meet, the second would get a unique
violation and its whole transaction would run again. SQLite's writers are
serialised already (BEGIN IMMEDIATE), and it serves one process. The cases a batch touches are locked
(SELECT … FOR UPDATE, in id order) before they are read, so two terminals deciding
the same case are serialised and the second sees the first's decision.

The handlers read and change an in-memory view of the rows the batch touches and
raise ``Conflict`` / ``Retry`` before changing anything, so a conflicting event
leaves no trace but its conflict record; the view is written back in a few bulk
statements at the end (the speed of a batch is then that of a bulk insert).

The parts: batch.py (the shape check and the payload readers), view.py (the rows a
batch touches), handlers.py (one handler per event kind) and this file (settling).
"""

from __future__ import annotations

import zlib

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from sync.protocol import content_hash

from .batch import Conflict, Incoming, Retry
from .bulk import insert_rows, is_pg, one_of
from .changes import write_changes
from .files import FileStore
from .handlers import HANDLERS
from .models import ConflictRecord, Event
from .protocol import FUTURE_LIMIT, now, text
from .scope import Refused
from .terminals import Caller
from .view import View, chunks

# The first key of the two-key advisory lock: the batches' own space, so a lock
# taken for anything else one day cannot collide with a terminal's.
BATCH_LOCK_SPACE = 0x5753


def lock_terminal(session: Session, terminal: str) -> None:
    """Wait for any other batch of ``terminal`` to commit (PostgreSQL); held to the end
    of this transaction."""
    if is_pg(session):
        key = zlib.crc32(terminal.encode("utf-8")) - 2 ** 31      # int4, as the function takes
        session.execute(select(func.pg_advisory_xact_lock(BATCH_LOCK_SPACE, key)))


def _result(ev: Incoming, status: str, message: str = "") -> dict:
    return {"id": ev.sent_id, "status": status, "message": message}


def process_batch(session: Session, caller: Caller, events: list[Incoming],
                  files: FileStore | None = None) -> list[dict]:
    """Settle a checked batch inside the caller's transaction; one result per event.
    ``files``: where the uploaded files are (a decision's document is read there)."""
    lock_terminal(session, caller.terminal)
    received = now()
    ids = sorted({ev.id for ev in events})
    stored: dict[str, tuple[str, str, str]] = {}
    for chunk in chunks(ids):
        for row in session.execute(select(Event.id, Event.content_hash, Event.status, Event.message)
                                   .where(one_of(session, Event.id, chunk))):
            stored[row.id] = (row.content_hash, row.status, row.message)
    recorded: set[tuple[str, str]] = set()
    clash = [i for i in ids if i in stored]
    for chunk in chunks(clash):
        same_id = (select(ConflictRecord.event_id, ConflictRecord.content_hash)
                   .where(one_of(session, ConflictRecord.event_id, chunk), ConflictRecord.reason == "same_id"))
        recorded.update(tuple(row) for row in session.execute(same_id).all())
    wanted = sorted({ev.seq - 1 for ev in events if ev.seq > 1})
    present: set[int] = set()
    for chunk in chunks(wanted):       # stored as events or as conflicts: one round trip
        present.update(session.scalars(union_all(
            select(Event.seq).where(Event.terminal == caller.terminal, one_of(session, Event.seq, chunk)),
            select(ConflictRecord.seq).where(ConflictRecord.terminal == caller.terminal,
                                             one_of(session, ConflictRecord.seq, chunk)))))
    view = View(session, caller, received, files.root if files is not None else None)
    view.load([ev for ev in events if ev.id not in stored])
    limit = received + FUTURE_LIMIT
    results, event_rows, conflict_rows = [], [], []

    def conflict_row(ev: Incoming, reason: str, message: str, case_id: str | None = None) -> dict:
        return {"event_id": ev.id, "terminal": caller.terminal, "station": caller.station,
                "seq": ev.seq, "kind": ev.kind, "user_login": text(ev.user, 64),
                "created_at": ev.created_at, "received_at": received, "reason": reason,
                "message": message, "case_id": case_id, "content_hash": ev.content_hash,
                "payload": ev.body}

    for ev in events:
        prior = stored.get(ev.id)
        if prior is not None:
            present.add(ev.seq)
            if prior[0] == ev.content_hash:
                results.append(_result(ev, "conflict", prior[2]) if prior[1] == "conflict"
                               else _result(ev, "duplicate", "中心已收到过此事件"))
            else:
                message = f"事件 {ev.id} 已以不同的内容收到过，本次内容未予采用，请核对"
                if (ev.id, ev.content_hash) not in recorded:
                    conflict_rows.append(conflict_row(ev, "same_id", message))
                    recorded.add((ev.id, ev.content_hash))
                results.append(_result(ev, "conflict", message))
            continue
        if ev.seq > 1 and ev.seq - 1 not in present:
            results.append(_result(ev, "retry", f"中心尚未收到本终端序号为 {ev.seq - 1} 的前一事件，请按序补发"))
            continue
        status, message = "applied", ""
        try:
            if content_hash(ev.kind, ev.body) != ev.content_hash:
                raise Conflict("hash", "事件内容与其摘要（content_hash）不符，可能在传输或存储中被改动")
            if ev.created_at > limit:
                raise Conflict("future", f"事件时间 {ev.created_at:%Y-%m-%d %H:%M} 比中心时间超前24小时以上，"
                                         "请检查终端的系统时钟")
            view.need_files(ev)         # any event naming a file waits for its upload
            handler = HANDLERS.get(ev.kind)
            if handler is not None:
                handler(view, ev)
        except Retry as exc:
            results.append(_result(ev, "retry", exc.message))
            continue
        except Refused as exc:        # the whole batch goes: the caller rolls back and records it
            exc.name(ev)
            raise
        except Conflict as exc:
            status, message = "conflict", exc.message
            conflict_rows.append(conflict_row(ev, exc.reason, exc.message, exc.case_id))
        event_rows.append({"id": ev.id, "terminal": caller.terminal, "seq": ev.seq, "kind": ev.kind,
                           "payload": ev.body, "content_hash": ev.content_hash,
                           "user_login": text(ev.user, 64), "created_at": ev.created_at,
                           "received_at": received, "status": status, "message": message})
        stored[ev.id] = (ev.content_hash, status, message)
        present.add(ev.seq)
        results.append(_result(ev, status, message))
    view.flush()
    insert_rows(session, Event, sorted(event_rows, key=lambda r: r["id"]))
    insert_rows(session, ConflictRecord, conflict_rows)
    write_changes(session, view.changes)
    return results
