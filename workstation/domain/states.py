"""Case states and the transitions the law and the hall's procedure allow."""

from enum import StrEnum

from .errors import DomainError


class CaseStatus(StrEnum):
    DRAFT = "draft"
    NOTIFIED = "notified"            # 补正告知 (一次性告知 issued)
    REFUSED = "refused"              # 不予受理
    ACCEPTED = "accepted"            # 受理
    TOLERATED = "tolerated"          # 容缺受理
    REVIEWING = "reviewing"          # 审查中
    SUSPENDED = "suspended"          # 中止 (clock suspended)
    APPROVED = "approved"            # 准予
    DENIED = "denied"                # 不予许可
    AWAITING_DELIVERY = "awaiting_delivery"  # 待出件
    DELIVERED = "delivered"          # 已送达/办结
    WITHDRAWN = "withdrawn"          # 撤回
    TERMINATED = "terminated"        # 终止 (容缺 promise broken)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CaseStatus.DRAFT: "草稿",
    CaseStatus.NOTIFIED: "补正告知",
    CaseStatus.REFUSED: "不予受理",
    CaseStatus.ACCEPTED: "受理",
    CaseStatus.TOLERATED: "容缺受理",
    CaseStatus.REVIEWING: "审查中",
    CaseStatus.SUSPENDED: "中止",
    CaseStatus.APPROVED: "准予",
    CaseStatus.DENIED: "不予许可",
    CaseStatus.AWAITING_DELIVERY: "待出件",
    CaseStatus.DELIVERED: "已送达/办结",
    CaseStatus.WITHDRAWN: "撤回",
    CaseStatus.TERMINATED: "终止",
}

S = CaseStatus
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.DRAFT: frozenset({S.NOTIFIED, S.REFUSED, S.ACCEPTED, S.TOLERATED, S.WITHDRAWN}),
    # The applicant comes back once with everything the notice listed.
    S.NOTIFIED: frozenset({S.ACCEPTED, S.TOLERATED, S.REFUSED, S.WITHDRAWN}),
    # 即办件 go straight to a decision (审核合一); others go to review.
    S.ACCEPTED: frozenset({S.REVIEWING, S.APPROVED, S.DENIED, S.WITHDRAWN}),
    # A 容缺 case may be reviewed while the promised material is awaited, but is
    # only decided once it is supplied (→ ACCEPTED) or terminated when the promise breaks.
    S.TOLERATED: frozenset({S.ACCEPTED, S.REVIEWING, S.TERMINATED, S.WITHDRAWN}),
    S.REVIEWING: frozenset({S.SUSPENDED, S.APPROVED, S.DENIED, S.WITHDRAWN, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.REVIEWING, S.WITHDRAWN, S.TERMINATED}),
    S.APPROVED: frozenset({S.AWAITING_DELIVERY}),
    S.DENIED: frozenset({S.AWAITING_DELIVERY}),
    S.AWAITING_DELIVERY: frozenset({S.DELIVERED}),
    S.REFUSED: frozenset(),
    S.DELIVERED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.TERMINATED: frozenset(),
}

FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# States whose deadline clock runs; these are recomputed when a calendar arrives.
OPEN = frozenset({S.ACCEPTED, S.TOLERATED, S.REVIEWING, S.SUSPENDED})


def parse_status(text: str) -> CaseStatus:
    """Accept the English code or the Chinese label."""
    value = text.strip() if isinstance(text, str) else ""
    for status in CaseStatus:
        if value in (status.value, status.label):
            return status
    if value == "已送达" or value == "办结":
        return S.DELIVERED
    known = "、".join(f"{s.value}（{s.label}）" for s in CaseStatus)
    raise DomainError(f"未知的案件状态“{value[:20]}”，可用：{known}", "status")


def check_transition(current: CaseStatus, target: CaseStatus) -> CaseStatus:
    if target not in TRANSITIONS[current]:
        if current in FINAL:
            raise DomainError(f"案件已{current.label}，不能再变为“{target.label}”")
        raise DomainError(f"案件当前为“{current.label}”，不能直接变为“{target.label}”")
    return target
