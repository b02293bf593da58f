"""The error forms raises: a document could not be filled, stamped, signed or read.

It shares its base (message and field) with printing's errors; the
workstation's services translate both into DomainError.
"""

from printing.errors import LibraryError


class FormError(LibraryError):
    """A template, a key, a certificate, a QR payload or a .docx was refused."""
