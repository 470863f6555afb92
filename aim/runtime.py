"""What a running process holds: its settings, its database and its fiscal calendar.

The web app keeps one Runtime on the Flask app (see app.py); the command line builds its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aim.config import Settings
from aim.db import Database
from aim.periods import FiscalCalendar
from aim.services.site import data_version


@dataclass
class Runtime:
    settings: Settings
    database: Database
    calendar: FiscalCalendar
    #: (database, its generation, the version, when read): see data_version().
    _version: tuple[Database, int, int, float] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            database=Database(settings.database_url),
            calendar=FiscalCalendar(settings.fiscal_year_start_month),
        )

    def data_version(self) -> int:
        """CityInfo.data_version, read again when older than AIM_DATA_VERSION_TTL seconds, when
        this process has committed a new one since, or when the database was swapped (tests).
        So a worker reads it at most twice a second under any load, instead of once a request."""
        now, database = time.monotonic(), self.database
        memo = self._version
        if (
            memo is None
            or memo[0] is not database
            or memo[1] != database.generation
            or now - memo[3] >= self.settings.data_version_ttl
        ):
            generation = database.generation  # before the read: a commit meanwhile reads again
            with database.read() as session:
                memo = (database, generation, data_version(session), now)
            self._version = memo
        return memo[2]
