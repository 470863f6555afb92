"""What a running process holds: its settings, its database and its fiscal calendar.

The web app keeps one Runtime on the Flask app (see app.py); the command line builds its own.
"""

from __future__ import annotations

import gc
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


#: The cyclic garbage collector's thresholds in a server or benchmark process. CPython's default
#: starts a collection every 700 new container objects; a scorecard of 10,000 measures makes about
#: a million, and the collections walked the growing heap again and again: 30% of its time
#: (289 -> 202 ms; 2,500 measures: 60 -> 56 ms). Reference counting frees nearly all of it as it
#: goes; the rare cycle waits a little longer.
COLLECTOR_THRESHOLDS = (50_000, 20, 20)


def settle_collector() -> None:
    """Collect once, freeze what is loaded so far (Dash, SQLAlchemy, pandas...) out of the
    collector's way, and raise its thresholds: for a process about to serve (or benchmark) pages."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
