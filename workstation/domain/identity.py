"""Identity codes: 居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015)."""

from dataclasses import dataclass
from datetime import date

from .errors import DomainError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Province-level prefixes of the administrative division code (GB/T 2260).
PROVINCE_PREFIXES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91",
})


@dataclass(frozen=True)
class IdCard:
    number: str
    region: str
    birth_date: date
    male: bool


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[total % 11]


def parse_id_card(value: str, *, today: date | None = None, field: str = "id_number") -> IdCard:
    """Validate a 18-digit resident ID number; raise DomainError saying what is wrong."""
    if not isinstance(value, str):
        raise DomainError("身份证号码应为文字", field)
    number = value.strip().upper()
    if not number:
        raise DomainError("身份证号码不能为空", field)
    if len(number) != 18:
        raise DomainError(f"身份证号码应为18位，现为{len(number)}位", field)
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        raise DomainError("身份证号码前17位应为数字，末位为数字或X", field)
    if number[:2] not in PROVINCE_PREFIXES:
        raise DomainError(f"身份证号码的地区码“{number[:6]}”不存在", field)
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError(f"身份证号码中的出生日期“{number[6:14]}”不存在", field) from None
    if birth.year < 1850 or (today is not None and birth > today):
        raise DomainError(f"身份证号码中的出生日期“{number[6:14]}”不合理", field)
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise DomainError("身份证号码校验位错误，请核对是否录入有误", field)
    return IdCard(number, number[:6], birth, int(number[16]) % 2 == 1)


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build a valid ID number (demo data and tests)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def parse_credit_code(value: str, *, field: str = "credit_code") -> str:
    """Validate a 统一社会信用代码 and return it upper-cased."""
    if not isinstance(value, str):
        raise DomainError("统一社会信用代码应为文字", field)
    code = value.strip().upper()
    if not code:
        raise DomainError("统一社会信用代码不能为空", field)
    if len(code) != 18:
        raise DomainError(f"统一社会信用代码应为18位，现为{len(code)}位", field)
    bad = sorted({c for c in code if c not in CREDIT_CHARSET})
    if bad:
        shown = "、".join(repr(c)[1:-1] for c in bad[:5])
        raise DomainError(f"统一社会信用代码含有不允许的字符：{shown}（不使用I、O、Z、S、V）", field)
    if not code[2:8].isdigit():
        raise DomainError("统一社会信用代码第3至8位应为行政区划码（数字）", field)
    if code[17] != credit_check_char(code[:17]):
        raise DomainError("统一社会信用代码校验位错误，请核对是否录入有误", field)
    return code


def make_credit_code(region: str, body: str, dept: str = "9", kind: str = "1") -> str:
    """Build a valid credit code from a 6-digit region and a 9-character body."""
    first17 = f"{dept}{kind}{region}{body}"
    return first17 + credit_check_char(first17)


def looks_like_id_number(text: str) -> bool:
    t = text.strip().upper()
    return len(t) == 18 and t[:17].isdigit() and t[17] in "0123456789X"


def looks_like_credit_code(text: str) -> bool:
    t = text.strip().upper()
    return len(t) == 18 and all(c in CREDIT_CHARSET for c in t) and not t.isdigit()


# Other identity documents a natural person may present; checked by shape only,
# because their issuers publish no check rule.
OTHER_ID_TYPES = {
    "passport": ("护照", r"^[A-Z0-9]{5,17}$"),
    "hk_macao_permit": ("港澳居民来往内地通行证", r"^[HM]\d{8,10}$"),
    "taiwan_permit": ("台湾居民来往大陆通行证", r"^\d{8}$|^\d{10}$"),
    "foreign_permanent": ("外国人永久居留身份证", r"^[A-Z0-9]{15,18}$"),
    "hk_macao_residence": ("港澳台居民居住证", r"^8[123]\d{15}[0-9X]$"),
}
ID_TYPE_LABELS = {"id_card": "居民身份证", **{k: v[0] for k, v in OTHER_ID_TYPES.items()}}


def parse_other_id(id_type: str, value: str, *, field: str = "id_number") -> str:
    import re

    if id_type not in OTHER_ID_TYPES:
        raise DomainError(f"不支持的证件类型“{id_type}”", "id_type")
    label, pattern = OTHER_ID_TYPES[id_type]
    number = (value or "").strip().upper()
    if not number:
        raise DomainError(f"{label}号码不能为空", field)
    if not re.match(pattern, number):
        raise DomainError(f"{label}号码“{number[:30]}”格式不正确", field)
    return number
