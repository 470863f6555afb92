"""The public cache: answers that depend only on published data (the public pages' router callback
for readers who are not signed in, the open data API, the public downloads), kept under the route,
its normalised parameters and the data version (CityInfo.data_version), with ETags.

Every publication, import and target approval moves the data version on, in the same transaction
(aim.services.site.advance_data_version is the one function to call); the next request reads the
new version and so asks for keys nobody has filled yet. Nothing is ever deleted or invalidated:
an entry's key says which data it was built from, so an old entry can only be unused (it expires).
That is also why two tiers are safe without coordination: a small in-process tier in front of
Redis (AIM_REDIS_URL), which every worker and every server shares. Without Redis, the in-process
tier alone.

Staleness: each worker reads the data version (one primary-key read of the one-row city_info
table) at most once per AIM_DATA_VERSION_TTL (0.5 s by default), and at once after it committed
a new one itself. So a publication or import shows on the server that made it at once, and on
every other worker and server within AIM_DATA_VERSION_TTL (plus the time of one request).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from cachelib import RedisCache, SimpleCache
from flask import Flask, Response, current_app, g, request

# Flask-Compress's own compressor, so a kept answer is byte for byte what it would have sent.
from flask_compress.flask_compress import _compress_data

from aim.auth import is_signed_in
from aim.config import ROOT
from web.context import current_principal, runtime

log = logging.getLogger(__name__)

EXTENSION = "aim_public_cache"
#: Entries live this long at most (seconds); a new data version makes them unused long before.
TIMEOUT = 6 * 3600
#: Entries kept in each worker's own tier. A page answer is 20 to 200 kB: at most ~13 MB a worker.
LOCAL_ENTRIES = 64
#: Headers of a view's answer that are never kept with it: cookies are the reader's, the rest is
#: made afresh for every answer (the security headers and compression come after the cache).
NOT_KEPT = frozenset({"set-cookie", "content-type", "content-length", "vary", "etag", "date"})
#: The folders whose code builds the cached answers: a new release is a new set of keys, so two
#: releases sharing one Redis during a rolling upgrade never serve each other's answers.
CODE_FOLDERS = ("aim", "api", "callbacks", "layouts", "web")
#: Answers kept already compressed, in the encodings browsers accept (Flask-Compress's own order of
#: preference), so that a crowd of readers costs no compression at all: a page's answer of 175 kB
#: is 10 kB in Brotli, and compressing it took longer than serving it from the cache.
ENCODINGS = ("zstd", "br", "gzip")


@dataclass(frozen=True)
class Cached:
    """One kept answer: enough to send it again byte for byte."""

    status: int
    mimetype: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str
    #: The body in each of ENCODINGS, when it is worth compressing: (encoding, bytes).
    encoded: tuple[tuple[str, bytes], ...] = ()

    def response(self) -> Response:
        encoding, body = _accepted(self.encoded)
        response = Response(body or self.body, status=self.status, mimetype=self.mimetype)
        for name, value in self.headers:
            response.headers.add(name, value)
        response.vary.add("Accept-Encoding")
        if encoding is None:
            return _conditional(response, self.etag)
        # Flask-Compress leaves an answer that has an encoding alone; the ETag names the encoding
        # as Flask-Compress names it, so a revalidation gets a 304 for the bytes the reader holds.
        response.headers["Content-Encoding"] = encoding
        return _conditional(response, f"{self.etag}:{encoding}")


def _accepted(encoded: tuple[tuple[str, bytes], ...]) -> tuple[str | None, bytes | None]:
    """The kept encoding the request wants most (q > 0; between equals, the first of ENCODINGS), as
    Flask-Compress chooses for a computed answer: the same bytes and ETag either way."""
    weighed = [
        (request.accept_encodings[encoding], -n, encoding, body) for n, (encoding, body) in enumerate(encoded)
    ]
    best = max(weighed, default=None)
    # None either when no kept encoding is acceptable or when the client rates identity higher.
    if best is None or best[0] <= 0 or request.accept_encodings["identity"] > best[0]:
        return None, None
    return best[2], best[3]


def _encode(body: bytes, mimetype: str) -> tuple[tuple[str, bytes], ...]:
    """The body in each of ENCODINGS, compressed as Flask-Compress compresses the same answer."""
    # Flask-Compress's own rules (its configuration): what it would send uncompressed stays so, and
    # an answer's ETag is the same whether it was computed or kept.
    config = current_app.config
    if len(body) < config.get("COMPRESS_MIN_SIZE", 500) or mimetype not in config.get(
        "COMPRESS_MIMETYPES", ()
    ):
        return ()
    return tuple((encoding, _compress_data(current_app, body, encoding)) for encoding in ENCODINGS)


def _conditional(response: Response, etag: str) -> Response:
    """The ETag, and a 304 with no body when the request's If-None-Match names it."""
    response.set_etag(etag)
    response.make_conditional(request)  # changes the response in place (status, body)
    return response


