"""The app as served: gunicorn serves it, responses are compressed, Bootstrap comes from the
server, and the page shell (index HTML, /_dash-layout) carries no data."""

from __future__ import annotations

import pytest
import requests

from aim.bench import gunicorn
from tests.cities import load_tiny_city
from tests.conftest import shared_redis_url
from tests.web import TIMEOUT


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a start-up rule, no data
def test_gunicorn_refuses_two_workers_without_a_shared_store_for_the_rate_limits(db_url):
    """Without Redis each worker would count sign-in failures on its own: two workers would allow
    twice the limits. gunicorn.conf.py refuses to start rather than quietly weaken them."""
    with pytest.raises(RuntimeError) as refused:
        with gunicorn(db_url, workers=2):
            pass
    assert "AIM_REDIS_URL" in str(refused.value) and "WORKERS=1" in str(refused.value)


def test_gunicorn_serves_the_home_page_from_two_workers(database, db_url, backend):
    load_tiny_city(database)
    with gunicorn(db_url, workers=2, redis_url=shared_redis_url(), redis_timeout="60") as base:
        response = requests.get(f"{base}/", timeout=TIMEOUT)  # the first request sets Dash up
        assert response.status_code == 200
        assert '<html lang="en">' in response.text
        body = {
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": "/"},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "changedPropIds": ["_pages_location.pathname"],
        }
        for _ in range(4):  # reach both workers
            page = requests.post(f"{base}/_dash-update-component", json=body, timeout=TIMEOUT)
            assert page.status_code == 200 and "Safety" in page.text


def test_with_the_public_cache_off_every_answer_is_computed_afresh(database, db_url, backend):
    """AIM_PUBLIC_CACHE=false (what make bench uses to time the pages built afresh): a change that
    moves no data version shows at once, in the API and in a page."""
    from sqlalchemy import text

    from tests.callbacks.test_public_pages import route

    load_tiny_city(database)
    with gunicorn(db_url, public_cache="false") as base:
        renamed = "Violent crime, renamed"
        assert renamed not in requests.get(f"{base}/api/v1/measures", timeout=TIMEOUT).text
        assert renamed not in route(base, "/measures/violent-crime").text
        with database.write() as s:
            rename = text("UPDATE measures SET name = :name WHERE code = 'violent-crime'")
            s.execute(rename, {"name": renamed})
        assert renamed in requests.get(f"{base}/api/v1/measures", timeout=TIMEOUT).text
        assert renamed in route(base, "/measures/violent-crime").text


def test_responses_are_compressed_and_bootstrap_is_served_locally(site):
    css = requests.get(
        f"{site}/vendor/bootstrap/5.3.8/css/bootstrap.min.css",
        headers={"Accept-Encoding": "gzip, br"},
        timeout=TIMEOUT,
    )
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] in ("gzip", "br")
    assert "Bootstrap  v5.3.8" in css.text
    index = requests.get(site + "/", timeout=TIMEOUT)
    assert "/vendor/bootstrap/5.3.8/css/bootstrap.min.css" in index.text
    assert "cdn" not in index.text.lower()


def test_csv_downloads_are_compressed_but_never_a_range(site, database):
    load_tiny_city(database)
    url = f"{site}/data/actuals/actuals.csv"
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=TIMEOUT)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = requests.get(url, headers={"Accept-Encoding": "br"}, timeout=TIMEOUT)
    assert packed.headers["Content-Encoding"] == "br"
    assert packed.content == plain.content  # decoded by requests
    assert int(packed.headers["Content-Length"]) < len(plain.content) / 3
    # A range is of the stored bytes: sent as they are, whatever the client would accept (a file
    # served as stored, here Bootstrap's CSS, answers ranges).
    css = f"{site}/vendor/bootstrap/5.3.8/css/bootstrap.min.css"
    whole = requests.get(css, headers={"Accept-Encoding": "identity"}, timeout=TIMEOUT).content
    ranged = {"Accept-Encoding": "br, gzip", "Range": "bytes=0-9999"}
    part = requests.get(css, headers=ranged, timeout=TIMEOUT)
    assert part.status_code == 206 and "Content-Encoding" not in part.headers
    assert part.content == whole[:10_000]


