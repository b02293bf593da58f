"""What a terminal may say (issue 16, finding 2): the centre decides, not the terminal.

A community station's token may push only what a station does — accept (受理, 容缺受理),
notify (一次性告知 / 补正告知), refuse (不予受理), hand materials over (材料流转 and
electronic pages) and record deliveries — and only for its own station, the one
recorded when it enrolled. Deciding a case (准予 / 不予许可, on the spot or later),
reviewing, suspending, extending and signing for a transfer are the district's.

A batch with one event a terminal may not push is refused whole (403): nothing of it
is stored, and the refusal is recorded with the terminal that tried
(``refusals``, listed by ``workstation-central refusals``). A terminal never has
such events in its outbox unless it was tampered with or badly misconfigured, so
refusing the batch, not the one event, keeps a forged event from riding along with
honest ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .models import Refusal
from .protocol import ApiError, now, text

if TYPE_CHECKING:
    from .batch import Incoming
    from .terminals import Caller

STATION_KINDS = frozenset({
    "acceptance.accepted", "acceptance.tolerated", "acceptance.notified", "acceptance.refused",
    "transfer.packed", "transfer.sent", "transfer.cancelled",
    "material.pages", "material.check",
    "case.deliver", "case.delivered",
    "document.sign",
    # A station's own 受理 seal; what a seal certificate may claim is the pki slice's.
    "seal.create", "seal.revoke",
})
DECIDED = ("approved", "denied")
# The documents that carry a decision: only the district issues them.
DECISION_DOCUMENTS = frozenset({"准予行政许可决定书", "不予行政许可决定书"})


class Refused(ApiError):
    """A batch refused whole (403) because of what a terminal may not say."""

    def __init__(self, reason: str, message: str, ev: Incoming | None = None):
        super().__init__(403, "forbidden", text(message, 1000))
        self.reason = reason
        self.event_id = self.kind = self.user = None
        if ev is not None:
            self.name(ev)

    def name(self, ev: Incoming) -> None:
        """The event that made the batch refused, for the record."""
        self.event_id, self.kind, self.user = ev.id, ev.kind, ev.user


def _name(ev: Incoming, index: int) -> str:
    return f"第{index}个事件（{ev.kind[:40]}）"


def check_batch(caller: Caller, events: list[Incoming]) -> None:
    """Refused for the first event the caller's terminal may not push."""
    for index, ev in enumerate(events, start=1):
        p = ev.payload
        named = p.get("terminal")
        if named is not None and (not isinstance(named, str) or named.strip() != caller.terminal):
            raise Refused("terminal", f"{_name(ev, index)}署名终端“{str(named)[:10]}”，"
                                      f"而令牌属于终端 {caller.terminal}：整批未予接收", ev)
        if caller.district:
            continue
        here = f"本终端（站点 {caller.station}）"
        if ev.kind not in STATION_KINDS:
            what = "作出审批决定" if ev.kind in ("case.approve", "case.deny") else "推送此类事件"
            raise Refused("decision" if what == "作出审批决定" else "kind",
                          f"{_name(ev, index)}：{here}无权{what}，只有区政务服务中心的终端可以：整批未予接收",
                          ev)
        station = p.get("station")
        if isinstance(station, str) and station.strip() != caller.station:
            raise Refused("station", f"{_name(ev, index)}属于站点“{str(station)[:20]}”，"
                                     f"{here}只能办理本站点的事项：整批未予接收", ev)
        cases = p.get("cases") if ev.kind.startswith("acceptance.") else None
        if isinstance(cases, list) and any(isinstance(c, dict) and c.get("status") in DECIDED
                                           for c in cases):
            raise Refused("decision", f"{_name(ev, index)}含有当场作出的审批决定：{here}无权作出审批决定，"
                                      "只有区政务服务中心的终端可以：整批未予接收", ev)
        if ev.kind == "document.sign" and p.get("kind") in DECISION_DOCUMENTS:
            raise Refused("decision", f"{_name(ev, index)}是审批决定书：{here}无权签发，"
                                      "只有区政务服务中心的终端可以：整批未予接收", ev)


def record(session: Session, caller: Caller, refused: Refused, events: int) -> None:
    """Keep the refusal (its own transaction: the batch's was rolled back)."""
    session.add(Refusal(terminal=caller.terminal, station=caller.station, at=now(),
                        reason=refused.reason, message=refused.message,
                        event_id=refused.event_id, kind=text(refused.kind, 80) or None,
                        user_login=text(refused.user, 64) or None, events=events))


def list_refusals(session: Session) -> list[dict]:
    from sqlalchemy import select

    rows = session.scalars(select(Refusal).order_by(Refusal.id))
    return [{"id": r.id, "terminal": r.terminal, "station": r.station,
             "at": r.at.isoformat(timespec="seconds"), "reason": r.reason, "message": r.message,
             "event_id": r.event_id, "kind": r.kind, "user": r.user_login, "events": r.events}
            for r in rows]
