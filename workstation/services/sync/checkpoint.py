"""The audit checkpoint a sync sends (sync/PROTOCOL.md, POST /checkpoints): this
terminal's audit head, signed with the key pair created with the audit key. The
centre's confirmation is kept (MAC'd) for `audit verify` to compare the chain with."""

from __future__ import annotations

from workstation.services import audit, audit_key
from workstation.services.context import Workstation
from workstation.store import raw

from .http import Central, Refused


def public_key(ws: Workstation) -> dict | None:
    """What enrolment registers at the centre; None on an unkeyed terminal."""
    with ws.reading() as s:
        return audit_key.terminal_public_key(raw.cursor(s))


def send(ws: Workstation, central: Central) -> str | None:
    """Sign and send the head unless the centre already confirmed it; returns the
    centre's refusal (for the sync's error line), None when confirmed or nothing to do."""
    with ws.reading() as s:
        cur = raw.cursor(s)
        key = audit.current_key(cur)
        head = audit.head(s)
        if key is None or head is None:
            return None                         # unkeyed: nothing this terminal could sign
        confirmed = audit.confirmed_checkpoint(cur, key)
        if isinstance(confirmed, dict) and (confirmed["seq"], confirmed["hash"]) == head:
            return None                         # this head is the one confirmed last time
        terminal = ws.settings(s).terminal
        at = ws.clock.now().isoformat(timespec="seconds")
        signature = audit_key.sign_checkpoint(cur, key, terminal, head[0], head[1], at)
    try:
        answer = central.json("POST", "/checkpoints", expect=(201,), json={
            "terminal": terminal, "seq": head[0], "hash": head[1], "at": at, "signature": signature})
    except Refused as exc:
        return f"审计检查点未被中心接受：{exc}"
    if answer.get("seq") != head[0] or answer.get("hash") != head[1]:
        return "中心对审计检查点的确认与所发的不符"
    with ws.transaction() as s:
        audit.confirm_checkpoint(s, head[0], head[1], at, str(answer.get("confirmed_at") or ""))
    return None
