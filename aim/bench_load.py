"""The crowd benchmark of `make bench` (issue 16): the home and measure pages' callbacks and
/api/v1/scorecard under 32 connections on 2 gunicorn workers, beside a toy Dash callback built and
served the same way in the same run, so that the figures are ratios on this machine, not ms."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aim.bench import PAGES, _server_ms, fresh_database, gunicorn
from aim.config import DEMO_CITY
from aim.db import Database
from aim.importing import run_import
from aim.periods import FiscalCalendar

CONNECTIONS = 32
WORKERS = 2
#: The targets take turns, SLICE seconds each, ROUNDS times: a neighbour's burst of work on a
#: shared machine then falls on all of them alike instead of on one (the ratios are the point).
SLICE, ROUNDS = 2, 4
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
# The toy: one input, one output, the smallest callback Dash can answer; served like ours
# (gunicorn, 2 sync workers, compression on). Source text, because the domain imports no Dash.
TOY_DASH = """
import dash
from dash import Input, Output, dcc, html

app = dash.Dash(__name__, serve_locally=True, compress=True)
app.layout = html.Div([dcc.Input(id="name", value="x"), html.P(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello {name}"


server = app.server
"""
TOY_BODY = {
    "output": "greeting.children",
    "outputs": {"id": "greeting", "property": "children"},
    "inputs": [{"id": "name", "property": "value", "value": "x"}],
    "changedPropIds": ["name.value"],
}
#: Goals of issue 16, as ratios of the toy's throughput in the same run.
PAGE_GOAL, API_GOAL, P95_GOAL_MS, RSS_GOAL_MB = 0.25, 0.5, 300, 200
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


def router_body(path: str) -> dict:
    """What dash-renderer POSTs when a reader opens `path`."""
    pathname, _, search = path.partition("?")
    return {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": f"?{search}" if search else ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }


@dataclass
class Load:
    """What ab measured for one target, summed over the rounds."""

    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")

    def add(self, report: str, latencies: list[float]) -> None:
        def number(pattern: str) -> float:
            found = re.search(pattern, report, re.MULTILINE)
            return float(found.group(1)) if found else 0.0

        self.requests += int(number(r"^Complete requests:\s+(\d+)"))
        self.seconds += number(r"^Time taken for tests:\s+([\d.]+)")
        self.errors += int(number(r"^Failed requests:\s+(\d+)") + number(r"^Non-2xx responses:\s+(\d+)"))
        self.latencies_ms += latencies


def ab(url: str, body: dict | None, scratch: Path, seconds: int, into: Load | None = None) -> None:
    """ApacheBench for `seconds` at CONNECTIONS connections (a POST of `body` when given); what it
    measured is added to `into`."""
    timings = scratch / "timings.tsv"
    command = ["ab", "-q", "-c", str(CONNECTIONS), "-t", str(seconds), "-n", "10000000", "-g", str(timings)]
    # As a browser asks (Chromium's header): every reader's answers go compressed.
    command += ["-H", f"Accept-Encoding: {BROWSER_ENCODINGS}"]
    if body is not None:
        payload = scratch / "body.json"
        payload.write_text(json.dumps(body), encoding="utf-8")
        command += ["-p", str(payload), "-T", "application/json"]
    result = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 120)
    if result.returncode != 0 and "Complete requests" not in result.stdout:
        raise RuntimeError(f"ab failed: {result.stderr.strip()[-300:]}")
    if into is not None:
        rows = timings.read_text().splitlines()[1:]  # starttime seconds ctime dtime ttime wait
        into.add(result.stdout, [float(r.split("\t")[4]) for r in rows if r.count("\t") >= 5])


def worker_rss_mb(master_pid: int) -> list[float]:
    """The resident memory of each worker of the gunicorn master `master_pid`, in MB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


WORK_RUNS = 7


def _components(value: object) -> int:
    if isinstance(value, dict):
        return int("namespace" in value and "type" in value) + sum(_components(v) for v in value.values())
    if isinstance(value, list):
        return sum(_components(v) for v in value)
    return 0


def layout_work(base: str, path: str) -> tuple[float, float, int, int]:
    """(computed ms, cached ms, components, bytes) of the page's router callback."""
    import requests

    def post(target: str):
        response = requests.post(f"{base}/_dash-update-component", json=router_body(target), timeout=60)
        assert response.status_code == 200, (target, response.status_code)
        return response

    joiner = "&" if "?" in path else "?"
    computed = [_server_ms(post(f"{path}{joiner}bench-miss={i}")) for i in range(WORK_RUNS)]
    answer = post(path)
    kept = [_server_ms(post(path)) for _ in range(WORK_RUNS)]
    size = len(answer.content)
    return statistics.median(computed), statistics.median(kept), _components(answer.json()), size


def crowd_benchmark(postgres_url: str | None, redis_url: str) -> None:
    """Print the crowd table (Markdown) with the goals beside each figure."""
    if not shutil.which("ab"):
        print("\nCrowd benchmark skipped: needs ab (apache2-utils; `make bench` installs it).")
        return
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the bench's own Redis database: old entries out
    with tempfile.TemporaryDirectory(prefix="aim-bench-crowd-") as scratch_name:
        scratch = Path(scratch_name)
        url = fresh_database(postgres_url, scratch)
        database = Database(url)
        assert run_import(database, FiscalCalendar(1), DEMO_CITY).ok
        database.dispose()
        toy_folder = scratch / "toy"
        toy_folder.mkdir()
        (toy_folder / "toy_dash.py").write_text(TOY_DASH, encoding="utf-8")
        started: list = []
        with (
            gunicorn("sqlite://", workers=WORKERS, target="toy_dash:server", cwd=toy_folder) as toy,
            gunicorn(
                url, workers=WORKERS, started=started, redis_url=redis_url, server_timing="true"
            ) as base,
        ):
            targets = [
                ("toy Dash callback", f"{toy}/_dash-update-component", TOY_BODY, None),
                ("home page callback", f"{base}/_dash-update-component", router_body("/"), PAGE_GOAL),
                (
                    "measure page callback",
                    f"{base}/_dash-update-component",
                    router_body("/measures/violent-crimes"),
                    PAGE_GOAL,
                ),
                ("`/api/v1/scorecard`", f"{base}/api/v1/scorecard", None, API_GOAL),
            ]
            for _name, target, body, _goal in targets:
                ab(target, body, scratch, seconds=1)  # warm-up: each worker fills its tier
            loads = {name: Load() for name, *_ in targets}
            for _round in range(ROUNDS):
                for name, target, body, _goal in targets:
                    ab(target, body, scratch, SLICE, into=loads[name])
            time.sleep(0.5)
            rss = worker_rss_mb(started[0].pid)
            work = [(path, *layout_work(base, path)) for path in PAGES]
    database_kind = "PostgreSQL" if postgres_url else "SQLite"
    print(
        f"\n## A crowd ({CONNECTIONS} connections, {WORKERS} gunicorn workers each; ab, the targets taking "
        f"turns {ROUNDS} times {SLICE} s; demo city on {database_kind}, Redis; the toy is a one-callback "
        "Dash app served the same way; every request asks for compression as Chromium does)\n"
    )
    print("| what | req/s | ratio to the toy | goal | p50 | p95 | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    toy_load = loads["toy Dash callback"]
    for name, _target, _body, goal in targets:
        load = loads[name]
        ratio = load.per_second / toy_load.per_second if toy_load.per_second else float("nan")
        verdict = ""
        if goal is not None:
            met = ratio >= goal and load.percentile(0.95) < P95_GOAL_MS and load.errors == 0
            verdict = f">= {goal}, p95 < {P95_GOAL_MS} ms: {'met' if met else '**not met**'}"
        print(
            f"| {name} | {load.per_second:,.0f} | {ratio:.2f} | {verdict} | {load.percentile(0.5):.0f} ms "
            f"| {load.percentile(0.95):.0f} ms | {load.errors} |"
        )
    print(
        "\nEach page's callback, one request at a time (server time from Server-Timing, median of "
        f"{WORK_RUNS}): computed (a parameter the page ignores makes each request a new key) and "
        "from the cache; the components Dash draws and the answer's size.\n"
    )
    print("| page | computed | from the cache | components | answer |")
    print("|---|---:|---:|---:|---:|")
    for path, computed, kept, components, size in work:
        print(f"| `{path}` | {computed:.0f} ms | {kept:.1f} ms | {components:,} | {size / 1024:.0f} kB |")
    worst = max(rss) if rss else float("nan")
    print(
        f"\nWorker RSS after the load: {', '.join(f'{r:.0f} MB' for r in rss)} "
        f"(goal < {RSS_GOAL_MB} MB: {'met' if worst < RSS_GOAL_MB else '**not met**'}); "
        f"the toy's p95 in the same run: {toy_load.percentile(0.95):.0f} ms (the machine's own share)."
    )
