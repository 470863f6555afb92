"""What a running process holds: its settings, its database and its fiscal calendar.

The web app keeps one Runtime on the Flask app (see app.py); the command line builds its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from aim.config import Settings
from aim.db import Database
from aim.periods import FiscalCalendar


@dataclass
class Runtime:
    settings: Settings
    database: Database
    calendar: FiscalCalendar

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            database=Database(settings.database_url),
            calendar=FiscalCalendar(settings.fiscal_year_start_month),
        )
