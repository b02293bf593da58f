"""Pure rules of the field. Nothing here imports Qt, the database or the project."""

from .errors import DomainError

__all__ = ["DomainError"]
