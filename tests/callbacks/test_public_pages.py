"""What the public can get from the Dash routes: every page through the router, with honest and
forged paths and query strings, plus the page shell. None of it may carry an internal measure,
an unpublished value or an internal note (the leak city plants distinctive ones)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.cities import SECRET_CODE, SECRET_STRINGS
from tests.web import TIMEOUT

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


def route(site: str, pathname: str, search: str = "") -> requests.Response:
    """What the browser sends when the page at pathname?search is opened."""
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    return requests.post(f"{site}/_dash-update-component", json=body, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def city(shared_site) -> str:
    """The leak city, one copy for the module: these tests only read."""
    return shared_site


HONEST = [
    ("/", ""),
    ("/", "?period=2026"),
    ("/", "?period=2026-Q4"),
    ("/", "?period=2026-11"),
    ("/priorities/safe-neighborhoods", "?period=2026"),
    ("/measures", "?period=2026"),
    ("/measures", "?q=overtime"),
    ("/measures/homicides", ""),
    ("/measures/homicides", "?period=2026"),
    ("/measures/homicides", "?period=2026-12"),
    ("/departments/MPD", "?period=2026"),
    ("/departments/MPD", "?period=2026&as_of=2026-11-20"),
    ("/departments", "?as_of=2026-11-20"),
    ("/methodology", ""),
]
FORGED = [
    (f"/measures/{SECRET_CODE}", ""),
    (f"/measures/{SECRET_CODE}", "?period=2025"),
    ("/measures", "?q=Zebracorn"),
    ("/measures", "?q=Quetzalcoatl"),
    ("/measures", "?status=no_data&period=2027"),
    ("/", "?period=2027-01"),
    ("/measures/homicides", "?period=2027"),
    ("/measures/homicides", "?period=2027-01"),
    ("/priorities/../measures/zz-secret-internal", ""),
    ("/measures/zz-secret-internal/../homicides", ""),
    ("/departments/MPD", "?period=2027&department=MPD"),
    ("/measures", "?department=MPD&status=stale&q=zz"),
    ("/measures", "?period=2025&q=%25"),
    ("/measures", "?q=_"),
]


@pytest.mark.parametrize("pathname, search", HONEST + FORGED)
def test_no_page_shows_internal_measures_unpublished_values_or_notes(city, pathname, search):
    response = route(city, pathname, search)
    assert response.status_code == 200
    # A page may echo what the reader typed ("no public measure zz-secret-internal"), exactly as for
    # a code that does not exist; anything else secret must not appear.
    for secret in SECRET_STRINGS:
        if secret not in pathname + search:
            assert secret not in response.text, (pathname, search, secret)


def test_the_page_shell_layout_and_dependencies_carry_no_data(city):
    for path in (
        "/",
        "/measures/homicides",
        f"/measures/{SECRET_CODE}",
        "/_dash-layout",
        "/_dash-dependencies",
    ):
        text = requests.get(city + path, timeout=TIMEOUT).text
        for secret in SECRET_STRINGS:
            if secret not in path:  # the page's own address is echoed in its meta tags
                assert secret not in text, (path, secret)
        # A page's shell names what it shows in its title (the public measure's name), nothing more.
        shell = re.sub(r"<title>.*?</title>|<meta[^>]*(?:og|twitter):title[^>]*>", "", text, flags=re.DOTALL)
        for name in ("Homicides", "Violent crimes"):
            assert name not in shell, (path, name)


def test_an_internal_measure_code_gets_the_not_found_page(city):
    text = route(city, f"/measures/{SECRET_CODE}").text
    assert "Measure not found" in text


def test_the_router_answers_forged_garbage_with_an_error_not_a_traceback(city):
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": {"$ne": 1}}],
    }
    response = requests.post(f"{city}/_dash-update-component", json=body, timeout=TIMEOUT)
    assert response.status_code >= 400 or "Traceback" not in response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
