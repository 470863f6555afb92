"""Tests of page loaders and callbacks, driven over HTTP like a browser (or a forger) would."""
