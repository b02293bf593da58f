"""案件 screen: the case list (lazy, searchable) and the case detail dialog."""

from .detail import CaseDialog
from .table import CasesScreen

__all__ = ["CasesScreen", "CaseDialog"]
