"""The test suite; tests mirror the source tree (tests/aim/..., tests/migrations/...)."""
