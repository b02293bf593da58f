"""Errors the services raise. All carry Chinese messages fit for the clerk."""

from ..domain.errors import DomainError


class ServiceError(DomainError):
    """Bad input or a refused action: nothing was written."""


class PermissionDenied(ServiceError):
    pass


class AuthenticationFailed(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class NotInitialised(ServiceError):
    pass
