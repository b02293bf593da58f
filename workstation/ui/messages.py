"""The one-line message under a screen or dialog: what went wrong in red, what was
done in green; a service's own refusal shown as it says it, anything else as an
internal error (the clerk must not mistake a fault for a rule)."""

from __future__ import annotations

from ..domain.errors import DomainError

ERROR_STYLE = "color: #b00020; font-weight: bold"
INFO_STYLE = "color: #1b5e20"


def error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, DomainError) else f"内部错误，操作未完成：{exc}"


def say(label, text: str, *, error: bool = False) -> None:
    label.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
    label.setText(text)
