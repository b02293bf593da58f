"""Use cases, one transaction each. The window and the command line both call these."""

from .context import Workstation
from .errors import NotInitialised, PermissionDenied, ServiceError

__all__ = ["Workstation", "ServiceError", "PermissionDenied", "NotInitialised"]
