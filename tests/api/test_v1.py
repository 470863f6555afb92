"""The open data API over real HTTP: figures equal to the services', an envelope on every response,
clear 400s and 404s, CSV safe to open, an OpenAPI document that covers it, and nothing internal."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
import requests

from aim.config import ROOT
from aim.periods import FiscalCalendar
from aim.services.scorecard import scorecard
from tests.cities import SECRET_STRINGS
from tests.web import TIMEOUT

pytestmark = pytest.mark.leak_city


@pytest.fixture
def api(site) -> str:
    return site + "/api/v1"


def get(url: str, status: int = 200):
    response = requests.get(url, timeout=TIMEOUT)
    assert response.status_code == status, (url, response.status_code, response.text[:300])
    return response


def test_priorities_give_each_index_and_counts_like_the_scorecard(api, database):
    body = get(f"{api}/priorities?period=2025").json()
    with database.read() as s:
        card = scorecard(s, FiscalCalendar(1), "2025")
    assert body["period"] == "2025" and body["data_updated_at"]
    assert [(p["slug"], p["index"], p["counts"]) for p in body["priorities"]] == [
        (p.slug, pytest.approx(p.index), p.counts.as_dict()) for p in card.priorities
    ]


def test_measures_filter_by_priority_department_status_and_text(api):
    everything = get(f"{api}/measures").json()
    assert everything["count"] == len(everything["measures"]) > 150
    off = get(f"{api}/measures?status=off_track&priority=safe-neighborhoods").json()
    assert off["count"] > 0
    assert all(
        m["status"] == "off_track" and "safe-neighborhoods" in m["priorities"] for m in off["measures"]
    )
    police = get(f"{api}/measures?department=MPD").json()["measures"]
    assert police and {m["department"]["code"] for m in police} == {"MPD"}
    crime = get(f"{api}/measures?q=Violent+CRIMES").json()["measures"]
    assert "violent-crimes" in {m["code"] for m in crime}
    late = get(f"{api}/measures?status=stale").json()["measures"]
    assert late and all(m["stale"] for m in late)


def test_one_measure_with_definition_and_status(api):
    body = get(f"{api}/measures/violent-crimes?period=2025").json()
    assert body["period"] == "2025" and body["data_updated_at"]
    assert body["measure"]["name"] == "Violent crimes reported"
    assert body["measure"]["direction"] == "down" and body["measure"]["definition"]
    assert body["status"]["status"] in ("on_track", "at_risk", "off_track")
    assert body["series"]["csv"].endswith("/series.csv")


def test_series_json_and_csv_hold_the_same_values(api):
    data = get(f"{api}/measures/homicides/series.json").json()
    rows = list(csv.DictReader(io.StringIO(get(f"{api}/measures/homicides/series.csv").text)))
    assert len(rows) == len(data["series"]) > 100
    assert data["period"] == f"{rows[0]['period']}/{rows[-1]['period']}"
    last = data["series"][-1]
    assert float(rows[-1]["actual"]) == last["actual"] and rows[-1]["status"] == last["status"]
    csv_response = get(f"{api}/measures/homicides/series.csv")
    assert csv_response.headers["X-Period"] == data["period"]
    assert (
        csv_response.headers["X-Data-Updated-At"]
        and "attachment" in csv_response.headers["Content-Disposition"]
    )
    # 2017 and 2018 are the published public figures, months adding up.
    assert sum(float(r["actual"]) for r in rows if r["period"].startswith("2017")) == 119


def test_csv_cells_that_look_like_formulas_are_neutralised(api, database):
    from sqlalchemy import select

    from aim.models import Measure

    with database.write() as s:
        s.scalars(
            select(Measure).where(Measure.code == "homicides")
        ).one().name = '=HYPERLINK("http://x","y")'
    rows = list(csv.reader(io.StringIO(get(f"{api}/measures/homicides/series.csv").text)))
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_csv_cells_starting_with_a_full_width_formula_sign_are_neutralised(api, database):
    from sqlalchemy import select

    from aim.models import Measure

    name = '\uff1dHYPERLINK("http://x","y")'  # a spreadsheet reads the full-width = as =
    with database.write() as s:
        s.scalars(select(Measure).where(Measure.code == "homicides")).one().name = name
    rows = list(csv.reader(io.StringIO(get(f"{api}/measures/homicides/series.csv").text)))
    assert rows[1][1] == "'" + name


def test_scorecard_equals_the_command_line_status(api, db_url):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AIM_")}
    environment["AIM_DATABASE_URL"] = db_url
    cli = subprocess.run(
        [sys.executable, "-m", "aim", "status", "--json", "--period", "2025"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    from_cli = json.loads(cli.stdout)
    from_api = get(f"{api}/scorecard?period=2025").json()
    assert from_api["data_updated_at"]
    for key in ("period", "index", "counts", "priorities", "measures"):
        assert from_api[key] == from_cli[key], key


@pytest.mark.parametrize(
    "path, message",
    [
        ("/measures?status=bad", "status must be one of"),
        ("/measures?sort=random", "sort must be one of"),
        ("/measures?frequency=weekly", "frequency must be one of"),
        ("/measures?colour=red", "Unknown parameter(s): colour"),
        ("/measures?status=on_track&status=off_track", "more than once"),
        ("/scorecard?period=2025-13", "month must be 01 to 12"),
        ("/priorities?period=FY25", "is not a period"),
        ("/measures/homicides/series.json?period=2025", "Unknown parameter(s): period"),
    ],
)
def test_bad_parameters_get_a_400_that_says_what_is_wrong(api, path, message):
    body = get(api + path, 400).json()
    assert message in body["error"] + " ".join(body.get("details", []))


@pytest.mark.parametrize(
    "path",
    [
        "/measures/no-such-measure",
        "/measures/no-such-measure/series.json",
        "/measures/no-such-measure/series.csv",
        "/no/such/endpoint",
    ],
)
def test_unknown_codes_and_paths_get_a_json_404(api, path):
    response = get(api + path, 404)
    assert response.headers["Content-Type"].startswith("application/json")
    assert "error" in response.json()


def test_an_internal_measure_is_a_404_like_any_unknown_code(api):
    from tests.cities import SECRET_CODE

    for suffix in ("", "/series.json", "/series.csv"):
        assert get(f"{api}/measures/{SECRET_CODE}{suffix}", 404).json()["error"]


def test_no_response_contains_internal_measures_or_unpublished_values(api):
    listing = get(f"{api}/measures").json()
    paths = [
        "",
        "/priorities",
        "/priorities?period=2026",
        "/measures",
        "/measures?period=2026",
        "/measures?status=stale",
        "/measures?q=Zebracorn",
        "/scorecard",
        "/scorecard?period=2026",
        "/scorecard?period=2026-Q4",
        "/scorecard?period=2026-10",
        "/openapi.json",
    ]
    paths += [f"/measures/{m['code']}" for m in listing["measures"][:40]]
    paths += [
        "/measures/homicides?period=2026",
        "/measures/homicides/series.json",
        "/measures/homicides/series.csv",
    ]
    for path in paths:
        text = get(api + path).text
        for secret in SECRET_STRINGS:
            assert secret not in text, (path, secret)


def test_responses_are_open_to_any_site_and_compressed(api):
    response = requests.get(f"{api}/measures", headers={"Accept-Encoding": "gzip"}, timeout=TIMEOUT)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Encoding"] in ("gzip", "br")


def test_the_openapi_document_covers_every_endpoint_and_field(api, dash_app):
    document = get(f"{api}/openapi.json").json()
    documented = set(document["paths"])
    routes = {
        r.rule.replace("<code>", "{code}")
        for r in dash_app.server.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and "<path:" not in r.rule and not r.rule.endswith("openapi.json")
    }
    assert routes == documented
    schemas = document["components"]["schemas"]
    measure = get(f"{api}/measures").json()["measures"][0]
    assert set(measure) == set(schemas["MeasureStatus"]["properties"])
    for path, schema in (
        ("/priorities", "Priorities"),
        ("/measures", "Measures"),
        ("/scorecard", "Scorecard"),
        ("/measures/homicides", "MeasureDetail"),
        ("/measures/homicides/series.json", "Series"),
    ):
        assert set(get(api + path).json()) == set(schemas[schema]["properties"]), path


READ_ONLY = [
    "/measures",
    "/measures/homicides",
    "/measures/homicides/series.csv",
    "/priorities",
    "/scorecard",
]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_to_a_read_only_endpoint_gets_405_naming_the_methods_allowed(api, method):
    for path in READ_ONLY:
        response = requests.request(method, api + path, timeout=TIMEOUT)
        assert response.status_code == 405, (path, response.status_code)
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
        assert "error" in response.json()
    # An unknown path stays a 404, whatever the method.
    assert requests.request(method, f"{api}/no/such/endpoint", timeout=TIMEOUT).status_code == 404


def test_options_advertises_only_the_read_methods(api):
    for path in READ_ONLY:
        response = requests.options(api + path, timeout=TIMEOUT)
        assert response.status_code in (200, 204)
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS", path


def test_head_answers_like_get_without_a_body(api, site):
    for url in (f"{api}/measures", f"{site}/login", f"{site}/logout", f"{site}/"):
        response = requests.head(url, timeout=TIMEOUT)
        assert response.status_code == 200, (url, response.status_code)
        assert response.content == b""


def _documented_parameters() -> list[tuple[str, str, dict]]:
    from api.openapi import DOCUMENT as document

    return [
        (path, p["name"], p["schema"])
        for path, operations in document["paths"].items()
        for p in operations["get"].get("parameters", [])
        if p["in"] == "query"
    ]


#: Values that probe each kind of rule the document states (enums, patterns, lengths).
PROBES = [
    "",
    " ",
    "0000",
    "1899",
    "1900",
    "2025",
    "2999",
    "3000",
    "2025-Q4",
    "2025-Q5",
    "2025-00",
    "2025-12",
    "2025-13",
    " 2025",
    "on_track",
    "ON_TRACK",
    " on_track",
    "monthly",
    "score",
    "safe-neighborhoods",
    "MPD",
    "violent",
    "x" * 64,
    "x" * 65,
    "x" * 80,
    "x" * 81,
    "x" * 200,
    "x" * 201,
    "2026-01-15",  # a day: as_of
    "0001-01-05",  # a day before any fiscal calendar (was a 500, found by schemathesis)
    "2026-02-30",
    "2026-1-15",
]


def test_every_query_parameter_is_accepted_exactly_when_the_openapi_document_says_so(api):
    """The contract: for each documented query parameter and each probe value, the API answers 400
    exactly when the document's schema refuses the value (what schemathesis checks, by table)."""
    import jsonschema

    differences = []
    with requests.Session() as http:
        for path, name, schema in _documented_parameters():
            url = api + path.removeprefix("/api/v1").replace("{code}", "homicides")
            for value in PROBES:
                documented = jsonschema.Draft202012Validator(
                    schema, format_checker=jsonschema.FormatChecker()
                ).is_valid(value)
                status = http.get(url, params={name: value}, timeout=TIMEOUT).status_code
                if (status == 400) == documented:
                    differences.append((path, name, value, status, documented))
    assert not differences, differences


def test_an_as_of_day_still_to_come_is_a_404_saying_so(api):
    from datetime import date, timedelta

    tomorrow = date.today() + timedelta(days=1)
    for path in ("/priorities", "/measures", "/scorecard", "/measures/homicides/series.json"):
        body = get(f"{api}{path}?as_of={tomorrow}", 404).json()
        assert body["error"] == f"as_of {tomorrow} is in the future: nothing is published on it yet."
