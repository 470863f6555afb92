"""Tests of the data shipped in data/: the demo city, the schemas, the recipes."""
