"""Request guards for every route: how long the server worked (Server-Timing), and the security
headers every response carries."""
from __future__ import annotations

import time

from flask import Flask, Response, g


def init_timing(server: Flask) -> None:
    """Server-Timing: the server's own time for each response, for browser dev tools and make bench."""

    @server.before_request
    def _start_clock() -> None:
        g.aim_started = time.perf_counter()

    @server.after_request
    def _stop_clock(response: Response) -> Response:
        started = g.get("aim_started")
        if started is not None:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response
