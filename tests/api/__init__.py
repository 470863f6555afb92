"""Tests of the open data API, over real HTTP."""
