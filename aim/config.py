"""Settings read from the environment (all prefixed AIM_), validated with pydantic-settings."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from limits import parse
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The project root: the folder that holds app.py.
ROOT = Path(__file__).resolve().parent.parent
#: Git-ignored folder for the default SQLite database and the development secret key.
INSTANCE_DIR = ROOT / "instance"
#: The Milwaukee demonstration city, in the import format (`python -m aim seed demo`, make bench).
DEMO_CITY = ROOT / "data" / "milwaukee"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


class Settings(BaseSettings):
    """Every setting of the application. See the README for what each one does."""

    model_config = SettingsConfigDict(env_prefix="AIM_", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = Field(default_factory=lambda: f"sqlite:///{INSTANCE_DIR / 'aim.db'}")
    secret_key: str | None = None
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    redis_url: str | None = None
    #: Seconds a worker waits on that Redis for the public cache before it computes the answer itself
    #: (a Redis that is down or stalled costs each page at most this long).
    redis_timeout: float = Field(default=2.0, gt=0, le=120)
    debug: bool = False
    #: Served over HTTPS: session cookies get Secure, and responses carry HSTS.
    https: bool = False
    #: Proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none; 1 behind nginx).
    proxy_hops: int = Field(default=0, ge=0, le=5)
    #: The largest request body accepted; anything bigger gets 413.
    max_request_bytes: int = Field(default=1_000_000, ge=10_000)
    #: Failed sign-ins allowed per account, and all sign-in attempts per client address.
    login_limit_per_account: str = "5 per minute"
    login_limit_per_address: str = "30 per minute"
    #: The day of the month approved figures are published (`python -m aim publish`).
    publication_day: int = Field(default=15, ge=1, le=28)
    #: The day of the month a period's figure is due, in the last month of the following reporting
    #: period (0: that month's last day, the methodology's rule: September's is due by Oct 31).
    reporting_due_day: int = Field(default=0, ge=0, le=28)
    #: How long (seconds) a worker trusts the data version it last read before reading it again:
    #: the public cache's keys hold it, so another server's publication shows within this long.
    #: A publication in the same worker shows at once. 0: read it on every cacheable request.
    data_version_ttl: float = Field(default=0.5, ge=0, le=60)
    #: Send Server-Timing (the server's time per response) for make bench; off, it helps no visitor.
    server_timing: bool = False
    #: Keep the review rooms a worker built, by data version (aim.services.review.RoomMemo); make
    #: bench turns it off to time the room built afresh.
    review_memo: bool = True
    #: Keep public answers by data version (web/public_cache.py); make bench turns it off to time
    #: the pages built afresh. Off, every answer is computed for every request.
    public_cache: bool = True
    #: Refused requests (403) recorded one by one per client address; beyond it: 429 and a count.
    refusal_limit_per_address: str = "20 per minute"
    #: The open data site (issue 15): where releases are archived (default instance/archive), the
    #: licence every dataset is published under, and who answers questions about the data.
    archive_dir: Path = Field(default_factory=lambda: INSTANCE_DIR / "archive")
    open_data_license_id: str = "CC0-1.0"
    open_data_license_url: str = "https://creativecommons.org/publicdomain/zero/1.0/"
    open_data_license_title: str = "Creative Commons Zero v1.0 Universal"
    open_data_contact_name: str = "Open data coordinator"
    open_data_contact_email: str = ""
    #: Data requests the public may send per client address (Flask-Limiter syntax; shared through
    #: AIM_REDIS_URL); a request is cheap to send and costs a coordinator's time to read.
    data_request_limit_per_address: str = "5 per hour"

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, value: str) -> str:
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("login_limit_per_account", "login_limit_per_address", "refusal_limit_per_address")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(f'{value!r} is not a rate limit; write one like "5 per minute"') from None
        return value

    @model_validator(mode="after")
    def _secret_key_required_in_production(self) -> "Settings":
        if self.env == "production" and not self.secret_key:
            raise ConfigurationError(
                "AIM_SECRET_KEY is required when AIM_ENV=production. Set it to a long random "
                "value, for example the output of: python -c 'import secrets; "
                "print(secrets.token_hex(32))'"
            )
        if self.env == "production" and self.debug:
            raise ConfigurationError("AIM_DEBUG must not be enabled when AIM_ENV=production.")
        return self

    def check_workers(self, workers: int) -> None:
        """Refuse more than one worker process without a shared store (AIM_REDIS_URL): each
        would keep its own sign-in and refusal counts, multiplying every limit by their number."""
        if workers > 1 and not self.redis_url:
            raise ConfigurationError(
                f"{workers} worker processes need AIM_REDIS_URL: without Redis each worker counts "
                "sign-in failures and refused requests on its own, so every rate limit would be "
                f"{workers} times weaker. Set AIM_REDIS_URL, or run one worker (make run WORKERS=1, "
                "gunicorn --workers 1; add --threads for more concurrency)."
            )

    def resolved_secret_key(self) -> str:
        """The secret key; in development, one generated once and kept in instance/.

        Kept on disk rather than generated per process so that every gunicorn worker signs
        sessions with the same key and sessions survive a restart.
        """
        if self.secret_key:
            return self.secret_key
        INSTANCE_DIR.mkdir(exist_ok=True)
        key_file = INSTANCE_DIR / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    try:
        return Settings()
    except ConfigurationError:
        raise
    except ValueError as exc:  # pydantic's ValidationError: reword it for a person
        raise ConfigurationError(_explain(exc)) from None


def _explain(exc: ValueError) -> str:
    errors: list[dict[str, Any]] = getattr(exc, "errors", lambda: [])()
    if not errors:
        return str(exc)
    lines = ["Invalid settings:"]
    for err in errors:
        name = "AIM_" + "_".join(str(p) for p in err.get("loc", ())).upper()
        cause = err.get("ctx", {}).get("error")
        message = str(cause) if isinstance(cause, ConfigurationError) else err.get("msg", "")
        lines.append(f"  {name}: {message} (got {err.get('input')!r})")
    return "\n".join(lines)
