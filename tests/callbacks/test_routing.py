"""HTTP as people and crawlers expect (callbacks/routing.py): unknown pages and unknown or hidden
codes answer 404 with the helpful page, and every page's title is the human name of what it shows."""

from __future__ import annotations

import html
import re

import pytest
import requests

from tests.cities import SECRET_CODE, SECRET_NAME
from tests.web import TIMEOUT

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


@pytest.fixture(scope="module")
def city(shared_site) -> str:
    return shared_site


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert match, "no <title> in the page"
    return html.unescape(match.group(1))


FOUND = [
    "/",
    "/?period=2025",
    "/measures",
    "/measures?q=shootings&status=off_track",
    "/methodology",
    "/priorities/safe-neighborhoods",
    "/measures/homicides",
    "/measures/homicides?period=2099",  # a bad period is a notice on a page that exists
    "/departments/MPD",
    "/internal/measures",  # the sign-in prompt
]
NOT_FOUND = [
    "/no-such-page",
    "/robots.txt",
    "/measures/no-such-measure",
    f"/measures/{SECRET_CODE}",  # internal: the public is told exactly what an unknown code gets
    "/priorities/no-such-priority",
    "/departments/NOPE",
    "/measures/homicides/extra",
    "/404",
]


@pytest.mark.parametrize("path", FOUND)
def test_pages_that_exist_answer_200(city, path):
    assert requests.get(city + path, timeout=TIMEOUT).status_code == 200


@pytest.mark.parametrize("path", NOT_FOUND)
def test_unknown_pages_and_codes_answer_404_with_the_helpful_page(city, path):
    response = requests.get(city + path, timeout=TIMEOUT)
    assert response.status_code == 404
    # The same page as any other (Dash's app, whose router shows the helpful "not found" text),
    # with its security headers, and a title that says what happened.
    assert 'id="react-entry-point"' in response.text
    assert "Content-Security-Policy" in response.headers
    assert "not found" in _title(response.text).lower()
    assert SECRET_NAME not in response.text


@pytest.mark.parametrize(
    "path, title",
    [
        ("/measures/homicides", "Homicides \u2013 City Performance Dashboard"),
        (
            "/priorities/safe-neighborhoods",
            "Provide safety and security for all neighborhoods and residents"
            " \u2013 City Performance Dashboard",
        ),
        ("/departments/MPD", "Milwaukee Police Department \u2013 City Performance Dashboard"),
        ("/measures", "All measures \u2013 City Performance Dashboard"),
        ("/measures/no-such-measure", "Measure not found \u2013 City Performance Dashboard"),
        (f"/measures/{SECRET_CODE}", "Measure not found \u2013 City Performance Dashboard"),
    ],
)
def test_titles_are_human_names_in_the_html_and_from_the_router(city, path, title):
    assert _title(requests.get(city + path, timeout=TIMEOUT).text) == title
    # ... and the same after an in-page navigation, where Dash's router sets document.title.
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    answer = requests.post(f"{city}/_dash-update-component", json=body, timeout=TIMEOUT).json()
    assert answer["response"]["_pages_store"]["data"]["title"] == title
