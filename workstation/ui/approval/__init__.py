"""审批 screen: the approver's queue, decisions one by one or in bulk."""

from .screen import ApprovalScreen

__all__ = ["ApprovalScreen"]
