"""Builders of the pages staff see after signing in."""
