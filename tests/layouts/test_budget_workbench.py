"""The workbench grid's rows (layouts/budget/workbench.py GridRows) reach the browser as exactly the
JSON a plain list of them gives, through the encoder Dash uses for pages and callbacks."""

from __future__ import annotations

import json

from dash._utils import to_json

from aim.budget_schemas import Column
from layouts.budget.workbench import GridRows, grid

ROWS = [
    {"measure": "Tons <collected>", "value": 13_200.0, "cost_per_unit": None, "priority_slugs": ["a", "b"]},
    {"measure": "Crimes / 1,000 \u2028 people", "value": -0.0, "cost_per_unit": 1e-17, "priority_slugs": []},
]
COLUMNS = [Column(field="measure", header="Measure", kind="text", meaning="The measure's name")]


def test_the_grid_rows_are_encoded_as_the_plain_list_would_be():
    wrapped = grid(COLUMNS, ROWS, None)
    assert isinstance(wrapped.rowData, GridRows) and wrapped.rowData.tolist() is ROWS
    plain = grid(COLUMNS, ROWS, None)
    plain.rowData = ROWS
    response = {"response": {"grid": {"children": wrapped}}}
    assert to_json(response) == to_json({"response": {"grid": {"children": plain}}})
    assert json.loads(to_json(response))["response"]["grid"]["children"]["props"]["rowData"] == ROWS
    # A callback output of the rows alone, as the update callback sends them.
    assert to_json({"rowData": GridRows(ROWS)}) == to_json({"rowData": ROWS})
