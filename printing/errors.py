"""The errors the libraries raise (printing, and forms, which builds on printing).

The libraries sit below the workstation and import nothing of it, so they
cannot raise its DomainError; the workstation's services translate these into
it at their boundary (workstation/services/errors.py). The message is Chinese
and goes to the clerk as is.
"""


class LibraryError(ValueError):
    """Bad input to a library call; nothing was produced.

    Attributes:
        message: Chinese text fit to show a clerk or print on stderr.
        field: the input field at fault, when there is one (for highlighting).
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class PrintError(LibraryError):
    """A code, a page or a printout could not be made or read."""
