"""A small measure export in another city's shape (one wide CSV file, one row per measure), and a
recipe for it, shared by the recipe tests: departments, programs and measures all come from the one
file, with the same output column names (code, name), as real exports do."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

HEADER = [
    "DEPT_CODE",
    "DEPT_NAME",
    "PROGRAM_CODE",
    "PROGRAM_NAME",
    "MEASURE_ID",
    "MEASURE_NAME",
    "DIRECTION",
    "UNIT",
    "FREQUENCY_NAME",
    "DATA_SOURCE",
    "FY2023",
    "FY2024",
]


def measure_row(n: int, *, dept: str = "HR", program: str = "HIRE") -> list[str]:
    return [
        dept,
        {"HR": "Human Resources", "FIN": "Finance"}.get(dept, dept),
        program,
        f"Program {program}",
        f"M{n:03d}",
        f"Measure number {n}",
        "Increase",
        "Count",
        "Annual",
        "Workday, the City's human resource information system",
        str(100 + n),
        str(110 + n),
    ]


def export_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def recipe(files: dict | None = None, **extra) -> dict:
    """The recipe as a dict; `extra` replaces top-level keys."""
    document = {
        "title": "Another city's measure export",
        "fiscal_year_start_month": 1,
        "files": files or {"export": "measures_export.csv"},
        "tables": {
            "departments": {
                "source": "export",
                "distinct": True,
                "columns": {"code": {"column": "DEPT_CODE"}, "name": {"column": "DEPT_NAME"}},
            },
            "activities": {
                "source": "export",
                "distinct": True,
                "columns": {
                    "code": {"column": "PROGRAM_CODE"},
                    "department": {"column": "DEPT_CODE"},
                    "name": {"column": "PROGRAM_NAME"},
                },
            },
            "measures": {
                "source": "export",
                "columns": {
                    "code": {"column": "MEASURE_ID"},
                    "activity": {"column": "PROGRAM_CODE"},
                    "name": {"column": "MEASURE_NAME"},
                    "data_source": {"column": "DATA_SOURCE"},
                    "unit_kind": {"column": "UNIT", "map": {"count": "count", "percent": "percent"}},
                    "direction": {"column": "DIRECTION", "map": {"increase": "up", "decrease": "down"}},
                    "frequency": {
                        "column": "FREQUENCY_NAME",
                        "map": {"annual": "annual", "monthly": "monthly"},
                    },
                    "aggregation": {"value": "sum"},
                    "measure_type": {"value": "output"},
                },
            },
            "actuals": {
                "source": "export",
                "unpivot": {"columns": "^FY(?P<fy>\\d{4})$", "period": "{fy}"},
                "columns": {
                    "measure": {"column": "MEASURE_ID"},
                    "period": {"column": "period"},
                    "value": {"column": "value"},
                },
            },
        },
    }
    document.update(extra)
    return document


def write_city(folder: Path, rows: list[list[str]] | str, document: dict | None = None) -> tuple[Path, Path]:
    """The export (rows, or text written as is) and its recipe in `folder`: (recipe path, folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = rows if isinstance(rows, str) else export_text(rows)
    (folder / "measures_export.csv").write_text(text, encoding="utf-8")
    path = folder / "recipe.json"
    path.write_text(json.dumps(document or recipe()), encoding="utf-8")
    return path, folder