@pytest.mark.parametrize(
    ("accept", "allowed"),
    [
        ("gzip;q=0", {None}),
        ("br;q=0, gzip;q=0", {None}),
        ("identity;q=0.5, gzip;q=0", {None}),
        ("*;q=0, gzip", {"gzip"}),
        ("gzip;q=0, *", {"zstd", "br", "deflate"}),
        ("gzip, br;q=0.5", {"gzip"}),
        ("identity, gzip;q=0.5", {None}),
    ],
)
def test_a_coding_the_client_refuses_is_never_sent(site, database, accept, allowed):
    """q=0 means "not acceptable" (RFC 9110, 12.5.3), not "least wanted": web/compression.py restates
    the header before Flask-Compress, which would otherwise answer gzip;q=0 in gzip. Pages, the
    public cache's API answers and the component suites alike."""
    import re

    load_tiny_city(database)
    index = requests.get(f"{site}/", timeout=TIMEOUT).text
    suite = re.search(r'src="(/_dash-component-suites/[^"]+\.js)"', index)
    assert suite, "the page names no component suite"
    for path in ("/", "/api/v1/scorecard", "/api/v1/measures", suite.group(1)):
        # Twice: the API's second answer is the public cache's, which must choose as the first did.
        first, again = (
            requests.get(f"{site}{path}", headers={"Accept-Encoding": accept}, timeout=TIMEOUT)
            for _ in range(2)
        )
        assert first.status_code == again.status_code == 200, path
        assert first.headers.get("Content-Encoding") in allowed, (path, accept, first.headers)
        assert again.headers.get("Content-Encoding") == first.headers.get("Content-Encoding"), path
        assert again.headers.get("ETag") == first.headers.get("ETag"), path


@pytest.mark.parametrize(
    ("header", "restated"),
    [
        ("gzip, deflate, br, zstd", "zstd;q=1, br;q=1, gzip;q=1, deflate;q=1"),  # Chromium's
        ("gzip;q=0", ""),
        ("*;q=0, br", "br;q=1"),
        ("gzip;q=0, *", "zstd;q=1, br;q=1, deflate;q=1, identity;q=1"),
        ("GZIP;q=0.5, identity", "identity;q=1, gzip;q=0.5"),
        ("gzip;q=bad, br", "br;q=1"),  # an unreadable entry is left out
        ("identity;q=0, *;q=0", ""),
    ],
)
def test_accept_encoding_is_restated_without_what_it_refuses(header, restated):
    from web.compression import acceptable_codings

    assert acceptable_codings(header, ("zstd", "br", "gzip", "deflate")) == restated


def test_a_file_sent_compressed_still_answers_a_revalidation_with_304(site):
    """Flask-Compress renames a file's ETag when it compresses it (X -> X:br), and compares the
    request with the new one only for the endpoints web/compression.py names: every file route."""
    index = requests.get(f"{site}/", timeout=TIMEOUT).text
    import re

    css = re.search(r'href="(/assets/aim\.css\?m=[0-9.]+)"', index)
    assert css
    for path in (
        "/vendor/bootstrap/5.3.8/css/bootstrap.min.css",
        "/_dash-component-suites/plotly/package_data/plotly.min.js",
        css.group(1),
    ):
        first = requests.get(f"{site}{path}", headers={"Accept-Encoding": "br"}, timeout=TIMEOUT)
        assert first.headers["Content-Encoding"] == "br" and first.headers["ETag"].endswith(':br"'), path
        again = requests.get(
            f"{site}{path}",
            headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]},
            timeout=TIMEOUT,
        )
        assert again.status_code == 304 and again.content == b"", path


def test_the_page_shell_carries_no_figures(site, database):
    load_tiny_city(database)
    for path in ("/", "/_dash-layout"):
        text = requests.get(site + path, timeout=TIMEOUT).text
        for figure in ("Safety", "violent", "0.92", "424242"):
            assert figure not in text, f"{figure!r} found in {path}"


def test_charts_get_plotlys_basic_bundle_of_the_version_the_figures_are_built_for(site):
    from plotly.offline import get_plotlyjs_version

    response = requests.get(
        f"{site}/_dash-component-suites/plotly/package_data/plotly.min.js",
        headers={"Accept-Encoding": "br"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.text.startswith(f"/**\n* plotly.js (basic - minified) v{get_plotlyjs_version()}\n")
    assert len(response.content) < 1_300_000  # not the 4.8 MB full bundle
    assert "max-age=86400" in response.headers["Cache-Control"] and response.headers["ETag"]


def test_assets_named_with_their_version_are_cached_for_a_year(site):
    index = requests.get(site + "/", timeout=TIMEOUT).text
    import re

    css = re.search(r'href="(/assets/aim\.css\?m=[0-9.]+)"', index)
    assert css, "the stylesheet is not linked with its version"
    versioned = requests.get(site + css.group(1), timeout=TIMEOUT)
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = requests.get(site + "/assets/aim.css", timeout=TIMEOUT)
    assert "immutable" not in plain.headers.get("Cache-Control", "")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a start-up rule, no data
def test_the_served_app_freezes_its_start_up_heap_and_collects_less_often(db_url):
    # In a process of its own: the collector's settings are the whole process's.
    import json
    import os
    import subprocess
    import sys

    from aim.config import ROOT
    from aim.runtime import COLLECTOR_THRESHOLDS

    probe = "import gc, json, app; app.server; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "AIM_DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    thresholds, frozen = json.loads(done.stdout.strip().splitlines()[-1])
    assert tuple(thresholds) == COLLECTOR_THRESHOLDS
    assert frozen > 10_000  # Dash, SQLAlchemy, pandas... out of the collector's way
