"""Holiday calendars: an imported official schedule overrides the package's data,
and every open case's deadline is recomputed when one arrives."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.workdays import WorkCalendar, YearSchedule, parse_schedule, schedule_to_json
from ..store import raw
from ..store.models import Case, HolidayYear
from ..domain.states import OPEN
from . import audit
from .auth import Actor, require
from .context import Workstation
from .deadlines import refresh_due_dates
from .results import CalendarImported


_calendars: dict[tuple, WorkCalendar] = {}


def load(session: Session) -> WorkCalendar:
    """The calendar in force: imported schedules over the package's data.

    Parsed once per database and set of imports (every acceptance needs it)."""
    cur = raw.cursor(session)
    stamps = tuple(cur.execute("SELECT year, imported_at, source FROM holiday_years ORDER BY year"))
    key = (str(session.get_bind().engine.url), stamps)
    if key not in _calendars:
        years = [parse_schedule(row.data) for row in session.scalars(select(HolidayYear))]
        _calendars[key] = WorkCalendar(years)
    return _calendars[key]


def store_schedule(s: Session, ws: Workstation, schedule: YearSchedule, by: str) -> int:
    """Keep a year's schedule (an import, or one published by the centre) in the
    caller's transaction and recompute every open case's deadlines; audited. Returns
    how many cases changed."""
    now = ws.clock.now()
    row = s.get(HolidayYear, schedule.year)
    body = schedule_to_json(schedule)
    if row is None:
        s.add(HolidayYear(year=schedule.year, source=schedule.source, data=body, imported_at=now))
    else:
        row.source, row.data, row.imported_at = schedule.source, body, now
    s.flush()
    calendar = load(s)
    open_cases = s.scalars(select(Case).where(Case.status.in_([st.value for st in OPEN]))).all()
    changed = refresh_due_dates(calendar, open_cases, now)
    audit.record(s, by, ws.settings(s).terminal, now, "calendar.import", str(schedule.year),
                 {"source": schedule.source, "holidays": len(schedule.holidays),
                  "workdays": len(schedule.workdays), "cases_recomputed": changed})
    return changed


def import_calendar(ws: Workstation, actor: Actor, data: dict) -> CalendarImported:
    require(actor, "import_calendar")
    schedule: YearSchedule = parse_schedule(data)
    with ws.transaction() as s:
        changed = store_schedule(s, ws, schedule, actor.login)
        return {"year": schedule.year, "holidays": len(schedule.holidays),
                "workdays": len(schedule.workdays), "cases_recomputed": changed}
