"""How answers are compressed: Flask-Compress, told to compress CSV too, behind a WSGI layer that
restates each request's Accept-Encoding so that a coding the client refuses is never chosen."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from flask_compress import Compress
from werkzeug.http import parse_accept_header

#: Types compressed besides Flask-Compress's own list (HTML, CSS, JavaScript, JSON, SVG, fonts...):
#: the CSV downloads, which compress to a fifth of their size or less (the demo budgets, 98 -> 21 kB).
ALSO_COMPRESSED = ("text/csv",)


def install(server: Flask, files: Iterable[str]) -> None:
    """Flask-Compress on `server` (in place of Dash's compress=True, which cannot add types), and
    the Accept-Encoding restatement (acceptable_codings) in front of the whole app. `files`: the
    endpoints that send files (send_file): Flask-Compress answers a revalidation of those with 304
    only for the endpoints it is told of, since their answers stream (its default: "static")."""
    # Read by Compress when it starts: a file's ETag changes when it is compressed (X -> X:zstd),
    # and only here is the request compared with the new one.
    server.config["COMPRESS_STREAMING_ENDPOINT_CONDITIONAL"] = ["static", *files]
    compress = Compress(server)  # its after_request, and its defaults in server.config
    types = [*server.config["COMPRESS_MIMETYPES"], *ALSO_COMPRESSED]
    server.config["COMPRESS_MIMETYPES"] = types
    # Flask-Compress reads the setting once, into this set; the public cache reads the setting.
    compress.compress_mimetypes_set = set(types)
    offered = tuple(dict.fromkeys([*compress.enabled_algorithms, *compress.streaming_algorithms]))
    server.wsgi_app = _RestatedAcceptEncoding(server.wsgi_app, offered)  # type: ignore[method-assign]


@functools.lru_cache(maxsize=256)  # browsers send a handful of distinct headers: 10 us -> 0.1 us
def acceptable_codings(header: str, offered: tuple[str, ...]) -> str:
    """`header` (an Accept-Encoding) restated as the `offered` codings it accepts, with its weights,
    most wanted first, and identity where it names it (itself or by `*`). Flask-Compress 1.25 takes
    a weight of 0 for a low preference, where HTTP means "not acceptable" (RFC 9110, 12.5.3): it
    answers "gzip;q=0" in gzip and "br;q=0, gzip;q=0" in Brotli. Restated, what is refused is not
    named at all, and `*` is spelled out, so that "*;q=0, br" cannot be taken for zstd either."""
    accept = parse_accept_header(header)
    weights = {coding: accept[coding] for coding in offered}
    if "identity" in accept:  # named, or covered by *
        weights["identity"] = accept["identity"]
    kept = sorted(((q, coding) for coding, q in weights.items() if q > 0), key=lambda w: -w[0])
    return ", ".join(f"{coding};q={q:g}" for q, coding in kept)


class _RestatedAcceptEncoding:
    """WSGI middleware: Accept-Encoding restated by acceptable_codings before the app reads it, and
    dropped from a request for a range, whose bytes are the stored file's (a range compressed on
    its own, as Flask-Compress would, is a part of no whole the client could put together)."""

    def __init__(self, app: Callable[..., Any], offered: tuple[str, ...]) -> None:
        self.app = app
        self.offered = offered

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        header = environ.get("HTTP_ACCEPT_ENCODING")
        if header is not None:
            if environ.get("HTTP_RANGE"):
                del environ["HTTP_ACCEPT_ENCODING"]
            else:
                environ["HTTP_ACCEPT_ENCODING"] = acceptable_codings(header, self.offered)
        return self.app(environ, start_response)
