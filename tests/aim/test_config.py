"""Settings: defaults, the production secret-key rule, and URL normalisation."""

from __future__ import annotations

import pytest

from aim.config import INSTANCE_DIR, ConfigurationError, Settings


def test_defaults_are_a_sqlite_file_in_the_instance_folder_and_a_january_fiscal_year(monkeypatch):
    for name in ("AIM_DATABASE_URL", "AIM_FISCAL_YEAR_START_MONTH", "AIM_ENV", "AIM_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == f"sqlite:///{INSTANCE_DIR / 'aim.db'}"
    assert settings.fiscal_year_start_month == 1
    assert settings.redis_url is None and settings.debug is False


def test_settings_are_read_from_aim_prefixed_variables(monkeypatch):
    monkeypatch.setenv("AIM_FISCAL_YEAR_START_MONTH", "7")
    monkeypatch.setenv("AIM_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings()
    assert settings.fiscal_year_start_month == 7
    assert settings.redis_url == "redis://127.0.0.1:6379/0"


def test_production_requires_a_secret_key():
    with pytest.raises(ConfigurationError, match="AIM_SECRET_KEY is required"):
        Settings(env="production", secret_key=None)
    assert Settings(env="production", secret_key="x" * 64).resolved_secret_key() == "x" * 64


def test_production_refuses_debug():
    with pytest.raises(ConfigurationError, match="AIM_DEBUG"):
        Settings(env="production", secret_key="k" * 64, debug=True)


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgres_urls_get_the_psycopg_driver(url):
    assert Settings(database_url=url).database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    "name", ["AIM_LOGIN_LIMIT_PER_ACCOUNT", "AIM_LOGIN_LIMIT_PER_ADDRESS", "AIM_REFUSAL_LIMIT_PER_ADDRESS"]
)
def test_a_rate_limit_that_is_not_one_is_refused_at_start_with_its_name(monkeypatch, name):
    from aim.config import get_settings

    monkeypatch.setenv(name, "five a minute")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match=f'{name}: .*write one like "5 per minute"'):
            get_settings()
    finally:
        get_settings.cache_clear()
