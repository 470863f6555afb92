"""The app as served: gunicorn serves it, responses are compressed, Bootstrap comes from the
server, and the page shell (index HTML, /_dash-layout) carries no data."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

from aim.config import ROOT
from tests.cities import load_tiny_city


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_the_home_page_from_two_workers(database, db_url, backend):
    load_tiny_city(database)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIM_")}
    env.update(AIM_DATABASE_URL=db_url, AIM_SECRET_KEY="s" * 64, AIM_ENV="production")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", "2", "-b", f"127.0.0.1:{port}",
         "app:server"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert '<html lang="en">' in response.text
        body = {
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"],
        }
        for _ in range(4):  # reach both workers
            page = requests.post(f"http://127.0.0.1:{port}/_dash-update-component", json=body, timeout=10)
            assert page.status_code == 200 and "Safety" in page.text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_responses_are_compressed_and_bootstrap_is_served_locally(site):
    css = requests.get(f"{site}/vendor/bootstrap/5.3.8/css/bootstrap.min.css",
                       headers={"Accept-Encoding": "gzip, br"}, timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] in ("gzip", "br")
    assert "Bootstrap  v5.3.8" in css.text
    index = requests.get(site + "/", timeout=10)
    assert "/vendor/bootstrap/5.3.8/css/bootstrap.min.css" in index.text
    assert "cdn" not in index.text.lower()


def test_the_page_shell_carries_no_figures(site, database):
    load_tiny_city(database)
    for path in ("/", "/_dash-layout"):
        text = requests.get(site + path, timeout=10).text
        for figure in ("Safety", "violent", "0.92", "424242"):
            assert figure not in text, f"{figure!r} found in {path}"
