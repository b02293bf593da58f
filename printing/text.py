"""Which characters print as nothing: such text is refused, not printed.

The same rule as workstation.domain.text (which may import nothing of the
project, hence the second copy; tests/test_libraries_standalone.py checks they agree).
"""

import unicodedata

# Unicode categories that print as nothing or break a line: controls, format
# characters (zero-width, bidi overrides), surrogates, private use, unassigned,
# and the line and paragraph separators.
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def has_control(value: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) in INVISIBLE and ch not in allowed for ch in value)
