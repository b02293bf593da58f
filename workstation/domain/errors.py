"""The one error type the rules raise: its message is Chinese and goes to the clerk as is."""


class DomainError(ValueError):
    """A rule of the field was broken.

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
