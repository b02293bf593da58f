"""受理 screen: applicant, matter or bundle, materials checklist, the four outcomes."""

from .screen import AcceptanceScreen

__all__ = ["AcceptanceScreen"]
