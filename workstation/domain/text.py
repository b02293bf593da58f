"""Hygiene for free text typed at the counter or read from files.

Documents are printed and synced, so a control character or a 10,000-character
name must be stopped at the door with a message, not stored.
"""

import unicodedata

from .errors import DomainError

NAME_MAX = 100
ADDRESS_MAX = 200
NOTE_MAX = 500


# Unicode categories that print as nothing or break a line: controls, format
# characters (zero-width, bidi overrides), surrogates, private use, unassigned,
# and the line and paragraph separators.
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def has_control(value: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) in INVISIBLE and ch not in allowed for ch in value)


def clean_text(value, label: str, *, max_len: int = NAME_MAX, required: bool = True,
               field: str | None = None) -> str:
    """Return the value stripped, or raise DomainError naming `label`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(f"{label}应为文字", field)
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        if required:
            raise DomainError(f"{label}不能为空", field)
        return ""
    if "\t" in value:
        raise DomainError(f"{label}含有制表符，请重新输入", field)
    if has_control(value):
        raise DomainError(f"{label}含有不可见的控制字符，请重新输入", field)
    if len(value) > max_len:
        raise DomainError(f"{label}过长（{len(value)}字，最多{max_len}字）", field)
    return value


def clean_phone(value, label: str = "联系电话", *, required: bool = False,
                field: str | None = "phone") -> str:
    """Mainland mobile (11 digits, 1[3-9]…) or a fixed line with area code."""
    text = clean_text(value, label, max_len=20, required=required, field=field)
    if not text:
        return ""
    digits = text.replace("-", "").replace(" ", "")
    if not digits.isascii() or not digits.isdigit():
        raise DomainError(f"{label}只能包含数字和“-”", field)
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return digits
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return text.replace(" ", "")
    raise DomainError(f"{label}“{text}”不是有效的手机号（11位）或带区号的固定电话", field)
