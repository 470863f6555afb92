"""Tests for the importer: values, readers, the all-or-nothing loader and recipes."""
