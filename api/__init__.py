"""Flask blueprints: the public open data API (v1)."""
