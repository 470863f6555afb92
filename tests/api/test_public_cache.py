"""The public cache (web/public_cache.py): published figures kept by data version, ETags and 304s,
and a signed-in reader's pages never served from it, nor kept in it (issue 16)."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import text

from aim.auth import Role
from aim.config import Settings
from aim.runtime import Runtime
from aim.services.site import advance_data_version
from tests.accounts import http_sign_in, make_user
from tests.callbacks.test_public_pages import route
from tests.cities import SECRET_CODE, SECRET_DEFINITION
from tests.web import TIMEOUT

pytestmark = pytest.mark.leak_city


def rename_homicides_behind_the_caches_back(database, name: str) -> None:
    """A change that moves no data version: only a cache would go on showing the old name."""
    with database.write() as s:
        s.execute(text("UPDATE measures SET name = :name WHERE code = 'homicides'"), {"name": name})


def publish(database) -> None:
    with database.write() as s:
        advance_data_version(s)


def test_an_api_answer_is_kept_until_the_data_version_moves_on(site, database):
    url = f"{site}/api/v1/measures/homicides"
    first = requests.get(url, timeout=TIMEOUT)
    rename_homicides_behind_the_caches_back(database, "Homicides, renamed")
    kept = requests.get(url, timeout=TIMEOUT)
    assert kept.content == first.content and kept.headers["ETag"] == first.headers["ETag"]
    publish(database)
    moved = requests.get(url, timeout=TIMEOUT)
    assert moved.json()["measure"]["name"] == "Homicides, renamed"
    assert moved.headers["ETag"] != first.headers["ETag"]


def test_a_matching_if_none_match_gets_304_without_a_body_and_another_gets_the_answer(site):
    for path in ("/api/v1/scorecard", "/api/v1/measures/homicides/series.csv", "/downloads/measures.csv"):
        first = requests.get(f"{site}{path}", timeout=TIMEOUT)
        assert first.status_code == 200 and first.headers["ETag"], path
        etag = first.headers["ETag"]
        again = requests.get(f"{site}{path}", headers={"If-None-Match": etag}, timeout=TIMEOUT)
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["ETag"] == first.headers["ETag"]
        other = requests.get(f"{site}{path}", headers={"If-None-Match": '"something-else"'}, timeout=TIMEOUT)
        assert other.status_code == 200 and other.content == first.content, path


def test_a_kept_answer_keeps_its_own_headers_but_not_a_cookie(site):
    path = f"{site}/api/v1/measures/homicides/series.csv"
    first, kept = requests.get(path, timeout=TIMEOUT), requests.get(path, timeout=TIMEOUT)
    for header in ("X-Period", "Content-Type", "Content-Security-Policy", "Access-Control-Allow-Origin"):
        assert kept.headers.get(header) == first.headers.get(header), header
    assert "Set-Cookie" not in kept.headers


def test_parameters_in_another_order_are_the_same_answer_and_other_values_another(site, database):
    one = requests.get(f"{site}/api/v1/measures?department=MPD&status=on_track", timeout=TIMEOUT)
    rename_homicides_behind_the_caches_back(database, "Homicides, renamed")
    same = requests.get(f"{site}/api/v1/measures?status=on_track&department=MPD", timeout=TIMEOUT)
    assert same.headers["ETag"] == one.headers["ETag"]
    other = requests.get(f"{site}/api/v1/measures?department=MPD", timeout=TIMEOUT)
    assert other.status_code == 200 and other.headers["ETag"] != one.headers["ETag"]


def test_the_public_page_is_kept_for_the_public_until_a_publication(site, database):
    first = route(site, "/measures/homicides", "?period=2025")
    rename_homicides_behind_the_caches_back(database, "Homicides, renamed")
    assert route(site, "/measures/homicides", "?period=2025").content == first.content
    assert "Homicides, renamed" not in route(site, "/measures/homicides", "period=2025").text
    publish(database)
    assert "Homicides, renamed" in route(site, "/measures/homicides", "?period=2025").text


def test_staff_see_the_internal_measure_and_the_public_right_after_never_does(site, database, fast_hashing):
    make_user(database, "analyst@milwaukee.gov", Role.BUDGET_ANALYST)
    staff = http_sign_in(site, "analyst@milwaukee.gov")
    for _ in range(2):
        assert SECRET_DEFINITION in _route_as(staff, site, f"/measures/{SECRET_CODE}")
    public = route(site, f"/measures/{SECRET_CODE}").text
    assert SECRET_DEFINITION not in public and "Measure not found" in public


def test_the_public_first_then_staff_still_see_the_internal_measure(site, database, fast_hashing):
    make_user(database, "analyst@milwaukee.gov", Role.BUDGET_ANALYST)
    for _ in range(2):
        assert SECRET_DEFINITION not in route(site, f"/measures/{SECRET_CODE}").text
    staff = http_sign_in(site, "analyst@milwaukee.gov")
    assert SECRET_DEFINITION in _route_as(staff, site, f"/measures/{SECRET_CODE}")


def test_a_signed_in_reader_gets_fresh_pages_not_the_public_cache(site, database, fast_hashing):
    make_user(database, "analyst@milwaukee.gov", Role.BUDGET_ANALYST)
    route(site, "/measures/homicides")
    rename_homicides_behind_the_caches_back(database, "Homicides, renamed")
    staff = http_sign_in(site, "analyst@milwaukee.gov")
    assert "Homicides, renamed" in _route_as(staff, site, "/measures/homicides")
    assert "Homicides, renamed" not in route(site, "/measures/homicides").text


def _route_as(http: requests.Session, site: str, pathname: str) -> str:
    from tests.callbacks.test_public_pages import ROUTER_OUTPUT

    token = http.cookies.get("_csrf_token", "")
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    response = http.post(
        f"{site}/_dash-update-component", json=body, headers={"X-CSRFToken": token}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_a_worker_trusts_its_data_version_for_its_time_to_live_but_sees_its_own_publication_at_once(
    database,
):
    runtime = Runtime(Settings(database_url=database.url, data_version_ttl=60), database, None)  # type: ignore[arg-type]
    before = runtime.data_version()
    with database.write() as s:  # as another server would: no commit of this process's sessions
        s.execute(text("UPDATE city_info SET data_version = data_version + 1"))
    assert runtime.data_version() == before
    publish(database)
    assert runtime.data_version() == before + 2
    runtime.settings = Settings(database_url=database.url, data_version_ttl=0)
    with database.write() as s:
        s.execute(text("UPDATE city_info SET data_version = data_version + 1"))
    assert runtime.data_version() == before + 3


def raw(url: str, accept: str, **headers: str) -> requests.Response:
    """The answer as sent, not decoded: its bytes are the encoded body."""
    answer = requests.get(url, headers={"Accept-Encoding": accept, **headers}, stream=True, timeout=TIMEOUT)
    answer.raw_bytes = answer.raw.read(decode_content=False)  # type: ignore[attr-defined]
    return answer


@pytest.mark.parametrize("path", ["/api/v1/scorecard", "/api/v1/measures?department=MPD"])
def test_a_kept_answer_goes_in_the_encoding_the_reader_accepts_and_says_so(site, path):
    import gzip

    import brotli
    from flask_compress.compat import compression

    url = f"{site}{path}"
    plain = raw(url, "identity")  # computed, then kept
    assert "Content-Encoding" not in plain.headers and len(plain.raw_bytes) > 500
    body = plain.raw_bytes
    for accept, encoding, decode in (
        ("gzip, deflate, br, zstd", "zstd", compression.zstd.decompress),  # what Chromium sends
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("br;q=0, gzip;q=0.5", "gzip", gzip.decompress),
    ):
        kept = raw(url, accept)
        assert kept.headers["Content-Encoding"] == encoding, accept
        assert "accept-encoding" in kept.headers["Vary"].lower()
        assert decode(kept.raw_bytes) == body, accept
        assert len(kept.raw_bytes) < len(body) / 3
        assert kept.headers["ETag"].strip('"').endswith(f":{encoding}")
        again = raw(url, accept, **{"If-None-Match": kept.headers["ETag"]})
        assert again.status_code == 304 and again.raw_bytes == b""
    identity = raw(url, "identity")
    assert "Content-Encoding" not in identity.headers and identity.raw_bytes == body


def test_an_answer_flask_compress_would_not_compress_is_kept_as_it_is(site):
    # A workbook (a zip already) is not among Flask-Compress's types: computed or kept, it goes as
    # it is, with one ETag.
    url = f"{site}/downloads/measures.xlsx"
    computed, kept = raw(url, "gzip, br, zstd"), raw(url, "gzip, br, zstd")
    assert "Content-Encoding" not in computed.headers and "Content-Encoding" not in kept.headers
    assert kept.raw_bytes == computed.raw_bytes and kept.headers["ETag"] == computed.headers["ETag"]


def test_a_csv_download_is_kept_compressed_as_it_was_computed(site):
    # CSV is among the types compressed (web/compression.py): computed or kept, the same bytes.
    url = f"{site}/downloads/measures.csv"
    computed, kept = raw(url, "gzip, br, zstd"), raw(url, "gzip, br, zstd")
    assert computed.headers["Content-Encoding"] == kept.headers["Content-Encoding"] == "zstd"
    assert kept.raw_bytes == computed.raw_bytes and kept.headers["ETag"] == computed.headers["ETag"]


def test_a_kept_page_answer_is_sent_compressed_and_reads_the_same(site):
    first = route(site, "/measures/homicides", "?period=2025")  # requests asks for gzip or br
    kept = route(site, "/measures/homicides", "?period=2025")
    assert first.headers["Content-Encoding"] == kept.headers["Content-Encoding"]
    assert kept.headers["Content-Encoding"] in {"zstd", "br", "gzip"}
    assert kept.json() == first.json()
