"""gunicorn's settings for this app, which gunicorn reads from the folder it starts in (make run,
make bench and the tests start it here): it refuses more than one worker without AIM_REDIS_URL."""

from __future__ import annotations

from aim.config import get_settings


def on_starting(server) -> None:
    # Rate limits and refusal counts live in Redis when AIM_REDIS_URL is set, otherwise in each
    # worker's memory, where two workers would each allow the whole limit. gunicorn prints a
    # RuntimeError (ConfigurationError is one) as "Error: ..." and exits with status 1.
    get_settings().check_workers(server.cfg.workers)
