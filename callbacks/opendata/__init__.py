"""Loaders and callbacks of the open data site's pages (layouts/opendata/)."""
