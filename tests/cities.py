"""Small cities for tests, with figures computed by hand, shared by service, CLI and page tests."""

from __future__ import annotations

from datetime import date

from tests import builders as b

AS_OF = date(2026, 11, 26)  # last due: month 2026-09, quarter 2026-Q2, year 2024

# Hand-computed figures for 2025 (see load_tiny_city):
VIOLENT_2025 = sum(700 + i for i in range(12))  # 8,466 against a target of 8,000 (down)
VIOLENT_SCORE = 8000 / 8466
RESPONSE_2025 = (12 + 12.5 + 12.4 + 12.7) / 4  # 12.4 minutes against 10 (down)
RESPONSE_SCORE = 10 / 12.4
YOUTH_2025 = (45 + 50 + 55 + 60 + 65 + 70) / 6  # 57.5, inside 40-60
SAFE_INDEX = (VIOLENT_SCORE + RESPONSE_SCORE + 1.0) / 3


def load_tiny_city(database) -> None:
    with database.write() as s:
        safe = b.priority(s, "safe", "Safety", 1)
        econ = b.priority(s, "econ", "Economy", 2)
        patrol = b.activity(s, b.department(s, "MPD", "Police"), "MPD-PATROL", [safe])
        jobs = b.activity(s, b.department(s, "DCD", "City Development"), "DCD-JOBS", [econ, safe])

        violent = b.measure(s, patrol, "violent-crime", direction="down", frequency="monthly")
        b.actuals(s, violent, {f"2025-{m:02d}": 700 + m - 1 for m in range(1, 13)})
        b.actuals(s, violent, {f"2024-{m:02d}": 750 for m in range(1, 13)})
        b.actuals(s, violent, {f"2026-{m:02d}": 600 for m in range(1, 10)})  # up to date
        b.target(s, violent, "2025", 8000)
        b.target(s, violent, "2026", 7800)

        response = b.measure(
            s,
            patrol,
            "response-time",
            direction="down",
            unit_kind="duration",
            unit_label="minutes",
            frequency="quarterly",
            aggregation="mean",
        )
        b.actuals(s, response, {"2025-Q1": 12, "2025-Q2": 12.5, "2025-Q3": 12.4, "2025-Q4": 12.7})
        b.target(s, response, "2025", 10)  # nothing for 2026: stale

        clearance = b.measure(
            s, patrol, "clearance-rate", unit_kind="percent", aggregation="last", is_key=False
        )
        b.actuals(s, clearance, {"2024": 48, "2025": 55})
        b.target(s, clearance, "2025", 50)

        overtime = b.measure(s, patrol, "overtime-hours", is_public=False)
        b.actuals(s, overtime, {"2025": 424242})
        b.target(s, overtime, "2025", 1)

        placed = b.measure(s, jobs, "jobs-placed")
        b.actuals(s, placed, {"2025": 130})
        b.actuals(s, placed, {"2024": 999}, state="draft")  # not published: 2024 is missing

        youth = b.measure(
            s,
            jobs,
            "youth-employment",
            unit_kind="percent",
            direction="range",
            frequency="monthly",
            aggregation="mean",
        )
        b.actuals(
            s, youth, {f"2025-{m:02d}": v for m, v in zip(range(1, 7), [45, 50, 55, 60, 65, 70], strict=True)}
        )
        b.actuals(s, youth, {"2025-07": 10_000}, state="approved")  # approved is not published
        b.target(s, youth, "2025", low=40, high=60)

        licenses = b.measure(s, jobs, "business-licenses", frequency="monthly", active_from=date(2020, 1, 1))
        b.target(s, licenses, "2025", 1200)

        b.measure(s, jobs, "retired-measure", retired_at=date(2024, 6, 30), active_from=date(2010, 1, 1))


# -- the demo city plus internal data with distinctive strings, to prove nothing leaks ---------
SECRET_CODE = "zz-secret-internal"
SECRET_NAME = "Zebracorn internal overtime"
SECRET_DEFINITION = "Quetzalcoatl definition of an internal measure"
# Eight-digit figures: a six-digit one turned up by chance inside a score (0.8627272727...).
SECRET_VALUES = (
    "98765401",
    "98,765,401",
    "90817263",
    "90,817,263",
    "56473829",
    "56,473,829",
    "39182746",
    "39,182,746",
)
SECRET_EXPLANATION = "Axolotl unpublished explanation"
#: A draft of the Mayor's Office's narrative (version 2, after a published version 1): never public.
SECRET_NARRATIVE = "Narwhal draft narrative"
PUBLISHED_NARRATIVE = "Pangolin published narrative"
NARRATIVE_PERIOD = "2026-Q2"
SECRET_STRINGS = (
    SECRET_CODE,
    SECRET_NAME,
    SECRET_DEFINITION,
    SECRET_EXPLANATION,
    SECRET_NARRATIVE,
    *SECRET_VALUES,
)


def load_leak_city(database) -> None:
    """The Milwaukee demo city, plus: an internal measure (with published values), unpublished
    draft, submitted and approved values with explanations on public measures, and a published
    narrative of Safe neighborhoods for 2026-Q2 with a draft of its next version."""
    from sqlalchemy import select

    from aim.cli import DEMO_CITY
    from aim.importing import run_import
    from aim.models import Activity, Actual, Measure, Priority, PriorityNarrative, utcnow
    from aim.periods import FiscalCalendar

    assert run_import(database, FiscalCalendar(1), DEMO_CITY).ok
    with database.write() as s:
        patrol = s.scalars(select(Activity).where(Activity.code == "MPD-PATROL")).one()
        secret = b.measure(
            s,
            patrol,
            SECRET_CODE,
            name=SECRET_NAME,
            definition=SECRET_DEFINITION,
            is_public=False,
            is_key=True,
            frequency="annual",
        )
        b.actuals(s, secret, {"2024": 98765401.0, "2025": 98765401.0})
        b.target(s, secret, "2025", 1)
        homicides = s.scalars(select(Measure).where(Measure.code == "homicides")).one()
        for period, value, state in (
            ("2026-11", 90817263.0, "draft"),
            ("2026-12", 56473829.0, "submitted"),
            ("2027-01", 39182746.0, "approved"),
        ):
            s.add(
                Actual(
                    measure=homicides,
                    period=period,
                    value=value,
                    state=state,
                    explanation=SECRET_EXPLANATION,
                    updated_by="editor",
                )
            )
        safe = s.scalars(select(Priority).where(Priority.slug == "safe-neighborhoods")).one()
        now = utcnow()
        for version, state, text in ((1, "published", PUBLISHED_NARRATIVE), (2, "draft", SECRET_NARRATIVE)):
            s.add(
                PriorityNarrative(
                    priority_id=safe.id,
                    period=NARRATIVE_PERIOD,
                    version=version,
                    state=state,
                    seeing=f"{text}: what we are seeing.",
                    doing=f"{text}: what we are doing.",
                    created_by="mayor@milwaukee.gov",
                    created_at=now,
                    updated_by="mayor@milwaukee.gov",
                    updated_at=now,
                    published_by="mayor@milwaukee.gov" if state == "published" else "",
                    published_at=now if state == "published" else None,
                )
            )
