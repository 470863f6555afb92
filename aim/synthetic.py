"""A large synthetic city in the import format, for benchmarks: N measures with monthly values
over Y years (2,500 x 20 is about the size of New York City's Mayor's Management Report).

Deterministic for a given seed and end month. Every name says it is synthetic.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import date
from pathlib import Path

PRIORITIES = [
    ("synthetic-safety", "Synthetic priority: safety"),
    ("synthetic-economy", "Synthetic priority: economy"),
    ("synthetic-children", "Synthetic priority: children"),
    ("synthetic-assets", "Synthetic priority: assets"),
]
MEASURES_PER_ACTIVITY = 5
ACTIVITIES_PER_DEPARTMENT = 10
_UNITS = [
    ("count", "up", "sum"),
    ("count", "down", "sum"),
    ("percent", "up", "mean"),
    ("duration", "down", "mean"),
    ("rate", "down", "mean"),
    ("currency", "up", "sum"),
    ("score", "up", "mean"),
    ("ratio", "range", "mean"),
]


def _write(folder: Path, name: str, header: list[str], rows) -> int:
    count = 0
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_city(
    folder: Path, measures: int, years: int, seed: int = 1, through: date | None = None
) -> dict[str, int]:
    """Write priorities..budgets CSV files for a synthetic city into `folder`; return row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    through = through or date.today().replace(day=1)
    last_year, last_month = (through.year, through.month - 1) if through.month > 1 else (through.year - 1, 12)
    first_year = last_year - years + 1
    activities = math.ceil(measures / MEASURES_PER_ACTIVITY)
    departments = math.ceil(activities / ACTIVITIES_PER_DEPARTMENT)
    counts = {
        "city": _write(
            folder,
            "city",
            ["name", "demonstration", "notice"],
            [["Synthetic City", "true", "Synthetic data generated for benchmarks."]],
        ),
        "priorities": _write(
            folder,
            "priorities",
            ["slug", "title", "description", "sort_order"],
            [[s, t, "Synthetic data for benchmarks.", i + 1] for i, (s, t) in enumerate(PRIORITIES)],
        ),
        "departments": _write(
            folder,
            "departments",
            ["code", "name"],
            [[f"D{d:03d}", f"Synthetic department {d}"] for d in range(departments)],
        ),
        "activities": _write(
            folder,
            "activities",
            ["code", "department", "name", "priorities"],
            [
                [
                    f"A{a:04d}",
                    f"D{a // ACTIVITIES_PER_DEPARTMENT:03d}",
                    f"Synthetic activity {a}",
                    ";".join(sorted({PRIORITIES[a % 4][0], PRIORITIES[(a * 7) % 4][0]})),
                ]
                for a in range(activities)
            ],
        ),
    }
    specs = []
    for m in range(measures):
        unit, direction, aggregation = _UNITS[m % len(_UNITS)]
        level = rng.uniform(20, 2000) if unit in ("count", "currency") else rng.uniform(20, 80)
        specs.append(
            (m, unit, direction, aggregation, level, rng.uniform(-0.05, 0.05), rng.uniform(0.02, 0.1))
        )
    counts["measures"] = _write(
        folder,
        "measures",
        [
            "code",
            "activity",
            "name",
            "definition",
            "unit_kind",
            "direction",
            "frequency",
            "aggregation",
            "measure_type",
            "is_key",
            "is_public",
            "is_output",
        ],
        [
            [
                f"m{m:05d}",
                f"A{m // MEASURES_PER_ACTIVITY:04d}",
                f"Synthetic measure {m}",
                "A synthetic series for benchmarks.",
                unit,
                direction,
                "monthly",
                aggregation,
                ("outcome", "output", "efficiency", "demand")[m % 4],
                "true" if m % 5 == 0 else "false",
                "false" if m % 50 == 49 else "true",
                # Output measures counting units are their activity's outputs (cost per unit).
                "true" if m % 4 == 1 and unit == "count" else "false",
            ]
            for m, unit, direction, aggregation, *_ in specs
        ],
    )

    def targets():
        for m, _unit, direction, aggregation, level, _trend, _noise in specs:
            yearly = level * 12 if aggregation == "sum" else level
            for year in range(first_year + 1, last_year + 2):
                if direction == "range":
                    yield [f"m{m:05d}", year, "", round(level * 0.9, 2), round(level * 1.1, 2)]
                else:
                    yield [f"m{m:05d}", year, round(yearly, 2), "", ""]

    def actuals():
        for m, _unit, _direction, _aggregation, level, trend, noise in specs:
            for year in range(first_year, last_year + 1):
                drift = (1 + trend) ** (year - first_year)
                for month in range(1, 13 if year < last_year else last_month + 1):
                    season = 1 + 0.1 * math.sin(month / 12 * 2 * math.pi)
                    yield [
                        f"m{m:05d}",
                        f"{year}-{month:02d}",
                        round(level * drift * season * (1 + rng.gauss(0, noise)), 2),
                    ]

    counts["targets"] = _write(folder, "targets", ["measure", "period", "value", "low", "high"], targets())
    counts["actuals"] = _write(folder, "actuals", ["measure", "period", "value"], actuals())
    counts["budgets"] = _write(
        folder,
        "budgets",
        ["activity", "fiscal_year", "adopted", "expenditure", "fte"],
        (
            [
                f"A{a:04d}",
                y,
                round(rng.uniform(2e5, 5e7)),
                round(rng.uniform(2e5, 5e7)),
                round(rng.uniform(2, 400), 1),
            ]
            for a in range(activities)
            for y in range(first_year, last_year + 1)
        ),
    )
    return counts
