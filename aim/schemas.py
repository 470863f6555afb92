"""Pydantic models of what services return (view models); layouts, the API and the CLI read these,
never ORM objects."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from aim.status import COUNT_KEYS


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatusCounts(View):
    """How many measures have each status; `stale` counts measures beside their status."""

    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    no_target: int = 0
    no_data: int = 0
    stale: int = 0

    @property
    def evaluated(self) -> int:
        """Measures with both a value and a target."""
        return self.on_track + self.at_risk + self.off_track

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in COUNT_KEYS}


class MeasureStatus(View):
    """One measure evaluated for one period."""

    code: str
    name: str
    department_code: str
    department_name: str
    activity_code: str
    activity_name: str
    priority_slugs: list[str]
    unit_kind: str
    unit_label: str
    direction: str
    frequency: str
    aggregation: str
    tolerance: float
    is_key: bool
    period: str
    status: str
    score: float | None = None
    actual: float | None = None
    target: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    reported: int = 0  # how many of the measure's periods inside `period` have a value
    expected: int = 0  # how many there are
    miss: float | None = None
    relative_miss: float | None = None
    stale: bool = False
    last_due: str | None = None  # the latest period that should have been reported by now
    trend: str | None = None
    previous: float | None = None  # the same period a year earlier
    change: float | None = None  # (actual - previous) / |previous|


class PriorityScore(View):
    slug: str
    title: str
    description: str
    index: float | None
    counts: StatusCounts
    measure_count: int
    key_measures: list[str]  # codes, in display order


class Scorecard(View):
    """The city's performance for one period: its index, each priority's, and every measure."""

    period: str
    period_label: str
    as_of: date
    index: float | None
    counts: StatusCounts
    priorities: list[PriorityScore]
    measures: list[MeasureStatus]

    def measure(self, code: str) -> MeasureStatus | None:
        return next((m for m in self.measures if m.code == code), None)

    def summary(self) -> dict:
        """The figures of `python -m aim status --json` and the scorecard API."""
        return {
            "period": self.period,
            "period_label": self.period_label,
            "as_of": self.as_of.isoformat(),
            "index": self.index,
            "counts": self.counts.as_dict(),
            "priorities": [
                {
                    "slug": p.slug,
                    "title": p.title,
                    "index": p.index,
                    "measure_count": p.measure_count,
                    "counts": p.counts.as_dict(),
                }
                for p in self.priorities
            ],
            "measures": [
                {
                    "code": m.code,
                    "status": m.status,
                    "stale": m.stale,
                    "score": m.score,
                    "actual": m.actual,
                    "target": m.target,
                    "target_low": m.target_low,
                    "target_high": m.target_high,
                }
                for m in self.measures
            ],
        }
