"""Errors the services raise. All carry Chinese messages fit for the clerk.

The libraries below the services (forms, printing) import nothing of the
workstation, so they raise their own errors (forms.errors.FormError,
printing.errors.PrintError, both a printing.errors.LibraryError with the same
`.message` and `.field` as DomainError). The services translate them, and only
the services: every service call into forms or printing runs inside
`library_errors()` (a context manager, also usable as a decorator), which
re-raises a LibraryError as a DomainError with the same message and field. A
service that words the failure its own way (naming the file, or turning it
into a verdict) catches LibraryError itself. So the CLI, the window and the
tests above the services see DomainError only, as before: same messages, same
exit code 2, same highlighted field.
"""

import errno
from contextlib import contextmanager
from collections.abc import Iterator

from printing.errors import LibraryError

from ..domain.errors import DomainError
from ..store import StoreError  # noqa: F401 - a data folder that cannot be used; callers catch it from here


@contextmanager
def library_errors() -> Iterator[None]:
    """Re-raise a forms or printing error as the DomainError the layers above expect."""
    try:
        yield
    except LibraryError as exc:
        raise DomainError(exc.message, exc.field) from exc


def failure_reason(exc: BaseException) -> str:
    """Why a step after a commit failed, in words a clerk can act on (the CLI's exit 4
    and the window's "partly done" message both say it)."""
    if isinstance(exc, DomainError):
        return str(exc)
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "磁盘已满，请清理磁盘空间"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return "数据目录不可写，请联系管理员"
        return f"读写文件出错：{exc.strerror or type(exc).__name__}"
    return str(exc)[:200] or type(exc).__name__


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
