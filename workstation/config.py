"""Where the data lives and what day it is; both overridable for training and tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .domain.errors import DomainError

APP_NAME = "workstation"
RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--data-dir, then WORKSTATION_DATA_DIR, then the platform's user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("WORKSTATION_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Clock:
    """Today is the real date unless fixed (WORKSTATION_TODAY=YYYY-MM-DD)."""

    fixed: date | None = None

    @classmethod
    def from_env(cls) -> Clock:
        text = os.environ.get("WORKSTATION_TODAY", "").strip()
        if not text:
            return cls()
        try:
            return cls(date.fromisoformat(text))
        except ValueError:
            raise DomainError(f"WORKSTATION_TODAY“{text[:20]}”不是 YYYY-MM-DD 格式的日期") from None

    def today(self) -> date:
        return self.fixed or date.today()

    def now(self) -> datetime:
        real = datetime.now().replace(microsecond=0)
        return datetime.combine(self.fixed, real.time()) if self.fixed else real