def code_fingerprint(folders: Iterable[str] = CODE_FOLDERS) -> str:
    """A short digest of the source files (and docs/methodology.md, which a page shows)."""
    digest = hashlib.blake2b(digest_size=8)
    paths = [p for folder in folders for p in (ROOT / folder).rglob("*.py")]
    for path in sorted([*paths, ROOT / "docs" / "methodology.md"]):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class PublicCache:
    """The two tiers: this process's own, then Redis when there is one. A Redis that fails is
    logged and treated as a miss: the page is computed, never refused."""

    def __init__(
        self,
        redis_url: str | None,
        *,
        fingerprint: str,
        local_entries: int = LOCAL_ENTRIES,
        timeout: float = 2.0,
    ):
        self.fingerprint = fingerprint
        self.local = SimpleCache(threshold=local_entries, default_timeout=TIMEOUT)
        self.shared: RedisCache | None = None
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
            self.shared = RedisCache(host=client, key_prefix="aim-public:", default_timeout=TIMEOUT)

    def key(self, *parts: object) -> str:
        """The key of an answer: this release's code, the database and its data version, today
        (pages and files name the day: "as of", the file name of a download), and what was asked.
        (The key is a digest: the database's address, password and all, is never stored.)"""
        database = runtime().database.url
        version = current_data_version()
        text = json.dumps([self.fingerprint, database, version, date.today().isoformat(), *parts])
        return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    def get(self, key: str) -> Cached | None:
        found = self.local.get(key)
        if found is None and self.shared is not None:
            try:
                found = self.shared.get(key)
            except Exception:  # noqa: BLE001 - a cache that fails is a miss, never an error page
                log.warning("the shared cache (Redis) did not answer; computing the answer", exc_info=True)
                return None
            if isinstance(found, Cached):
                self.local.set(key, found)
        return found if isinstance(found, Cached) else None

    def set(self, key: str, entry: Cached) -> None:
        self.local.set(key, entry)
        if self.shared is not None:
            try:
                self.shared.set(key, entry)
            except Exception:  # noqa: BLE001 - see get()
                log.warning("the shared cache (Redis) refused an entry", exc_info=True)

    def keep(self, key: str, response: Response) -> Response:
        """Keep a fresh 200 answer under `key` and give it its ETag (a 304 if the client has it)."""
        if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
            return response
        body = response.get_data()
        entry = Cached(
            status=response.status_code,
            mimetype=response.mimetype or "application/octet-stream",
            headers=tuple((h, v) for h, v in response.headers.items() if h.lower() not in NOT_KEPT),
            body=body,
            etag=hashlib.blake2b(body, digest_size=16).hexdigest(),
            encoded=_encode(body, response.mimetype or ""),
        )
        self.set(key, entry)
        return _conditional(response, entry.etag)


def current_data_version() -> int:
    """The data version, one value for the whole request (see Runtime.data_version)."""
    if "aim_data_version" not in g:
        g.aim_data_version = runtime().data_version()
    return g.aim_data_version


def cache_of(server: Flask) -> PublicCache:
    return server.extensions[EXTENSION]


def init(server: Flask, redis_url: str | None, *, timeout: float = 2.0) -> PublicCache:
    cache = PublicCache(redis_url, fingerprint=code_fingerprint(), timeout=timeout)
    server.extensions[EXTENSION] = cache
    return cache


def cache_routes(server: Flask, endpoints: Callable[[str], bool]) -> None:
    """Keep the GET answers of the Flask endpoints `endpoints` accepts, whoever asks: they must be
    answers that depend on published data and the query string only (never on the reader)."""
    cache = cache_of(server)

    # Registered last, so it runs after every guard's before_request (a refusal is never skipped),
    # and its after_request runs first, before Flask-Compress and the security headers.
    @server.before_request
    def _serve_kept() -> Response | None:
        if request.method not in ("GET", "HEAD") or not endpoints(request.endpoint or ""):
            return None
        key = cache.key("get", request.path, sorted(request.args.items(multi=True)))
        found = cache.get(key)
        if found is not None:
            g.aim_cache_hit = True
            return found.response()
        g.aim_cache_key = key
        return None

    @server.after_request
    def _keep(response: Response) -> Response:
        key = g.pop("aim_cache_key", None)
        return cache.keep(key, response) if key else response


def normalised_search(search: object) -> str:
    """A query string in one canonical form: parameters sorted, encoding made uniform."""
    text = search if isinstance(search, str) else ""
    return urlencode(sorted(parse_qsl(text.lstrip("?"), keep_blank_values=True)))


def cache_page_router(server: Flask, *, router_output: str, cacheable_path: Callable[[str], bool]) -> None:
    """Keep the answers of Dash's page router (one callback draws every page) for readers who are
    not signed in, on the public pages `cacheable_path` accepts. A signed-in reader's pages (which
    may show internal measures) are neither kept nor served from here."""
    cache = cache_of(server)
    endpoint = "/_dash-update-component"
    view = server.view_functions[endpoint]

    def update_component(*args, **kwargs):
        key = _router_key(cache, router_output, cacheable_path)
        if key is None:
            return view(*args, **kwargs)
        found = cache.get(key)
        if found is not None:
            g.aim_cache_hit = True
            return found.response()
        response = server.make_response(view(*args, **kwargs))  # type: ignore[arg-type]
        # Dash answers a POST; ETags on it help no browser, but keep() sets one harmlessly.
        return cache.keep(key, response)

    server.view_functions[endpoint] = update_component


def _router_key(cache: PublicCache, router_output: str, cacheable_path: Callable[[str], bool]) -> str | None:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("output") != router_output:
        return None
    values = {
        f"{i.get('id')}.{i.get('property')}": i.get("value")
        for i in body.get("inputs", [])
        if isinstance(i, dict)
    }
    pathname = values.pop("_pages_location.pathname", None)
    search = values.pop("_pages_location.search", None)
    if values or body.get("state") or not isinstance(pathname, str) or not cacheable_path(pathname):
        return None  # anything more than path and query string: not a plain public page
    if is_signed_in(current_principal()):
        return None
    return cache.key("page", pathname, normalised_search(search))
